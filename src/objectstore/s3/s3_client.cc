#include "objectstore/s3/s3_client.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>

#include <algorithm>
#include <mutex>
#include <random>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/strip.h"
#include "common/str_cat.h"
#include "objectstore/s3/curl_handle.h"
#include "objectstore/s3/retry_policy.h"
#include "objectstore/s3/s3_error.h"
#include "openssl/evp.h"

namespace snapkeep::objectstore {

void EnsureCurlInitialized() {
  // curl_global_init is not thread-safe; once per process, before any handle.
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::string S3UriEncode(std::string_view text, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    if (absl::ascii_isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' ||
        (keep_slash && c == '/')) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xf]);
    }
  }
  return out;
}

namespace {

// The host of an endpoint "scheme://host[:port][/...]": "[::1]" stays bracketed.
std::string_view EndpointHost(std::string_view endpoint) {
  if (size_t scheme_end = endpoint.find("://"); scheme_end != std::string_view::npos) {
    endpoint.remove_prefix(scheme_end + 3);
  }
  endpoint = endpoint.substr(0, endpoint.find('/'));
  if (endpoint.starts_with("[")) return endpoint.substr(0, endpoint.find(']') + 1);
  return endpoint.substr(0, endpoint.find(':'));
}

bool IsIpAddress(std::string_view host) {
  std::string text(host);
  unsigned char address[sizeof(struct in6_addr)];
  if (absl::StartsWith(text, "[") && absl::EndsWith(text, "]")) {
    return inet_pton(AF_INET6, text.substr(1, text.size() - 2).c_str(), address) == 1;
  }
  return inet_pton(AF_INET, text.c_str(), address) == 1;
}

}  // namespace

bool UsesVirtualHostAddressing(std::string_view bucket, const S3Options& options) {
  // Bucket names with dots break TLS wildcard certificates in virtual-host style.
  return options.addressing == S3Addressing::kVirtualHost ||
         (options.addressing == S3Addressing::kAuto && options.endpoint.empty() &&
          bucket.find('.') == std::string_view::npos);
}

absl::Status CheckS3Addressing(std::string_view bucket, const S3Options& options) {
  if (!UsesVirtualHostAddressing(bucket, options) || options.endpoint.empty()) {
    return absl::OkStatus();
  }
  const std::string_view host = EndpointHost(options.endpoint);
  if (!IsIpAddress(host)) return absl::OkStatus();
  return absl::InvalidArgumentError(
      StrCat("--s3-addressing virtual puts the bucket in the host name (", bucket, ".", host,
             "), which an IP address cannot have; the S3 endpoint ", options.endpoint,
             " (--s3-endpoint) needs --s3-addressing path (the default for an --s3-endpoint), or a "
             "DNS name whose subdomains reach the server"));
}

S3Client::S3Client(std::string bucket, S3Options options)
    : bucket_(std::move(bucket)), options_(std::move(options)) {
  EnsureCurlInitialized();
  endpoint_ = options_.endpoint;
  if (endpoint_.empty()) endpoint_ = StrCat("https://s3.", options_.region, ".amazonaws.com");
  while (absl::EndsWith(endpoint_, "/")) endpoint_.pop_back();
  virtual_host_ = UsesVirtualHostAddressing(bucket_, options_);
}

std::string S3Client::Describe(std::string_view key) const {
  return StrCat("s3://", bucket_, "/", key);
}

std::string S3Client::UrlFor(std::string_view key,
                             const std::vector<std::pair<std::string, std::string>>& query) const {
  std::string url;
  if (virtual_host_) {
    std::string_view rest = endpoint_;
    size_t scheme_end = rest.find("://");
    std::string scheme = scheme_end == std::string_view::npos
                             ? "https://"
                             : std::string(rest.substr(0, scheme_end + 3));
    if (scheme_end != std::string_view::npos) rest.remove_prefix(scheme_end + 3);
    url = StrCat(scheme, bucket_, ".", rest, "/", S3UriEncode(key, true));
  } else {
    url = StrCat(endpoint_, "/", bucket_, "/", S3UriEncode(key, true));
  }
  // SigV4 wants the canonical query sorted and every parameter as name=value.
  std::vector<std::pair<std::string, std::string>> sorted = query;
  std::sort(sorted.begin(), sorted.end());
  for (size_t i = 0; i < sorted.size(); ++i) {
    StrAppend(&url, i == 0 ? "?" : "&", S3UriEncode(sorted[i].first, false), "=",
              S3UriEncode(sorted[i].second, false));
  }
  return url;
}

