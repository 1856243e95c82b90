#include "api/name_syntax.h"

#include <algorithm>

#include "common/str_cat.h"

namespace snapkeep::api {
namespace {

constexpr size_t kMaxLabelLength = 63;
constexpr size_t kMaxSubdomainLength = 253;

bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool IsAlnum(char c) { return IsLowerAlnum(c) || (c >= 'A' && c <= 'Z'); }

// Hand-written rather than std::regex: libstdc++'s regex recurses once per
// character, and these run on untrusted text (selectors, keys) of any length.

// [a-z0-9]([-a-z0-9]*[a-z0-9])?
bool MatchesLabel(std::string_view s) {
  if (s.empty() || !IsLowerAlnum(s.front()) || !IsLowerAlnum(s.back())) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return IsLowerAlnum(c) || c == '-'; });
}

// Labels joined by single dots.
bool MatchesSubdomain(std::string_view s) {
  size_t start = 0;
  while (true) {
    const size_t dot = s.find('.', start);
    if (!MatchesLabel(s.substr(start, dot - start))) return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

// ([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]
bool MatchesNamePart(std::string_view s) {
  if (s.empty() || !IsAlnum(s.front()) || !IsAlnum(s.back())) return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return IsAlnum(c) || c == '-' || c == '_' || c == '.'; });
}

constexpr std::string_view kLabelRule =
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and "
    "must start and end with an alphanumeric character (e.g. 'my-name' or '123-abc', regex used "
    "for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
constexpr std::string_view kSubdomainRule =
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used "
    "for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
constexpr std::string_view kNamePartRule =
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
    "alphanumeric character (e.g. 'MyName', 'my.name' or '123-abc', regex used for validation "
    "is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
constexpr std::string_view kLabelValueRule =
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'MyValue', 'my_value' or "
    "'12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

}  // namespace

std::string MaxLengthMessage(size_t max) {
  return StrCat("must be no more than ", max, " characters");
}

std::vector<std::string> Dns1123LabelErrors(std::string_view s) {
  std::vector<std::string> errors;
  if (s.size() > kMaxLabelLength) errors.push_back(MaxLengthMessage(kMaxLabelLength));
  if (!MatchesLabel(s)) errors.emplace_back(kLabelRule);
  return errors;
}

std::vector<std::string> Dns1123SubdomainErrors(std::string_view s) {
  std::vector<std::string> errors;
  if (s.size() > kMaxSubdomainLength) errors.push_back(MaxLengthMessage(kMaxSubdomainLength));
  if (!MatchesSubdomain(s)) errors.emplace_back(kSubdomainRule);
  return errors;
}

std::vector<std::string> QualifiedNameErrors(std::string_view s) {
  std::vector<std::string> errors;
  std::string_view name = s;
  if (const size_t slash = s.find('/'); slash != std::string_view::npos) {
    if (s.find('/', slash + 1) != std::string_view::npos) {
      errors.push_back(StrCat("a qualified name ", kNamePartRule,
                              ", with an optional DNS subdomain prefix and '/' (e.g. "
                              "'example.com/MyName')"));
      return errors;
    }
    const std::string_view prefix = s.substr(0, slash);
    name = s.substr(slash + 1);
    if (prefix.empty()) {
      errors.emplace_back("prefix part must be non-empty");
    } else {
      for (const std::string& e : Dns1123SubdomainErrors(prefix)) {
        errors.push_back(StrCat("prefix part ", e));
      }
    }
  }
  if (name.empty()) {
    errors.emplace_back("name part must be non-empty");
    return errors;
  }
  if (name.size() > kMaxLabelLength) {
    errors.push_back(StrCat("name part ", MaxLengthMessage(kMaxLabelLength)));
  }
  if (!MatchesNamePart(name)) errors.push_back(StrCat("name part ", kNamePartRule));
  return errors;
}

std::vector<std::string> LabelValueErrors(std::string_view s) {
  std::vector<std::string> errors;
  if (s.size() > kMaxLabelLength) errors.push_back(MaxLengthMessage(kMaxLabelLength));
  if (!s.empty() && !MatchesNamePart(s)) errors.emplace_back(kLabelValueRule);
  return errors;
}

}  // namespace snapkeep::api
