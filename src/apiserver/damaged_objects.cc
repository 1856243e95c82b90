#include "apiserver/damaged_objects.h"

#include "common/str_cat.h"
#include "spdlog/spdlog.h"

namespace snapkeep::apiserver {

std::string StoreKeyName(const store::ObjectKey& key) {
  if (key.ns.empty()) return StrCat(key.resource, "/", key.name);
  return StrCat(key.resource, "/", key.ns, "/", key.name);
}

void DamagedObjects::Report(const store::ObjectKey& key, const absl::Status& why) {
  bool first = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    first = keys_.insert(StoreKeyName(key)).second;
  }
  if (first) {
    spdlog::error("{} (lists leave it out; DELETE it through the API to remove it)", why.message());
  }
}

void DamagedObjects::Forget(const store::ObjectKey& key) {
  std::lock_guard<std::mutex> lock(mu_);
  if (keys_.empty()) return;  // the usual case: no key to build
  keys_.erase(StoreKeyName(key));
}

size_t DamagedObjects::count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return keys_.size();
}

}  // namespace snapkeep::apiserver