namespace {

// S3 requires x-amz-content-sha256 on every SigV4 request; libcurl 7.88 signs
// the value it finds there as the payload hash, so it must be the real one.
std::string PayloadSha256Hex(std::string_view body) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(body.data(), body.size(), digest, &size, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < size; ++i) {
    hex.push_back(kHex[digest[i] >> 4]);
    hex.push_back(kHex[digest[i] & 0xf]);
  }
  return hex;
}

// State shared with libcurl's callbacks during one request.
struct Exchange {
  CURL* curl = nullptr;
  const S3Request* request = nullptr;
  S3Response* response = nullptr;
  absl::Status sink_status;
  absl::Status source_status;  // why a streamed request body ended early
  bool checked_status = false;
  bool stream_body = false;
  const AbortSource* abort = nullptr;
};

// libcurl calls this about once a second, and more often while data flows: a
// non-zero answer ends the transfer (CURLE_ABORTED_BY_CALLBACK).
int OnProgress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return static_cast<Exchange*>(user)->abort->aborted() ? 1 : 0;
}

size_t OnRead(char* buffer, size_t size, size_t count, void* user) {
  auto* exchange = static_cast<Exchange*>(user);
  absl::StatusOr<size_t> n = exchange->request->body_source(buffer, size * count);
  if (!n.ok()) {
    exchange->source_status = n.status();
    return CURL_READFUNC_ABORT;
  }
  return *n;
}

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* exchange = static_cast<Exchange*>(user);
  std::string_view line(data, size * count);
  if (absl::StartsWithIgnoreCase(ToAbsl(line), "etag:")) {
    line.remove_prefix(5);
    exchange->response->etag = std::string(absl::StripAsciiWhitespace(ToAbsl(line)));
  }
  return size * count;
}

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto* exchange = static_cast<Exchange*>(user);
  size_t bytes = size * count;
  if (!exchange->checked_status) {
    // Headers are complete once the body starts: stream only a success.
    exchange->checked_status = true;
    long code = 0;
    curl_easy_getinfo(exchange->curl, CURLINFO_RESPONSE_CODE, &code);
    exchange->stream_body = exchange->request->body_sink && code >= 200 && code < 300;
    if (exchange->stream_body && exchange->request->range_start > 0 && code != 206) {
      exchange->sink_status =
          absl::InternalError("the S3 server ignored the Range header of a resumed download");
      return 0;
    }
  }
  if (!exchange->stream_body) {
    if (exchange->response->body.size() < (4u << 20)) exchange->response->body.append(data, bytes);
    return bytes;
  }
  exchange->sink_status = exchange->request->body_sink(std::string_view(data, bytes));
  return exchange->sink_status.ok() ? bytes : 0;  // 0 makes libcurl stop the transfer
}

}  // namespace

