#pragma once

#include <string>

#include "absl/time/time.h"
#include "api/kind.h"
#include "nlohmann/json.hpp"

namespace snapkeep::cli {

// `snapkeep describe`: a readable, kubectl-describe-like view of one object.
// Header (name, namespace, labels, annotations without kubectl's
// last-applied-configuration, apiVersion, kind, creation time and age,
// generation, resourceVersion, finalizers, deletion), then Spec and Status as
// indented "Key: value" lines. EtcdBackupConfig shows its backups and
// conditions as tables; EtcdRestore shows phase and message first. A Secret
// shows only the size of each data value, never the value.
std::string DescribeObject(const api::KindInfo& kind, const nlohmann::json& object, absl::Time now);

// "currentBackups" → "Current Backups", as kubectl describe titles fields.
std::string TitleCase(const std::string& key);

// 1536 → "1.5 KiB".
std::string HumanBytes(double bytes);

}  // namespace snapkeep::cli
