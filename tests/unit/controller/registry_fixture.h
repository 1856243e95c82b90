#pragma once

#include <string>

#include "common/manual_clock.h"
#include "gtest/gtest.h"
#include "test_support/test_registry.h"

namespace snapkeep::controller {

// A registry on a SQLite store in a fresh directory (test_support::TestRegistry), for
// tests that read what the server reads.
class RegistryTest : public ::testing::Test {
 protected:
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

  ManualClock clock_{absl::FromUnixSeconds(1700000000)};
  test_support::TestRegistry test_registry_{"registry-test", clock_};
  const api::KindCatalog& catalog_ = test_registry_.catalog();
  apiserver::ObjectRegistry* const registry_ = &test_registry_.registry();
};

}  // namespace snapkeep::controller
