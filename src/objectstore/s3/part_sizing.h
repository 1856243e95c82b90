#pragma once

#include <cstdint>

namespace snapkeep::objectstore {

// The part size for a multipart upload of about `expected_size` bytes (0 =
// unknown): the configured size, raised in whole MiB when the object would
// otherwise need more than S3's 10000 parts (with 10% headroom, since an etcd
// database can grow while it is streamed), and clamped to S3's 5 MiB..5 GiB.
uint64_t ChoosePartSize(uint64_t expected_size, uint64_t configured_part_size);

}  // namespace snapkeep::objectstore
