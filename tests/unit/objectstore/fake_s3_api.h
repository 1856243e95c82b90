#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "common/str_cat.h"
#include "objectstore/s3/s3_api.h"

namespace snapkeep::objectstore {

// One bucket in memory, answering the requests the S3 writers send: PUT (whole or
// streamed from body_source), multipart create / part / complete / abort, HEAD and
// DELETE. `fail` may answer a request first (a 503, a lost upload); `requests`
// records each one as "METHOD key[?query]". A failed Unavailable call is tried
// again while may_retry() allows, up to options().max_attempts, with no wait (the
// waits are Retrier's, tested on their own). Thread-safe, as parts upload at once.
class FakeS3Api : public S3Api {
 public:
  FakeS3Api() {
    options_.part_size = 8;
    options_.parts_in_flight = 2;
    options_.max_attempts = 3;
  }

  const S3Options& options() const override { return options_; }
  std::string Describe(std::string_view key) const override { return StrCat("s3://fake/", key); }

  using S3Api::Call;
  absl::StatusOr<S3Response> Call(const S3Request& request, std::string_view /*what*/,
                                  const RetryChainNode& parent,
                                  absl::FunctionRef<bool()> may_retry) override {
    for (int attempt = 1;; ++attempt) {
      if (parent.aborted()) return absl::CancelledError("cancelled");
      absl::StatusOr<S3Response> response = Answer(request);
      if (response.ok() || !absl::IsUnavailable(response.status()) || !may_retry() ||
          attempt >= options_.max_attempts) {
        return response;
      }
    }
  }

  std::optional<std::string> Object(const std::string& key) {
    std::lock_guard lock(mu_);
    auto it = objects_.find(key);
    if (it == objects_.end()) return std::nullopt;
    return it->second;
  }
  void PutObject(const std::string& key, std::string bytes) {
    std::lock_guard lock(mu_);
    objects_[key] = std::move(bytes);
  }
  size_t OpenUploads() {
    std::lock_guard lock(mu_);
    return uploads_.size();
  }
  std::vector<std::string> Requests() {
    std::lock_guard lock(mu_);
    return requests_;
  }
  int CountRequests(std::string_view prefix) {
    int n = 0;
    for (const std::string& r : Requests()) n += r.starts_with(prefix);
    return n;
  }

  S3Options options_;
  // Answers a request before the bucket does, when it returns a status.
  std::function<std::optional<absl::Status>(const S3Request&)> fail;
  // Keep the bytes of a streamed PUT cut short, as s3rver does.
  bool keep_partial_bodies = false;

 private:
  static std::string Query(const S3Request& request, std::string_view name) {
    for (const auto& [key, value] : request.query) {
      if (key == name) return value;
    }
    return "";
  }
  static bool Has(const S3Request& request, std::string_view name) {
    for (const auto& [key, value] : request.query) {
      if (key == name) return true;
    }
    return false;
  }

  absl::StatusOr<S3Response> Answer(const S3Request& request) {
    {
      std::lock_guard lock(mu_);
      std::string line = StrCat(request.method, " ", request.key);
      for (const auto& [key, value] : request.query) StrAppend(&line, "?", key);
      requests_.push_back(line);
    }
    if (fail) {
      if (std::optional<absl::Status> failed = fail(request)) return *failed;
    }
    S3Response response;
    response.http_status = 200;
    if (request.method == "PUT" && request.body_source) {
      // Pulled outside the lock, as libcurl does on its own thread.
      std::string body;
      char buffer[5];
      for (;;) {
        absl::StatusOr<size_t> n = request.body_source(buffer, sizeof(buffer));
        if (!n.ok()) {
          if (keep_partial_bodies) PutObject(request.key, body);
          return n.status();
        }
        if (*n == 0) break;
        body.append(buffer, *n);
      }
      if (body.size() != request.body_size) return absl::InternalError("short body");
      PutObject(request.key, std::move(body));
      return response;
    }
    std::lock_guard lock(mu_);
    if (request.method == "POST" && Has(request, "uploads")) {
      std::string id = StrCat("upload-", ++next_upload_);
      uploads_[id] = {};
      response.body = StrCat("<InitiateMultipartUploadResult><UploadId>", id,
                             "</UploadId></InitiateMultipartUploadResult>");
      return response;
    }
    if (request.method == "PUT" && Has(request, "partNumber")) {
      auto upload = uploads_.find(Query(request, "uploadId"));
      if (upload == uploads_.end()) return absl::NotFoundError("NoSuchUpload");
      int number = std::stoi(Query(request, "partNumber"));
      upload->second[number] = std::string(request.body);
      response.etag = StrCat("\"etag-", number, "\"");
      return response;
    }
    if (request.method == "POST" && Has(request, "uploadId")) {
      auto upload = uploads_.find(Query(request, "uploadId"));
      if (upload == uploads_.end()) return absl::NotFoundError("NoSuchUpload");
      std::string object;
      for (const auto& [number, part] : upload->second) object += part;
      objects_[request.key] = object;
      uploads_.erase(upload);
      return response;
    }
    if (request.method == "DELETE" && Has(request, "uploadId")) {
      if (uploads_.erase(Query(request, "uploadId")) == 0) {
        return absl::NotFoundError("NoSuchUpload");
      }
      response.http_status = 204;
      return response;
    }
    if (request.method == "PUT") {
      objects_[request.key] = std::string(request.body);
      return response;
    }
    if (request.method == "HEAD") {
      auto it = objects_.find(request.key);
      if (it == objects_.end()) return absl::NotFoundError("404");
      response.content_length = static_cast<int64_t>(it->second.size());
      return response;
    }
    if (request.method == "DELETE") {
      objects_.erase(request.key);
      response.http_status = 204;
      return response;
    }
    return absl::UnimplementedError(StrCat("fake S3: ", request.method));
  }

  std::mutex mu_;
  std::map<std::string, std::string> objects_;
  std::map<std::string, std::map<int, std::string>> uploads_;
  std::vector<std::string> requests_;
  int next_upload_ = 0;
};

}  // namespace snapkeep::objectstore
