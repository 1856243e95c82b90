#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"

namespace snapkeep::api {

// Reads the typed fields of one JSON object of a status. Each accessor answers the
// field or its absence; a field of the wrong type (or a time that is not RFC 3339, a
// phase that is not known) records an InvalidArgument naming `path.field`, and the
// first such error is status(). Fields never read are kept for Unread(), so a status
// written back keeps what this version does not know.
class StatusFieldReader {
 public:
  // `object` must outlive the reader; a non-object reads as empty and is an error.
  StatusFieldReader(const nlohmann::json& object, std::string path);

  std::string String(std::string_view key);
  std::optional<absl::Time> Time(std::string_view key);
  std::optional<int64_t> Int(std::string_view key);
  std::optional<bool> Bool(std::string_view key);
  // A string field parsed by `parse` (an enum); absent or "" gives `absent`.
  template <typename Enum>
  Enum Enumerated(std::string_view key, Enum absent,
                  const std::function<absl::StatusOr<Enum>(std::string_view)>& parse) {
    const std::string text = String(key);
    if (text.empty()) return absent;
    absl::StatusOr<Enum> value = parse(text);
    if (!value.ok()) {
      Fail(key, std::string(value.status().message()));
      return absent;
    }
    return *value;
  }
  // The array at `key` (empty if absent; an error if it is something else).
  const nlohmann::json& Array(std::string_view key);

  // The fields not read by any accessor (an object, possibly empty).
  nlohmann::json Unread() const;
  const absl::Status& status() const { return status_; }
  const std::string& path() const { return path_; }

 private:
  const nlohmann::json* Find(std::string_view key);
  void Fail(std::string_view key, std::string_view why);

  const nlohmann::json& object_;
  const std::string path_;
  std::set<std::string, std::less<>> read_;
  absl::Status status_;
};

// Writes typed fields into a JSON object, leaving out what is absent (empty strings,
// nullopt), so a parsed and written status looks as it was.
class StatusFieldWriter {
 public:
  // Starts from `other` (the fields a reader did not know).
  explicit StatusFieldWriter(nlohmann::json other);

  StatusFieldWriter& String(const char* key, std::string_view value);
  StatusFieldWriter& Time(const char* key, const std::optional<absl::Time>& value);
  StatusFieldWriter& Int(const char* key, const std::optional<int64_t>& value);
  StatusFieldWriter& Bool(const char* key, const std::optional<bool>& value);
  StatusFieldWriter& Value(const char* key, nlohmann::json value);

  // The object written; the writer is empty afterwards.
  nlohmann::json Done() { return std::move(object_); }

 private:
  nlohmann::json object_;
};

}  // namespace snapkeep::api
