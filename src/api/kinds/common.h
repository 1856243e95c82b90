#pragma once

// Schema pieces and table cells shared by several kinds.
#include <string>
#include <string_view>

#include "api/kind.h"
#include "api/schema.h"

namespace snapkeep::api::kinds {

// The most backups a config may keep (spec.keep, Seed backupCount). The
// backup controller counts them in an int and compares against twice keep; a
// million is far beyond what one status can list, and well inside that.
inline constexpr int64_t kMaxKeep = 1000000;

nlohmann::json ObjectMetaSchema();
// A corev1.ObjectReference (Kubermatic's spec.cluster).
nlohmann::json ObjectReferenceSchema(std::string_view description);
// {name, namespace}: a reference to a Secret.
nlohmann::json SecretReferenceSchema(std::string_view description);
// Kubermatic's condition map entry: status, reason, message, times.
nlohmann::json ConditionSchema();

// The whole-object schema: apiVersion, kind, metadata, then the given fields.
nlohmann::json ObjectSchema(const KindInfo& kind, std::string_view description,
                            std::vector<std::pair<std::string, nlohmann::json>> fields);

// Reads a JSON value at a dotted path ("spec.keep"); null when absent.
const nlohmann::json& At(const nlohmann::json& object, std::string_view dotted_path);
// A cell from a dotted path; "<none>" for absent values, like kubectl.
TableColumn PathColumn(std::string name, std::string type, std::string path,
                       std::string description, int priority = 0);
// An age column from a timestamp at a dotted path.
TableColumn AgeColumn(std::string name, std::string path, std::string description,
                      int priority = 0);

}  // namespace snapkeep::api::kinds
