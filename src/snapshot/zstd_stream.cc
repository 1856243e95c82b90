#include "snapshot/zstd_stream.h"

#include "common/str_cat.h"

namespace snapkeep::snapshot {

absl::StatusOr<std::unique_ptr<ZstdCompressor>> ZstdCompressor::Create(int level) {
  if (level < 1 || level > 19) {
    return absl::InvalidArgumentError(
        StrCat("--compress: zstd level ", level,
               " is out of range 1..19 (higher levels need too much memory)"));
  }
  std::unique_ptr<ZstdCompressor> compressor(new ZstdCompressor());
  compressor->ctx_.reset(ZSTD_createCCtx());
  if (!compressor->ctx_) return absl::ResourceExhaustedError("zstd: cannot allocate a context");
  ZSTD_CCtx_setParameter(compressor->ctx_.get(), ZSTD_c_compressionLevel, level);
  ZSTD_CCtx_setParameter(compressor->ctx_.get(), ZSTD_c_checksumFlag, 1);
  compressor->out_.resize(ZSTD_CStreamOutSize());
  return compressor;
}

absl::Status ZstdCompressor::Drive(std::string_view data, ZSTD_EndDirective mode, ByteSink sink) {
  ZSTD_inBuffer in{data.data(), data.size(), 0};
  for (;;) {
    ZSTD_outBuffer out{out_.data(), out_.size(), 0};
    size_t remaining = ZSTD_compressStream2(ctx_.get(), &out, &in, mode);
    if (ZSTD_isError(remaining)) {
      return absl::InternalError(StrCat("zstd compress: ", ZSTD_getErrorName(remaining)));
    }
    if (out.pos > 0) {
      if (absl::Status status = sink(std::string_view(out_.data(), out.pos)); !status.ok()) {
        return status;
      }
    }
    bool done = mode == ZSTD_e_end ? remaining == 0 : in.pos == in.size;
    if (done) return absl::OkStatus();
  }
}

absl::Status ZstdCompressor::Write(std::string_view data, ByteSink sink) {
  return Drive(data, ZSTD_e_continue, sink);
}

absl::Status ZstdCompressor::Finish(ByteSink sink) { return Drive({}, ZSTD_e_end, sink); }

ZstdDecompressor::ZstdDecompressor() : ctx_(ZSTD_createDCtx()) {
  out_.resize(ZSTD_DStreamOutSize());
}

absl::Status ZstdDecompressor::Write(std::string_view data, ByteSink sink) {
  if (!ctx_) return absl::ResourceExhaustedError("zstd: cannot allocate a context");
  ZSTD_inBuffer in{data.data(), data.size(), 0};
  for (;;) {
    ZSTD_outBuffer out{out_.data(), out_.size(), 0};
    size_t consumed_before = in.pos;
    size_t hint = ZSTD_decompressStream(ctx_.get(), &out, &in);
    if (ZSTD_isError(hint)) {
      return absl::DataLossError(
          StrCat("zstd: stored snapshot is corrupt: ", ZSTD_getErrorName(hint)));
    }
    // A call that neither read nor wrote (after a frame ended) only announces
    // the next frame's header; it says nothing about this frame.
    if (in.pos != consumed_before || out.pos > 0) last_hint_ = hint;
    if (out.pos > 0) {
      if (absl::Status status = sink(std::string_view(out_.data(), out.pos)); !status.ok()) {
        return status;
      }
    }
    // A full output buffer may mean more output is pending even with no input left.
    if (in.pos == in.size && out.pos < out.size) return absl::OkStatus();
  }
}

absl::Status ZstdDecompressor::Finish() {
  if (last_hint_ != 0) return absl::DataLossError("zstd: stored snapshot is truncated");
  return absl::OkStatus();
}

}  // namespace snapkeep::snapshot
