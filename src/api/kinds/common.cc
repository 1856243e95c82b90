#include "api/kinds/common.h"

#include "common/time_format.h"

namespace snapkeep::api::kinds {

using nlohmann::json;
namespace s = schema;

json ObjectMetaSchema() {
  return s::Object(
      "Standard object metadata.",
      {
          {"name", s::String("Name of the object, unique within its namespace (DNS-1123).")},
          {"generateName", s::String("Prefix for a server-generated name when name is empty.")},
          {"namespace", s::String("Namespace of the object; empty for cluster-scoped kinds.")},
          {"uid", s::String("Unique id set by the server.")},
          {"resourceVersion", s::String("Revision of the object's last change, set by the server; "
                                        "send it back to update only that revision.")},
          {"generation", s::Integer("Bumped by the server on every change to spec.")},
          {"creationTimestamp", s::Timestamp("When the object was created.")},
          {"deletionTimestamp",
           s::Timestamp("Set when deletion was requested and finalizers are pending.")},
          {"deletionGracePeriodSeconds", s::Integer("Always 0 for snapkeep objects.")},
          {"labels", s::Map("Key/value labels, selectable with labelSelector.", s::String(""))},
          {"annotations", s::Map("Key/value annotations.", s::String(""))},
          {"finalizers", s::Array("Deletion waits until this list is empty.", s::String(""))},
          {"ownerReferences", s::Array("Objects this one belongs to.",
                                       s::Object("", {{"apiVersion", s::String("")},
                                                      {"kind", s::String("")},
                                                      {"name", s::String("")},
                                                      {"uid", s::String("")},
                                                      {"controller", s::Boolean("")},
                                                      {"blockOwnerDeletion", s::Boolean("")}}))},
          {"managedFields", s::Array("Accepted and ignored.", s::OpenObject(""))},
      });
}

json ObjectReferenceSchema(std::string_view description) {
  return s::Object(description, {{"apiVersion", s::String("API version of the referent.")},
                                 {"kind", s::String("Kind of the referent.")},
                                 {"name", s::String("Name of the referent.")},
                                 {"namespace", s::String("Namespace of the referent.")},
                                 {"uid", s::String("UID of the referent.")},
                                 {"resourceVersion", s::String("")},
                                 {"fieldPath", s::String("")}});
}

json SecretReferenceSchema(std::string_view description) {
  return s::Object(description, {{"name", s::String("Name of the Secret.")},
                                 {"namespace", s::String("Namespace of the Secret.")}});
}

json ConditionSchema() {
  return s::Object("A condition, keyed by its type.",
                   {{"status", s::Enum("True, False or Unknown.", {"True", "False", "Unknown"})},
                    {"lastHeartbeatTime", s::Timestamp("Last time the condition was checked.")},
                    {"lastTransitionTime", s::Timestamp("Last time the status changed.")},
                    {"reason", s::String("Machine-readable reason for the last transition.")},
                    {"message", s::String("Human-readable details.")}});
}

json ObjectSchema(const KindInfo& kind, std::string_view description,
                  std::vector<std::pair<std::string, json>> fields) {
  std::vector<std::pair<std::string, json>> props = {
      {"apiVersion", s::String("Versioned schema of this object: " + kind.api_version() + ".")},
      {"kind", s::String("Kind of this object: " + kind.kind + ".")},
      {"metadata", ObjectMetaSchema()},
  };
  for (auto& f : fields) props.push_back(std::move(f));
  json out = s::Object(description, std::move(props));
  out["x-kubernetes-group-version-kind"] =
      json::array({{{"group", kind.group}, {"version", kind.version}, {"kind", kind.kind}}});
  return out;
}

const json& At(const json& object, std::string_view dotted_path) {
  static const json kNull;  // NOLINT: immutable sentinel
  const json* cur = &object;
  size_t start = 0;
  while (true) {
    const size_t dot = dotted_path.find('.', start);
    if (!cur->is_object()) return kNull;
    auto it = cur->find(std::string(dotted_path.substr(start, dot - start)));
    if (it == cur->end()) return kNull;
    cur = &*it;
    if (dot == std::string_view::npos) return *cur;
    start = dot + 1;
  }
}

TableColumn PathColumn(std::string name, std::string type, std::string path,
                       std::string description, int priority) {
  return {std::move(name), std::move(type), std::move(description), priority,
          [path = std::move(path)](const json& obj, absl::Time) -> json {
            const json& v = At(obj, path);
            if (v.is_null()) return "<none>";
            if (v.is_array()) {
              std::string joined;
              for (const auto& e : v) {
                if (!joined.empty()) joined += ",";
                joined += e.is_string() ? e.get<std::string>() : e.dump();
              }
              return joined;
            }
            return v;
          }};
}

TableColumn AgeColumn(std::string name, std::string path, std::string description, int priority) {
  return {std::move(name), "string", std::move(description), priority,
          [path = std::move(path)](const json& obj, absl::Time now) -> json {
            const json& v = At(obj, path);
            if (!v.is_string()) return "<none>";
            auto t = ParseRfc3339(v.get<std::string>());
            if (!t) return "<unknown>";
            return FormatAge(now - *t);
          }};
}

}  // namespace snapkeep::api::kinds
