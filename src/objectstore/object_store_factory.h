#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "objectstore/fs/file_object_store.h"
#include "objectstore/object_store.h"
#include "objectstore/object_url.h"
#include "objectstore/s3/s3_options.h"

namespace snapkeep::objectstore {

// The store that holds `url`: its S3 bucket (configured by `s3`) or the local
// filesystem, whose writers do as `existing` says with a file that appeared
// meanwhile (S3 cannot refuse). Keys passed to the store are `url.key`-style keys.
absl::StatusOr<std::unique_ptr<ObjectStore>> OpenObjectStore(
    const ObjectUrl& url, const S3Options& s3,
    FileObjectStore::Existing existing = FileObjectStore::Existing::kReplace);

// The store rooted at `root`, whose keys are object names inside it: an S3 bucket
// (s3://bucket/, configured by `s3`) or a local directory (file:///dir). A backup
// destination is one. InvalidArgument for an S3 root with a key prefix, which no
// backend here supports.
absl::StatusOr<std::unique_ptr<ObjectStore>> OpenObjectStoreAt(
    const ObjectUrl& root, const S3Options& s3,
    FileObjectStore::Existing existing = FileObjectStore::Existing::kReplace);

}  // namespace snapkeep::objectstore
