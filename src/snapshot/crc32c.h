#pragma once

#include <cstdint>
#include <string_view>

namespace snapkeep::snapshot {

// CRC-32C (Castagnoli), the checksum etcdctl prints as a snapshot's "hash".
// Feed pieces in order: crc = ExtendCrc32c(crc, piece), starting from 0.
uint32_t ExtendCrc32c(uint32_t crc, std::string_view data);

}  // namespace snapkeep::snapshot
