#pragma once

#include <string>

#include "objectstore/object_store.h"
#include "objectstore/s3/s3_client.h"
#include "objectstore/s3/s3_options.h"

namespace snapkeep::objectstore {

// One S3 bucket as an ObjectStore. Writers upload with a single PUT up to the
// part size and as a multipart upload beyond it (see S3MultipartWriter); Get
// streams and, after a dropped connection, resumes with a Range request; List
// pages through ListObjectsV2. Thread-safe: every request uses its own handle.
class S3ObjectStore : public ObjectStore {
 public:
  S3ObjectStore(std::string bucket, S3Options options);

  std::string Describe(std::string_view key) const override;
  using ObjectStore::Head;

  absl::StatusOr<std::unique_ptr<ObjectWriter>> NewWriter(std::string_view key, uint64_t size_hint,
                                                          const RetryChainNode& parent) override;
  // S3's key limit: 1024 bytes.
  absl::Status CheckWritableKey(std::string_view key) const override;
  // One streamed PUT for objects over the part size up to
  // options().streamed_put_max; multipart beyond that, a buffered PUT below.
  absl::StatusOr<std::unique_ptr<ObjectWriter>> NewWriterOfSize(
      std::string_view key, uint64_t size, const RetryChainNode& parent) override;
  absl::Status Get(std::string_view key, ChunkSink sink, const RetryChainNode& parent) override;
  absl::StatusOr<ObjectInfo> Head(std::string_view key, const RetryChainNode& parent) override;
  absl::StatusOr<std::vector<ObjectInfo>> List(std::string_view prefix,
                                               const RetryChainNode& parent) override;
  absl::Status Delete(std::string_view key, const RetryChainNode& parent) override;
  // AbortMultipartUpload; an upload that is already gone (NoSuchUpload) is fine.
  absl::Status AbortPendingUpload(std::string_view key, std::string_view upload,
                                  const RetryChainNode& parent) override;
  // ListMultipartUploads, every page (sizes are not known without listing parts).
  absl::StatusOr<std::vector<PendingUpload>> ListPendingUploads(
      std::string_view prefix, const RetryChainNode& parent) override;

  S3Client& client() { return client_; }

 private:
  // FailedPrecondition if the bucket is missing (or otherwise misconfigured), else OK.
  absl::Status CheckBucket(std::string_view key, const RetryChainNode& parent);

  S3Client client_;
};

}  // namespace snapkeep::objectstore
