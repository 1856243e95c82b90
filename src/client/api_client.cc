#include "client/api_client.h"

#include <curl/curl.h>

#include <mutex>

#include "absl/strings/ascii.h"
#include "common/str_cat.h"
#include "common/strict_json_parser.h"

namespace snapkeep::client {
namespace {

using nlohmann::json;

// curl_global_init is not thread-safe and must run before the first handle;
// doing it lazily keeps main() free of libcurl.
void EnsureCurlInitialized() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct CurlEasyDeleter {
  void operator()(CURL* curl) const { curl_easy_cleanup(curl); }
};

// A libcurl header list, freed on destruction.
class HeaderList {
 public:
  HeaderList() = default;
  HeaderList(const HeaderList&) = delete;
  HeaderList& operator=(const HeaderList&) = delete;
  ~HeaderList() { curl_slist_free_all(list_); }
  void Add(const std::string& header) { list_ = curl_slist_append(list_, header.c_str()); }
  curl_slist* get() const { return list_; }

 private:
  curl_slist* list_ = nullptr;
};

size_t WriteBody(char* data, size_t size, size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

size_t ReadHeader(char* data, size_t size, size_t count, void* user) {
  std::string_view line(data, size * count);
  constexpr std::string_view kWarning = "warning:";
  if (line.size() > kWarning.size() &&
      absl::AsciiStrToLower(std::string(line.substr(0, kWarning.size()))) == kWarning) {
    std::string value(line.substr(kWarning.size()));
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n')) value.pop_back();
    static_cast<std::vector<std::string>*>(user)->push_back(
        std::string(absl::StripAsciiWhitespace(value)));
  }
  return size * count;
}

}  // namespace

struct ApiClient::Handle {
  std::unique_ptr<CURL, CurlEasyDeleter> curl;
};

absl::StatusOr<json> ApiResponse::Json() const {
  // Bounded like a request body: printing or copying what a hostile server sent
  // must not recurse without end.
  absl::StatusOr<json> parsed = ParseStrictJson(body);
  if (!parsed.ok()) {
    return absl::DataLossError(StrCat("the server answered HTTP ", code,
                                      " with a body that is not valid JSON (",
                                      parsed.status().message(), ")"));
  }
  return parsed;
}

ApiClient::ApiClient(std::string server, long timeout_seconds)
    : server_(std::move(server)), timeout_seconds_(timeout_seconds), handle_(new Handle) {
  while (!server_.empty() && server_.back() == '/') server_.pop_back();
  EnsureCurlInitialized();
}

ApiClient::~ApiClient() = default;

absl::StatusOr<ApiResponse> ApiClient::Send(std::string_view method, std::string_view target,
                                            std::string_view body, std::string_view content_type,
                                            std::string_view accept) {
  if (!handle_->curl) {
    handle_->curl.reset(curl_easy_init());
    if (!handle_->curl) return absl::InternalError("cannot create a libcurl handle");
  }
  CURL* curl = handle_->curl.get();
  // Reset clears the previous request's options but keeps the connection cache.
  curl_easy_reset(curl);

  const std::string url = server_ + std::string(target);
  const std::string verb(method);
  const bool has_body = !body.empty() || (verb != "GET" && verb != "DELETE");
  ApiResponse response;
  char error_buffer[CURL_ERROR_SIZE] = {0};
  HeaderList headers;
  headers.Add(StrCat("Accept: ", accept));
  headers.Add("User-Agent: snapkeep/" SNAPKEEP_VERSION);
  // Without this, curl waits up to a second for "100 Continue" on larger bodies.
  headers.Add("Expect:");
  if (has_body) headers.Add(StrCat("Content-Type: ", content_type));

  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 10L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, timeout_seconds_);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &WriteBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response.body);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &ReadHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &response.warnings);
  if (verb == "GET") {
    curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
  } else {
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, verb.c_str());
  }
  if (has_body) {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  }

  const CURLcode rc = curl_easy_perform(curl);
  if (rc != CURLE_OK) {
    const std::string why = error_buffer[0] ? error_buffer : curl_easy_strerror(rc);
    return absl::UnavailableError(StrCat("cannot reach the snapkeep server at ", server_, ": ", why,
                                         " (is it running? set --server or SNAPKEEP_SERVER)"));
  }
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.code);
  return response;
}

absl::Status ErrorFromResponse(const ApiResponse& response) {
  std::string message;
  json status = ParseStrictJson(response.body).value_or(json());
  if (status.is_object() && status.value("kind", "") == "Status") {
    message = status.value("message", "");
    const json causes = status.contains("details") && status["details"].is_object()
                            ? status["details"].value("causes", json::array())
                            : json::array();
    if (causes.is_array() && !causes.empty()) {
      // The server's message already ends with the causes joined by ", ";
      // print them once, one per line, which reads better when there are many.
      std::string joined;
      for (const auto& c : causes) {
        if (!joined.empty()) joined += ", ";
        StrAppend(&joined, c.value("field", ""), ": ", c.value("message", ""));
      }
      if (message.size() >= joined.size() &&
          message.compare(message.size() - joined.size(), joined.size(), joined) == 0) {
        message.resize(message.size() - joined.size());
        while (!message.empty() && message.back() == ' ') message.pop_back();
      }
      for (const auto& c : causes) {
        const std::string field = c.value("field", "");
        StrAppend(&message, "\n  * ", field.empty() ? "" : field + ": ", c.value("message", ""));
      }
    }
  }
  if (message.empty()) {
    std::string text = response.body.substr(0, 500);
    message = StrCat("the server answered HTTP ", response.code, text.empty() ? "" : ": ",
                     absl::StripAsciiWhitespace(text));
  }
  switch (response.code) {
    case 400:
    case 422:
      return absl::InvalidArgumentError(message);
    case 401:
      return absl::UnauthenticatedError(message);
    case 403:
      return absl::PermissionDeniedError(message);
    case 404:
      return absl::NotFoundError(message);
    case 409:
      return absl::AbortedError(message);
    case 410:
      return absl::OutOfRangeError(message);
    case 413:
      return absl::ResourceExhaustedError(message);
    default:
      return response.code >= 500 ? absl::InternalError(message) : absl::UnknownError(message);
  }
}

std::string UrlEncode(std::string_view value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : value) {
    if (absl::ascii_isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

absl::Status UpdateStatus(ApiClient& client, std::string_view path,
                          const std::function<absl::Status(nlohmann::json& status)>& mutate,
                          int attempts) {
  const std::string status_path = std::string(path) + "/status";
  absl::Status last = absl::AbortedError(std::string(path) + ": no attempt made");
  for (int attempt = 0; attempt < attempts; ++attempt) {
    absl::StatusOr<ApiResponse> got = client.Get(path);
    if (!got.ok()) return got.status();
    if (!got->ok()) return ErrorFromResponse(*got);
    absl::StatusOr<nlohmann::json> object = got->Json();
    if (!object.ok()) return object.status();
    nlohmann::json& status = (*object)["status"];
    if (!status.is_object()) status = nlohmann::json::object();
    if (absl::Status st = mutate(status); !st.ok()) return st;
    absl::StatusOr<ApiResponse> put = client.Send("PUT", status_path, object->dump());
    if (!put.ok()) return put.status();
    if (put->ok()) return absl::OkStatus();
    last = ErrorFromResponse(*put);
    if (put->code != 409) return last;
  }
  return last;
}

}  // namespace snapkeep::client
