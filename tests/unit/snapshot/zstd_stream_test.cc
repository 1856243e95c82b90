#include "snapshot/zstd_stream.h"

#include <random>

#include "gtest/gtest.h"

namespace snapkeep::snapshot {
namespace {

std::string Compress(const std::string& input, int level, size_t chunk) {
  auto compressor = ZstdCompressor::Create(level);
  EXPECT_TRUE(compressor.ok());
  std::string out;
  auto sink = [&](std::string_view bytes) {
    out.append(bytes.data(), bytes.size());
    return absl::OkStatus();
  };
  for (size_t pos = 0; pos < input.size(); pos += chunk) {
    EXPECT_TRUE((*compressor)->Write(std::string_view(input).substr(pos, chunk), sink).ok());
  }
  EXPECT_TRUE((*compressor)->Finish(sink).ok());
  return out;
}

absl::StatusOr<std::string> Decompress(const std::string& input, size_t chunk) {
  ZstdDecompressor decompressor;
  std::string out;
  auto sink = [&](std::string_view bytes) {
    out.append(bytes.data(), bytes.size());
    return absl::OkStatus();
  };
  for (size_t pos = 0; pos < input.size(); pos += chunk) {
    absl::Status status = decompressor.Write(std::string_view(input).substr(pos, chunk), sink);
    if (!status.ok()) return status;
  }
  if (absl::Status status = decompressor.Finish(); !status.ok()) return status;
  return out;
}

TEST(ZstdStreamTest, RoundTripsLargeInputInAnyChunking) {
  std::string input;
  std::mt19937 random(1);
  for (int i = 0; i < 3 << 20; ++i) input.push_back(static_cast<char>('a' + random() % 4));
  std::string packed = Compress(input, 3, 32 * 1024);
  EXPECT_LT(packed.size(), input.size() / 2);
  for (size_t chunk : {size_t{1000}, size_t{1} << 20}) {
    auto unpacked = Decompress(packed, chunk);
    ASSERT_TRUE(unpacked.ok()) << unpacked.status().message();
    EXPECT_EQ(*unpacked, input);
  }
}

TEST(ZstdStreamTest, DetectsCorruptionAndTruncation) {
  std::string input(1 << 20, 'z');
  for (size_t i = 0; i < input.size(); i += 7) input[i] = static_cast<char>(i);
  std::string packed = Compress(input, 1, 4096);
  std::string corrupt = packed;
  corrupt[corrupt.size() / 2] ^= 0x55;
  EXPECT_EQ(Decompress(corrupt, 4096).status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(Decompress(packed.substr(0, packed.size() - 10), 4096).status().code(),
            absl::StatusCode::kDataLoss);
}

TEST(ZstdStreamTest, RejectsLevelsOutOfRange) {
  EXPECT_EQ(ZstdCompressor::Create(0).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ZstdCompressor::Create(20).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(ZstdCompressor::Create(19).ok());
}

}  // namespace
}  // namespace snapkeep::snapshot
