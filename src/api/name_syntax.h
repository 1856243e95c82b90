#pragma once

#include <string>
#include <string_view>
#include <vector>

// Kubernetes' syntax for names, label keys and label values
// (k8s.io/apimachinery/pkg/util/validation). Each *Errors function returns
// every rule `s` breaks, worded as Kubernetes words it ("must be no more than 63
// characters", "a lowercase RFC 1123 label must consist of …"), so a message
// names the rule that failed; empty when `s` is valid. Pure functions.
namespace snapkeep::api {

// [a-z0-9]([-a-z0-9]*[a-z0-9])?, at most 63 characters: namespaces, hosts.
std::vector<std::string> Dns1123LabelErrors(std::string_view s);
// Such labels joined by '.', at most 253 characters in all; no label is
// limited to 63 (most object names: a 64-character single label is fine).
std::vector<std::string> Dns1123SubdomainErrors(std::string_view s);
// [prefix/]name: prefix a DNS-1123 subdomain, name at most 63 characters of
// [A-Za-z0-9_.-] beginning and ending with an alphanumeric (label and
// annotation keys).
std::vector<std::string> QualifiedNameErrors(std::string_view s);
// Empty, or at most 63 characters of [A-Za-z0-9_.-] beginning and ending with
// an alphanumeric.
std::vector<std::string> LabelValueErrors(std::string_view s);

inline bool IsDns1123Label(std::string_view s) { return Dns1123LabelErrors(s).empty(); }
inline bool IsDns1123Subdomain(std::string_view s) { return Dns1123SubdomainErrors(s).empty(); }
inline bool IsQualifiedName(std::string_view s) { return QualifiedNameErrors(s).empty(); }
inline bool IsLabelValue(std::string_view s) { return LabelValueErrors(s).empty(); }

// The message for a length limit, as Kubernetes words it.
std::string MaxLengthMessage(size_t max);

}  // namespace snapkeep::api
