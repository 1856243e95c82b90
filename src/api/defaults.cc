#include "api/defaults.h"

#include "absl/strings/escaping.h"

namespace snapkeep::api {

using nlohmann::json;

namespace {

constexpr int kDefaultKeep = 20;  // Kubermatic's default for spec.keep

void DefaultClusterReference(json& object) {
  if (!object.contains("spec") || !object["spec"].contains("cluster")) return;
  json& ref = object["spec"]["cluster"];
  if (!ref.is_object()) return;
  if (!ref.contains("kind")) ref["kind"] = "Cluster";
  if (!ref.contains("apiVersion")) ref["apiVersion"] = "kubermatic.k8c.io/v1";
}

}  // namespace

void ApplyDefaults(const KindInfo& kind, json& object) {
  if (kind.kind == "Secret") {
    if (!object.contains("type")) object["type"] = "Opaque";
    if (object.contains("stringData")) {
      for (auto it = object["stringData"].begin(); it != object["stringData"].end(); ++it) {
        object["data"][it.key()] = absl::Base64Escape(it->get<std::string>());
      }
      object.erase("stringData");
    }
  }
  if (kind.kind == "EtcdBackupConfig") {
    DefaultClusterReference(object);
    json& spec = object["spec"];
    if (spec.contains("schedule") && !spec.contains("keep")) spec["keep"] = kDefaultKeep;
  }
  if (kind.kind == "EtcdRestore") DefaultClusterReference(object);
  if (kind.kind == "Namespace") {
    if (!object.contains("status") || !object["status"].contains("phase")) {
      object["status"]["phase"] = "Active";
    }
  }
}

}  // namespace snapkeep::api
