#include "api/schema.h"

#include <limits>

#include "absl/strings/str_join.h"
#include "common/str_cat.h"
#include "common/time_format.h"

namespace snapkeep::api::schema {
namespace {

constexpr uint64_t kInt64Max = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());

json Base(std::string_view type, std::string_view description) {
  json s = {{"type", type}};
  if (!description.empty()) s["description"] = description;
  return s;
}

std::string TypeName(const json& v) {
  switch (v.type()) {
    case json::value_t::object:
      return "object";
    case json::value_t::array:
      return "array";
    case json::value_t::string:
      return "string";
    case json::value_t::boolean:
      return "boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
      return "integer";
    case json::value_t::number_float:
      return "number";
    default:
      return "null";
  }
}

std::string Child(std::string_view path, std::string_view key) {
  return path.empty() ? std::string(key) : StrCat(path, ".", key);
}

class Validator {
 public:
  explicit Validator(UnknownFields mode) : mode_(mode) {}

  // Returns false when `value` has the wrong type; the caller removes it, so
  // later checks of the rejected object never see a value of the wrong type.
  bool Check(json& value, const json& schema, const std::string& path) {
    // Below a sensitive schema (Secret data) errors never echo the value.
    const bool was_sensitive = sensitive_;
    sensitive_ = sensitive_ || schema.value("x-snapkeep-sensitive", false);
    const bool ok = CheckValue(value, schema, path);
    sensitive_ = was_sensitive;
    return ok;
  }

  bool CheckValue(json& value, const json& schema, const std::string& path) {
    const std::string type = schema.value("type", "");
    if (type == "object") return CheckObject(value, schema, path);
    if (type == "array") {
      if (!value.is_array()) return TypeError(value, "array", path);
      for (size_t i = 0; i < value.size();) {
        const std::string child = StrCat(path, "[", i, "]");
        if (value[i].is_null()) {
          result.errors.push_back(Invalid(child, "must not be null"));
        } else if (Check(value[i], schema["items"], child)) {
          ++i;
          continue;
        }
        value.erase(i);
      }
      return true;
    }
    if (type == "string") {
      if (!value.is_string()) return TypeError(value, "string", path);
      if (schema.contains("enum")) {
        const auto& allowed = schema["enum"];
        if (std::find(allowed.begin(), allowed.end(), value) == allowed.end()) {
          std::vector<std::string> names;
          for (const auto& a : allowed) names.push_back(StrCat("\"", a.get<std::string>(), "\""));
          result.errors.push_back(
              NotSupported(path, StrCat("Unsupported value: ", Show(value),
                                        ": supported values: ", absl::StrJoin(names, ", "))));
        }
      }
      if (schema.value("format", "") == "date-time" &&
          !ParseRfc3339(value.get<std::string>()).has_value()) {
        result.errors.push_back(
            Invalid(path, StrCat("Invalid value: ", Show(value),
                                 ": must be an RFC 3339 time such as 2021-03-16T01:48:22Z")));
      }
      return true;
    }
    if (type == "integer") {
      if (!value.is_number_integer()) return TypeError(value, "integer", path);
      // Every integer field is an int64; JSON and YAML read a larger
      // non-negative integer as a uint64, which get<int64_t>() would wrap.
      if (value.is_number_unsigned() && value.get<uint64_t>() > kInt64Max) {
        result.errors.push_back(
            Invalid(path, StrCat("Invalid value: ", Show(value), ": must be at most ", kInt64Max,
                                 " (out of the int64 range)")));
        return true;
      }
      const int64_t number = value.get<int64_t>();
      if (schema.contains("minimum") && number < schema["minimum"].get<int64_t>()) {
        result.errors.push_back(
            Invalid(path, StrCat("Invalid value: ", Show(value), ": must be at least ",
                                 schema["minimum"].get<int64_t>())));
      }
      if (schema.contains("maximum") && number > schema["maximum"].get<int64_t>()) {
        result.errors.push_back(
            Invalid(path, StrCat("Invalid value: ", Show(value), ": must be at most ",
                                 schema["maximum"].get<int64_t>())));
      }
      return true;
    }
    if (type == "boolean") {
      if (!value.is_boolean()) return TypeError(value, "boolean", path);
      return true;
    }
    return true;
  }

  ValidationResult result;

