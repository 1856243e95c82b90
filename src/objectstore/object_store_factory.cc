#include "objectstore/object_store_factory.h"

#include "objectstore/fs/file_object_store.h"
#include "objectstore/s3/s3_client.h"
#include "objectstore/s3/s3_object_store.h"

namespace snapkeep::objectstore {

absl::StatusOr<std::unique_ptr<ObjectStore>> OpenObjectStore(const ObjectUrl& url,
                                                             const S3Options& s3,
                                                             FileObjectStore::Existing existing) {
  if (url.scheme == ObjectUrl::Scheme::kFile) {
    return std::make_unique<FileObjectStore>("/", existing);
  }
  if (absl::Status status = CheckS3Addressing(url.bucket, s3); !status.ok()) return status;
  return std::make_unique<S3ObjectStore>(url.bucket, s3);
}

}  // namespace snapkeep::objectstore
