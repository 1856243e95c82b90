#include "api/status/status_fields.h"

#include "common/str_cat.h"
#include "common/time_format.h"

namespace snapkeep::api {

using nlohmann::json;

namespace {

const json& EmptyArray() {
  static const json* const kEmpty = new json(json::array());
  return *kEmpty;
}

}  // namespace

StatusFieldReader::StatusFieldReader(const json& object, std::string path)
    : object_(object), path_(std::move(path)) {
  if (!object_.is_object() && !object_.is_null()) {
    status_ = absl::InvalidArgumentError(StrCat(path_, ": not an object"));
  }
}

const json* StatusFieldReader::Find(std::string_view key) {
  read_.emplace(key);
  if (!object_.is_object()) return nullptr;
  auto it = object_.find(key);
  if (it == object_.end() || it->is_null()) return nullptr;
  return &*it;
}

void StatusFieldReader::Fail(std::string_view key, std::string_view why) {
  if (status_.ok()) status_ = absl::InvalidArgumentError(StrCat(path_, ".", key, ": ", why));
}

std::string StatusFieldReader::String(std::string_view key) {
  const json* value = Find(key);
  if (value == nullptr) return "";
  if (!value->is_string()) {
    Fail(key, "not a string");
    return "";
  }
  return value->get<std::string>();
}

std::optional<absl::Time> StatusFieldReader::Time(std::string_view key) {
  const json* value = Find(key);
  if (value == nullptr) return std::nullopt;
  std::optional<absl::Time> t =
      value->is_string() ? ParseRfc3339(value->get<std::string>()) : std::nullopt;
  if (!t) Fail(key, "not an RFC 3339 time");
  return t;
}

std::optional<int64_t> StatusFieldReader::Int(std::string_view key) {
  const json* value = Find(key);
  if (value == nullptr) return std::nullopt;
  if (!value->is_number_integer()) {
    Fail(key, "not an integer");
    return std::nullopt;
  }
  return value->get<int64_t>();
}

std::optional<bool> StatusFieldReader::Bool(std::string_view key) {
  const json* value = Find(key);
  if (value == nullptr) return std::nullopt;
  if (!value->is_boolean()) {
    Fail(key, "not a boolean");
    return std::nullopt;
  }
  return value->get<bool>();
}

const json& StatusFieldReader::Array(std::string_view key) {
  const json* value = Find(key);
  if (value == nullptr) return EmptyArray();
  if (!value->is_array()) {
    Fail(key, "not an array");
    return EmptyArray();
  }
  return *value;
}

json StatusFieldReader::Unread() const {
  json other = json::object();
  if (!object_.is_object()) return other;
  for (auto it = object_.begin(); it != object_.end(); ++it) {
    if (!read_.contains(it.key())) other[it.key()] = it.value();
  }
  return other;
}

StatusFieldWriter::StatusFieldWriter(json other)
    : object_(other.is_object() ? std::move(other) : json::object()) {}

StatusFieldWriter& StatusFieldWriter::String(const char* key, std::string_view value) {
  if (value.empty()) {
    object_.erase(key);
  } else {
    object_[key] = std::string(value);
  }
  return *this;
}

StatusFieldWriter& StatusFieldWriter::Time(const char* key,
                                           const std::optional<absl::Time>& value) {
  if (value) {
    object_[key] = FormatRfc3339(*value);
  } else {
    object_.erase(key);
  }
  return *this;
}

StatusFieldWriter& StatusFieldWriter::Int(const char* key, const std::optional<int64_t>& value) {
  if (value) {
    object_[key] = *value;
  } else {
    object_.erase(key);
  }
  return *this;
}

StatusFieldWriter& StatusFieldWriter::Bool(const char* key, const std::optional<bool>& value) {
  if (value) {
    object_[key] = *value;
  } else {
    object_.erase(key);
  }
  return *this;
}

StatusFieldWriter& StatusFieldWriter::Value(const char* key, json value) {
  object_[key] = std::move(value);
  return *this;
}

}  // namespace snapkeep::api