 private:
  bool TypeError(const json& value, std::string_view want, const std::string& path) {
    result.errors.push_back({path, "FieldValueTypeInvalid",
                             StrCat("Invalid value: ", Show(value), ": must be of type ", want,
                                    ", not ", TypeName(value))});
    return false;
  }

  bool CheckObject(json& value, const json& schema, const std::string& path) {
    if (!value.is_object()) return TypeError(value, "object", path);
    const bool open = schema.value("x-kubernetes-preserve-unknown-fields", false);
    const json* props = schema.contains("properties") ? &schema["properties"] : nullptr;
    const json* additional =
        schema.contains("additionalProperties") ? &schema["additionalProperties"] : nullptr;
    std::vector<std::string> mistyped;  // removed for a wrong type: no "Required" on top
    for (auto it = value.begin(); it != value.end();) {
      const std::string key = it.key();
      const std::string child = additional ? StrCat(path, "[", key, "]") : Child(path, key);
      if (it->is_null()) {
        it = value.erase(it);
        continue;
      }
      if (props && props->contains(key)) {
        if (!Check(*it, (*props)[key], child)) {
          mistyped.push_back(key);
          it = value.erase(it);
          continue;
        }
      } else if (additional) {
        if (!Check(*it, *additional, child)) {
          it = value.erase(it);
          continue;
        }
      } else if (!open) {
        if (mode_ == UnknownFields::kReject) {
          result.errors.push_back({child, "FieldValueUnknown", "unknown field"});
        } else {
          result.dropped.push_back(child);
          it = value.erase(it);
          continue;
        }
      }
      ++it;
    }
    if (schema.contains("required")) {
      for (const auto& name : schema["required"]) {
        const std::string& field = name.get_ref<const std::string&>();
        if (!value.contains(field) &&
            std::find(mistyped.begin(), mistyped.end(), field) == mistyped.end()) {
          result.errors.push_back(Required(Child(path, name.get<std::string>())));
        }
      }
    }
    return true;
  }

  // A short rendering of a bad value for messages, or a placeholder for secrets.
  std::string Show(const json& v) const {
    if (sensitive_) return "<redacted>";
    std::string s = v.dump();
    if (s.size() > 64) {
      // Cut on a character boundary: half a UTF-8 sequence in the message
      // would make the whole response fail to serialize.
      size_t cut = 61;
      while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
      s = s.substr(0, cut) + "...";
    }
    return s;
  }

  UnknownFields mode_;
  bool sensitive_ = false;
};

}  // namespace

json String(std::string_view description) { return Base("string", description); }

json Integer(std::string_view description, std::optional<int64_t> minimum,
             std::optional<int64_t> maximum) {
  json s = Base("integer", description);
  s["format"] = "int64";
  if (minimum) s["minimum"] = *minimum;
  if (maximum) s["maximum"] = *maximum;
  return s;
}

json Boolean(std::string_view description) { return Base("boolean", description); }

json Timestamp(std::string_view description) {
  json s = Base("string", description);
  s["format"] = "date-time";
  return s;
}

json Enum(std::string_view description, std::initializer_list<std::string_view> values) {
  json s = Base("string", description);
  s["enum"] = json::array();
  for (auto v : values) s["enum"].push_back(v);
  return s;
}

json Array(std::string_view description, json items) {
  json s = Base("array", description);
  s["items"] = std::move(items);
  return s;
}

json Map(std::string_view description, json values) {
  json s = Base("object", description);
  s["additionalProperties"] = std::move(values);
  return s;
}

json Object(std::string_view description, std::vector<std::pair<std::string, json>> properties,
            const std::vector<std::string>& required) {
  json s = Base("object", description);
  s["properties"] = json::object();
  for (auto& property : properties) {
    s["properties"][property.first] = std::move(property.second);
  }
  if (!required.empty()) s["required"] = required;
  return s;
}

json Sensitive(json schema) {
  schema["x-snapkeep-sensitive"] = true;
  return schema;
}

json OpenObject(std::string_view description,
                std::vector<std::pair<std::string, json>> properties) {
  json s = Object(description, std::move(properties));
  s["x-kubernetes-preserve-unknown-fields"] = true;
  return s;
}

ValidationResult Validate(json& value, const json& schema, UnknownFields mode) {
  Validator v(mode);
  v.Check(value, schema, "");
  return std::move(v.result);
}

}  // namespace snapkeep::api::schema