absl::StatusOr<S3Response> S3Client::Send(const S3Request& request, std::string_view what,
                                          const RetryChainNode& node) {
  if (node.aborted()) return absl::CancelledError(StrCat(what, ": cancelled"));
  CurlEasy curl(curl_easy_init());
  if (!curl) return absl::ResourceExhaustedError("libcurl: cannot create a handle");
  S3Response response;
  Exchange exchange;
  exchange.curl = curl.get();
  exchange.request = &request;
  exchange.response = &response;
  exchange.abort = &node.abort_source();
  std::string url = UrlFor(request.key, request.query);
  std::string credentials = StrCat(options_.access_key_id, ":", options_.secret_access_key);
  std::string sigv4 = StrCat("aws:amz:", options_.region, ":s3");
  char error_buffer[CURL_ERROR_SIZE] = {0};
  CurlHeaderList headers;
  // No "Expect:" override here: libcurl 7.88 lists such an empty header among
  // the SigV4 signed headers without sending it, which S3 would reject.
  headers.Add(StrCat("x-amz-content-sha256: ", request.body_source
                                                   ? std::string("UNSIGNED-PAYLOAD")
                                                   : PayloadSha256Hex(request.body)));
  if (!options_.session_token.empty()) {
    headers.Add(StrCat("x-amz-security-token: ", options_.session_token));
  }
  if (request.range_start > 0) headers.Add(StrCat("Range: bytes=", request.range_start, "-"));

  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(c, CURLOPT_AWS_SIGV4, sigv4.c_str());
  curl_easy_setopt(c, CURLOPT_USERPWD, credentials.c_str());
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(absl::ToInt64Milliseconds(options_.connect_timeout)));
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1024L);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME,
                   static_cast<long>(absl::ToInt64Seconds(options_.stall_timeout)));
  if (!options_.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, options_.ca_file.c_str());
  if (options_.insecure_skip_verify) {
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &exchange);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &exchange);
  curl_easy_setopt(c, CURLOPT_FILETIME, 1L);
  curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, OnProgress);
  curl_easy_setopt(c, CURLOPT_XFERINFODATA, &exchange);
  if (request.method == "HEAD") {
    curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  } else if (request.method == "PUT" && request.body_source) {
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(request.body_size));
    curl_easy_setopt(c, CURLOPT_READFUNCTION, OnRead);
    curl_easy_setopt(c, CURLOPT_READDATA, &exchange);
    if (request.upload_buffer_size > 0) {
      curl_easy_setopt(c, CURLOPT_UPLOAD_BUFFERSIZE, request.upload_buffer_size);
    }
    headers.Add("Content-Type: application/octet-stream");
  } else if (request.method == "PUT" || request.method == "POST") {
    // In-memory bodies go as POSTFIELDS so libcurl's SigV4 hashes the payload.
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    headers.Add("Content-Type: application/octet-stream");
  } else if (request.method != "GET") {
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());

  CURLcode code = curl_easy_perform(c);
  if (!exchange.sink_status.ok()) return exchange.sink_status;
  if (!exchange.source_status.ok()) return exchange.source_status;
  if (code == CURLE_ABORTED_BY_CALLBACK && node.aborted()) {
    return absl::CancelledError(StrCat(what, ": cancelled"));
  }
  if (code != CURLE_OK) return CurlErrorStatus(code, error_buffer, what);
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &response.http_status);
  curl_off_t length = -1;
  curl_easy_getinfo(c, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length);
  response.content_length = length;
  curl_off_t filetime = -1;
  if (curl_easy_getinfo(c, CURLINFO_FILETIME_T, &filetime) == CURLE_OK && filetime >= 0) {
    response.last_modified = absl::FromTimeT(static_cast<time_t>(filetime));
  }
  if (response.http_status < 200 || response.http_status >= 300) {
    return S3HttpErrorStatus(response.http_status, response.body, what, bucket_, endpoint_);
  }
  // CompleteMultipartUpload may answer 200 and put the error in the body.
  if (request.method == "POST" && absl::StrContains(response.body, "<Error>")) {
    std::string code_name = S3ErrorCode(response.body);
    if (!code_name.empty()) {
      return S3HttpErrorStatus(code_name == "InternalError" ? 500 : 400, response.body, what,
                               bucket_, endpoint_);
    }
  }
  return response;
}

Retrier S3Client::NewRetrier(const RetryChainNode& parent) const {
  RetryOptions retry;
  retry.max_attempts = options_.max_attempts;
  retry.initial_backoff = options_.initial_backoff;
  retry.max_backoff = options_.max_backoff;
  return Retrier(retry, parent, std::random_device()());
}

absl::StatusOr<S3Response> S3Client::Call(const S3Request& request, std::string_view what,
                                          const RetryChainNode& parent,
                                          absl::FunctionRef<bool()> may_retry) {
  Retrier retrier = NewRetrier(parent);
  absl::StatusOr<S3Response> response;
  absl::Status status = retrier.Run(
      what,
      [&] {
        response = Send(request, what, retrier.node());
        return response.status();
      },
      may_retry);
  if (!status.ok()) return status;
  return response;
}

}  // namespace snapkeep::objectstore
