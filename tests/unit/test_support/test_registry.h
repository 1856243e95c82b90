#pragma once

#include <memory>

#include "api/kind_catalog.h"
#include "apiserver/object_registry.h"
#include "common/clock.h"
#include "store/store.h"
#include "test_support/test_dir.h"

namespace snapkeep::test_support {

// The server's object registry as tests meet it: a real ObjectRegistry, bootstrapped,
// over a SQLite store in its own TestDir, timed on the test's clock. Throws (which
// fails the test) if the store cannot be opened or bootstrapped.
class TestRegistry {
 public:
  TestRegistry(std::string_view prefix, const Clock& clock);
  ~TestRegistry();
  TestRegistry(const TestRegistry&) = delete;
  TestRegistry& operator=(const TestRegistry&) = delete;

  apiserver::ObjectRegistry& registry() { return *registry_; }
  // The store under the registry, for tests that check what reached it.
  store::Store& store() { return *store_; }
  const api::KindCatalog& catalog() const { return catalog_; }
  const TestDir& dir() const { return dir_; }

 private:
  TestDir dir_;
  api::KindCatalog catalog_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<apiserver::ObjectRegistry> registry_;
};

}  // namespace snapkeep::test_support
