#include "objectstore/s3/s3_object_store.h"

#include <algorithm>

#include "common/str_cat.h"
#include "objectstore/s3/part_sizing.h"
#include "objectstore/s3/retry_policy.h"
#include "objectstore/s3/s3_multipart_writer.h"
#include "objectstore/s3/s3_streaming_put_writer.h"
#include "pugixml.hpp"

namespace snapkeep::objectstore {

S3ObjectStore::S3ObjectStore(std::string bucket, S3Options options)
    : client_(std::move(bucket), std::move(options)) {}

std::string S3ObjectStore::Describe(std::string_view key) const { return client_.Describe(key); }

absl::Status S3ObjectStore::CheckWritableKey(std::string_view key) const {
  constexpr size_t kMaxKeyBytes = 1024;
  if (key.empty()) return absl::InvalidArgumentError("an S3 object needs a key");
  if (key.size() > kMaxKeyBytes) {
    return absl::InvalidArgumentError(StrCat("the key of ", Describe(key), " is ", key.size(),
                                             " bytes; S3 allows ", kMaxKeyBytes));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<ObjectWriter>> S3ObjectStore::NewWriter(
    std::string_view key, uint64_t size_hint, const RetryChainNode& parent) {
  if (key.empty()) return absl::InvalidArgumentError("an S3 object needs a key");
  return std::make_unique<S3MultipartWriter>(
      client_, std::string(key), ChoosePartSize(size_hint, client_.options().part_size), parent);
}

absl::StatusOr<std::unique_ptr<ObjectWriter>> S3ObjectStore::NewWriterOfSize(
    std::string_view key, uint64_t size, const RetryChainNode& parent) {
  if (key.empty()) return absl::InvalidArgumentError("an S3 object needs a key");
  const S3Options& options = client_.options();
  if (size > options.part_size && size <= options.streamed_put_max) {
    return std::make_unique<S3StreamingPutWriter>(client_, std::string(key), size, parent);
  }
  return NewWriter(key, size, parent);
}

absl::Status S3ObjectStore::Get(std::string_view key, ChunkSink sink,
                                const RetryChainNode& parent) {
  // Retried here rather than in Call(): a retry resumes where the last
  // attempt stopped, so the sink never sees a byte twice.
  uint64_t delivered = 0;
  Retrier retrier = client_.NewRetrier(parent);
  std::string what = StrCat("GET ", Describe(key));
  return retrier.Run(what, [&]() -> absl::Status {
    S3Request get;
    get.key = std::string(key);
    get.range_start = delivered;
    get.body_sink = [&](std::string_view chunk) {
      delivered += chunk.size();
      return sink(chunk);
    };
    return client_.Send(get, what, retrier.node()).status();
  });
}

absl::StatusOr<ObjectInfo> S3ObjectStore::Head(std::string_view key, const RetryChainNode& parent) {
  S3Request head;
  head.method = "HEAD";
  head.key = std::string(key);
  absl::StatusOr<S3Response> response = client_.Call(head, StrCat("HEAD ", Describe(key)), parent);
  if (!response.ok()) {
    if (response.status().code() == absl::StatusCode::kNotFound) {
      // An answer to HEAD has no body, so a missing bucket looks like a missing
      // key; the contract wants it told apart (FailedPrecondition, naming it).
      if (absl::Status bucket = CheckBucket(key, parent); !bucket.ok()) return bucket;
      return absl::NotFoundError(StrCat(Describe(key), " does not exist"));
    }
    return response.status();
  }
  return ObjectInfo{std::string(key),
                    static_cast<uint64_t>(std::max<int64_t>(0, response->content_length)),
                    response->last_modified, response->content_length >= 0};
}

absl::Status S3ObjectStore::CheckBucket(std::string_view key, const RetryChainNode& parent) {
  // The smallest request whose error body names a missing bucket (NoSuchBucket).
  S3Request probe;
  probe.query = {{"list-type", "2"}, {"prefix", std::string(key)}, {"max-keys", "1"}};
  absl::Status status = client_.Call(probe, StrCat("list ", Describe(key)), parent).status();
  // Only a configuration problem (no such bucket, wrong region) is news; a probe
  // refused for lack of s3:ListBucket says nothing about the bucket.
  return status.code() == absl::StatusCode::kFailedPrecondition ? status : absl::OkStatus();
}

absl::StatusOr<std::vector<ObjectInfo>> S3ObjectStore::List(std::string_view prefix,
                                                            const RetryChainNode& parent) {
  std::vector<ObjectInfo> objects;
  std::string token;
  for (int page = 0;; ++page) {
    S3Request list;
    list.query = {{"list-type", "2"},
                  {"prefix", std::string(prefix)},
                  {"max-keys", StrCat(client_.options().list_page_size)}};
    if (!token.empty()) list.query.push_back({"continuation-token", token});
    absl::StatusOr<S3Response> response =
        client_.Call(list, StrCat("list ", Describe(prefix)), parent);
    if (!response.ok()) return response.status();
    pugi::xml_document doc;
    if (!doc.load_buffer(response->body.data(), response->body.size())) {
      return absl::InternalError(StrCat("list ", Describe(prefix), ": unreadable XML answer"));
    }
    pugi::xml_node result = doc.child("ListBucketResult");
    for (pugi::xml_node item : result.children("Contents")) {
      ObjectInfo info;
      info.key = item.child_value("Key");
      info.size = std::strtoull(item.child_value("Size"), nullptr, 10);
      std::string error;
      absl::ParseTime(absl::RFC3339_full, item.child_value("LastModified"), &info.modified, &error);
      objects.push_back(std::move(info));
    }
    bool truncated = std::string(result.child_value("IsTruncated")) == "true";
    token = result.child_value("NextContinuationToken");
    if (!truncated) break;
    if (token.empty()) {
      return absl::InternalError(StrCat("list ", Describe(prefix),
                                        ": the answer is truncated but has no continuation token"));
    }
  }
  std::sort(objects.begin(), objects.end(),
            [](const ObjectInfo& a, const ObjectInfo& b) { return a.key < b.key; });
  return objects;
}

absl::StatusOr<std::vector<PendingUpload>> S3ObjectStore::ListPendingUploads(
    std::string_view prefix, const RetryChainNode& parent) {
  std::vector<PendingUpload> pending;
  std::string key_marker, upload_marker;
  for (;;) {
    S3Request list;
    list.query = {{"uploads", ""},
                  {"prefix", std::string(prefix)},
                  {"max-uploads", StrCat(client_.options().list_page_size)}};
    if (!key_marker.empty()) list.query.push_back({"key-marker", key_marker});
    if (!upload_marker.empty()) list.query.push_back({"upload-id-marker", upload_marker});
    const std::string what = StrCat("list multipart uploads under ", Describe(prefix));
    absl::StatusOr<S3Response> response = client_.Call(list, what, parent);
    if (!response.ok()) return response.status();
    pugi::xml_document doc;
    if (!doc.load_buffer(response->body.data(), response->body.size())) {
      return absl::InternalError(StrCat(what, ": unreadable XML answer"));
    }
    pugi::xml_node result = doc.child("ListMultipartUploadsResult");
    for (pugi::xml_node item : result.children("Upload")) {
      PendingUpload upload;
      upload.key = item.child_value("Key");
      upload.upload = item.child_value("UploadId");
      std::string error;
      absl::ParseTime(absl::RFC3339_full, item.child_value("Initiated"), &upload.started, &error);
      pending.push_back(std::move(upload));
    }
    if (std::string(result.child_value("IsTruncated")) != "true") break;
    key_marker = result.child_value("NextKeyMarker");
    upload_marker = result.child_value("NextUploadIdMarker");
    if (key_marker.empty()) {
      return absl::InternalError(StrCat(what, ": the answer is truncated but has no marker"));
    }
  }
  SortPendingUploads(pending);
  return pending;
}

absl::Status S3ObjectStore::Delete(std::string_view key, const RetryChainNode& parent) {
  S3Request remove;
  remove.method = "DELETE";
  remove.key = std::string(key);
  absl::Status status = client_.Call(remove, StrCat("DELETE ", Describe(key)), parent).status();
  if (status.code() == absl::StatusCode::kNotFound) return absl::OkStatus();
  return status;
}

absl::Status S3ObjectStore::AbortPendingUpload(std::string_view key, std::string_view upload,
                                               const RetryChainNode& parent) {
  if (upload.empty()) return absl::OkStatus();
  S3Request abort;
  abort.method = "DELETE";
  abort.key = std::string(key);
  abort.query = {{"uploadId", std::string(upload)}};
  absl::Status status =
      client_.Call(abort, StrCat("abort multipart upload ", upload, " of ", Describe(key)), parent)
          .status();
  if (status.code() == absl::StatusCode::kNotFound) return absl::OkStatus();
  return status;
}

}  // namespace snapkeep::objectstore
