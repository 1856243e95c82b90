#include "objectstore/object_store.h"

#include <algorithm>

#include "common/str_cat.h"

namespace snapkeep::objectstore {

void SortPendingUploads(std::vector<PendingUpload>& uploads) {
  std::sort(uploads.begin(), uploads.end(), [](const PendingUpload& a, const PendingUpload& b) {
    return a.key != b.key ? a.key < b.key : a.upload < b.upload;
  });
}

absl::Status ObjectStore::Put(std::string_view key, std::string_view data,
                              const RetryChainNode& parent) {
  absl::StatusOr<std::unique_ptr<ObjectWriter>> writer = NewWriter(key, data.size(), parent);
  if (!writer.ok()) return writer.status();
  if (absl::Status status = (*writer)->Write(data); !status.ok()) return status;
  return (*writer)->Commit();
}

absl::StatusOr<std::string> ObjectStore::GetSmall(std::string_view key,
                                                  const RetryChainNode& parent, uint64_t max_size) {
  std::string content;
  absl::Status status = Get(
      key,
      [&](std::string_view chunk) {
        if (content.size() + chunk.size() > max_size) {
          return absl::FailedPreconditionError(
              StrCat(Describe(key), " is larger than ", max_size, " bytes"));
        }
        content.append(chunk.data(), chunk.size());
        return absl::OkStatus();
      },
      parent);
  if (!status.ok()) return status;
  return content;
}

absl::StatusOr<ObjectInfo> ObjectStore::Head(std::string_view key) {
  RealClock clock;
  UncancellableRoot root(clock);
  return Head(key, root.node());
}

}  // namespace snapkeep::objectstore
