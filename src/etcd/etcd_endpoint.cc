#include "etcd/etcd_endpoint.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/str_cat.h"

namespace snapkeep::etcd {

absl::StatusOr<EtcdEndpoint> ParseEtcdEndpoint(std::string_view url, std::string_view flag) {
  EtcdEndpoint endpoint;
  endpoint.url = std::string(url);
  // `rest` goes through Abseil's prefix/suffix helpers, so it is Abseil's type.
  absl::string_view rest = absl::StripAsciiWhitespace(ToAbsl(url));
  if (absl::ConsumePrefix(&rest, "https://")) {
    endpoint.tls = true;
  } else if (!absl::ConsumePrefix(&rest, "http://") && absl::StrContains(rest, "://")) {
    return absl::InvalidArgumentError(
        StrCat(flag, ": endpoint '", url, "' must start with http:// or https://"));
  }
  absl::ConsumeSuffix(&rest, "/");
  if (rest.empty()) {
    return absl::InvalidArgumentError(StrCat(flag, ": endpoint '", url, "' has no host"));
  }
  if (absl::StrContains(rest, "/")) {
    return absl::InvalidArgumentError(
        StrCat(flag, ": endpoint '", url, "' must be scheme://host:port without a path"));
  }
  // host:port, [v6]:port, or a bare host.
  size_t colon = rest.rfind(':');
  bool has_port =
      colon != absl::string_view::npos && rest.find(']', colon) == absl::string_view::npos;
  if (has_port) {
    absl::string_view port_text = rest.substr(colon + 1);
    int port = 0;
    if (!absl::SimpleAtoi(port_text, &port) || port <= 0 || port > 65535) {
      return absl::InvalidArgumentError(
          StrCat(flag, ": endpoint '", url, "' has an invalid port '", port_text, "'"));
    }
    if (colon == 0) {
      return absl::InvalidArgumentError(StrCat(flag, ": endpoint '", url, "' has no host"));
    }
    endpoint.target = std::string(rest);
  } else {
    endpoint.target = StrCat(rest, ":2379");
  }
  return endpoint;
}

absl::StatusOr<std::vector<EtcdEndpoint>> ParseEtcdEndpoints(std::string_view list,
                                                             std::string_view flag) {
  std::vector<EtcdEndpoint> endpoints;
  for (absl::string_view part : absl::StrSplit(ToAbsl(list), ',')) {
    if (absl::StripAsciiWhitespace(part).empty()) {
      return absl::InvalidArgumentError(
          StrCat(flag, ": empty endpoint in '", list, "' (expected url[,url...])"));
    }
    absl::StatusOr<EtcdEndpoint> endpoint = ParseEtcdEndpoint(ToStd(part), flag);
    if (!endpoint.ok()) return endpoint.status();
    endpoints.push_back(*std::move(endpoint));
  }
  return endpoints;
}

}  // namespace snapkeep::etcd
