#include "objectstore/object_store_factory.h"

#include "common/str_cat.h"
#include "objectstore/fs/file_object_store.h"
#include "objectstore/s3/s3_client.h"
#include "objectstore/s3/s3_object_store.h"

namespace snapkeep::objectstore {
namespace {

absl::StatusOr<std::unique_ptr<ObjectStore>> OpenBucket(const std::string& bucket,
                                                        const S3Options& s3) {
  if (absl::Status status = CheckS3Addressing(bucket, s3); !status.ok()) return status;
  return std::make_unique<S3ObjectStore>(bucket, s3);
}

}  // namespace

absl::StatusOr<std::unique_ptr<ObjectStore>> OpenObjectStore(const ObjectUrl& url,
                                                             const S3Options& s3,
                                                             FileObjectStore::Existing existing) {
  if (url.scheme == ObjectUrl::Scheme::kFile) {
    return std::make_unique<FileObjectStore>("/", existing);
  }
  return OpenBucket(url.bucket, s3);
}

absl::StatusOr<std::unique_ptr<ObjectStore>> OpenObjectStoreAt(const ObjectUrl& root,
                                                               const S3Options& s3,
                                                               FileObjectStore::Existing existing) {
  if (root.scheme == ObjectUrl::Scheme::kFile) {
    // A file URL's key is its absolute path without the leading '/'.
    return std::make_unique<FileObjectStore>(StrCat("/", root.key), existing);
  }
  if (!root.key.empty()) {
    return absl::InvalidArgumentError(StrCat("s3://", root.bucket, "/", root.key,
                                             ": a store is rooted at a bucket, not a key prefix"));
  }
  return OpenBucket(root.bucket, s3);
}

}  // namespace snapkeep::objectstore
