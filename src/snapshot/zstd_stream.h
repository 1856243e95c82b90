#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "zstd.h"

namespace snapkeep::snapshot {

using ByteSink = absl::FunctionRef<absl::Status(std::string_view)>;

// Streaming zstd compression: bytes in, compressed frames out to a sink, with
// one output buffer (ZSTD_CStreamOutSize, ~128 KiB) of memory. Not thread-safe.
class ZstdCompressor {
 public:
  // Level 1..19; InvalidArgument otherwise.
  static absl::StatusOr<std::unique_ptr<ZstdCompressor>> Create(int level);
  absl::Status Write(std::string_view data, ByteSink sink);
  // Ends the frame; call once after the last Write().
  absl::Status Finish(ByteSink sink);

 private:
  struct Deleter {
    void operator()(ZSTD_CCtx* ctx) const { ZSTD_freeCCtx(ctx); }
  };
  ZstdCompressor() = default;
  absl::Status Drive(std::string_view data, ZSTD_EndDirective mode, ByteSink sink);
  std::unique_ptr<ZSTD_CCtx, Deleter> ctx_;
  std::string out_;
};

// Streaming zstd decompression; Finish() fails on a truncated frame.
class ZstdDecompressor {
 public:
  ZstdDecompressor();
  absl::Status Write(std::string_view data, ByteSink sink);
  absl::Status Finish();

 private:
  struct Deleter {
    void operator()(ZSTD_DCtx* ctx) const { ZSTD_freeDCtx(ctx); }
  };
  std::unique_ptr<ZSTD_DCtx, Deleter> ctx_;
  std::string out_;
  size_t last_hint_ = 0;  // ZSTD_decompressStream's return: 0 = frame complete
};

}  // namespace snapkeep::snapshot
