#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "objectstore/object_store.h"
#include "objectstore/object_url.h"
#include "objectstore/s3/s3_options.h"

namespace snapkeep::objectstore {

// The store that holds `url`: its S3 bucket (configured by `s3`) or the local
// filesystem. Keys passed to the store are `url.key`-style keys.
absl::StatusOr<std::unique_ptr<ObjectStore>> OpenObjectStore(const ObjectUrl& url,
                                                             const S3Options& s3);

}  // namespace snapkeep::objectstore
