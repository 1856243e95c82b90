#include "test_support/test_registry.h"

#include <stdexcept>

#include "common/str_cat.h"
#include "store/sqlite/sqlite_store.h"

namespace snapkeep::test_support {

TestRegistry::TestRegistry(std::string_view prefix, const Clock& clock) : dir_(prefix) {
  absl::StatusOr<std::unique_ptr<store::SqliteStore>> opened =
      store::SqliteStore::Open((dir_ / "db").string());
  if (!opened.ok())
    throw std::runtime_error(StrCat("open the test store: ", opened.status().ToString()));
  store_ = *std::move(opened);
  registry_ = std::make_unique<apiserver::ObjectRegistry>(*store_, catalog_, clock);
  if (absl::Status st = registry_->Bootstrap(); !st.ok()) {
    throw std::runtime_error(StrCat("bootstrap the test registry: ", st.ToString()));
  }
}

// The registry goes before the store it writes to (members die in reverse order,
// and the directory last).
TestRegistry::~TestRegistry() = default;

}  // namespace snapkeep::test_support
