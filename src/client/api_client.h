#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace snapkeep::client {

// One HTTP response from the API server: the status code and the raw body.
struct ApiResponse {
  long code = 0;
  std::string body;
  std::vector<std::string> warnings;  // Warning headers (e.g. fieldValidation=Warn)

  bool ok() const { return code >= 200 && code < 300; }
  // The body as JSON; an error naming the request if it is not JSON.
  absl::StatusOr<nlohmann::json> Json() const;
};

// A small synchronous client for the snapkeep (Kubernetes-style) REST API over
// libcurl. One easy handle is reused for every request so a command's requests
// share one keep-alive connection. Not thread-safe: one client per thread.
//
// Transport failures (server down, bad URL, timeout) come back as an
// absl::UnavailableError naming the server URL; HTTP error codes come back as
// an ApiResponse for the caller to interpret (404 often means "create").
class ApiClient {
 public:
  // `server` is a base URL such as "http://127.0.0.1:8080" (a trailing slash is
  // dropped). `timeout_seconds` bounds each request.
  explicit ApiClient(std::string server, long timeout_seconds = 30);
  ~ApiClient();
  ApiClient(const ApiClient&) = delete;
  ApiClient& operator=(const ApiClient&) = delete;

  const std::string& server() const { return server_; }

  // `target` is a path with an optional query ("/api/v1/namespaces?x=y").
  // `content_type` is only sent with a body.
  absl::StatusOr<ApiResponse> Send(std::string_view method, std::string_view target,
                                   std::string_view body = {},
                                   std::string_view content_type = "application/json",
                                   std::string_view accept = "application/json");

  absl::StatusOr<ApiResponse> Get(std::string_view target,
                                  std::string_view accept = "application/json") {
    return Send("GET", target, {}, "", accept);
  }

 private:
  struct Handle;
  std::string server_;
  long timeout_seconds_;
  std::unique_ptr<Handle> handle_;  // pimpl keeps <curl/curl.h> out of this header
};

// Turns an error response into a Status whose message is the server's message
// (from a Kubernetes Status body) followed by one "  * field: message" line per
// cause; falls back to the HTTP code and body text when the body is not a
// Status. Never includes the request body, so Secret data cannot leak into it.
absl::Status ErrorFromResponse(const ApiResponse& response);

// Read-modify-write of an object's status over the API: GETs `path`, lets `mutate`
// change its "status" (an object; created if absent), and PUTs it to `path`/status
// with the resourceVersion read. A 409 (the object changed meanwhile) starts again,
// up to `attempts` times; an error from `mutate` ends it unchanged.
absl::Status UpdateStatus(ApiClient& client, std::string_view path,
                          const std::function<absl::Status(nlohmann::json& status)>& mutate,
                          int attempts = 10);

// Percent-encodes a query parameter value.
std::string UrlEncode(std::string_view value);

}  // namespace snapkeep::client
