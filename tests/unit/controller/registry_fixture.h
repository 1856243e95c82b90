#pragma once

#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>

#include "api/kind_catalog.h"
#include "apiserver/object_registry.h"
#include "common/manual_clock.h"
#include "gtest/gtest.h"
#include "store/sqlite/sqlite_store.h"

namespace snapkeep::controller {

// A registry on a SQLite store in a fresh directory, for tests that read what the
// server reads.
class RegistryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("registry-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    auto s = store::SqliteStore::Open((dir_ / "db").string(), {});
    ASSERT_TRUE(s.ok()) << s.status();
    store_ = std::move(*s);
    registry_ = std::make_unique<apiserver::ObjectRegistry>(*store_, catalog_, clock_);
    ASSERT_TRUE(registry_->Bootstrap().ok());
  }
  void TearDown() override {
    registry_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  void Create(const std::string& api_version, const std::string& kind, const std::string& ns,
              nlohmann::json body) {
    body["apiVersion"] = api_version;
    body["kind"] = kind;
    auto r = registry_->Create(*catalog_.ByKind(api_version, kind), ns, body, {});
    ASSERT_TRUE(r.ok()) << r.status();
  }
  void CreateSecret(const std::string& ns, const std::string& name, nlohmann::json string_data) {
    Create("v1", "Secret", ns,
           {{"metadata", {{"name", name}, {"namespace", ns}}}, {"stringData", string_data}});
  }

  std::filesystem::path dir_;
  api::KindCatalog catalog_;
  ManualClock clock_{absl::FromUnixSeconds(1700000000)};
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<apiserver::ObjectRegistry> registry_;
};

}  // namespace snapkeep::controller
