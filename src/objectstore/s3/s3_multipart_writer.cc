#include "objectstore/s3/s3_multipart_writer.h"

#include <sstream>

#include "common/str_cat.h"
#include "objectstore/s3/s3_options.h"
#include "pugixml.hpp"
#include "spdlog/spdlog.h"

namespace snapkeep::objectstore {

S3MultipartWriter::S3MultipartWriter(S3Api& client, std::string key, uint64_t part_size,
                                     const RetryChainNode& parent)
    : client_(client), parent_(parent), key_(std::move(key)), part_size_(part_size) {
  buffer_ = TakeBuffer();
}

std::unique_ptr<std::string> S3MultipartWriter::TakeBuffer() {
  if (!spare_buffers_.empty()) {
    std::unique_ptr<std::string> buffer = std::move(spare_buffers_.back());
    spare_buffers_.pop_back();
    buffer->clear();
    return buffer;
  }
  auto buffer = std::make_unique<std::string>();
  buffer->reserve(part_size_);
  return buffer;
}

S3MultipartWriter::~S3MultipartWriter() {
  if (!finished_) Abort();
}

absl::Status S3MultipartWriter::Write(std::string_view data) {
  if (finished_) return absl::FailedPreconditionError("write after commit or abort");
  if (!error_.ok()) return error_;
  total_bytes_ += data.size();
  while (!data.empty()) {
    size_t take = std::min<size_t>(data.size(), part_size_ - buffer_->size());
    buffer_->append(data.data(), take);
    data.remove_prefix(take);
    if (buffer_->size() == part_size_) {
      if (absl::Status status = StartPart(); !status.ok()) {
        error_ = status;
        return status;
      }
    }
  }
  return absl::OkStatus();
}

absl::Status S3MultipartWriter::StartPart() {
  if (upload_id_.empty()) {
    S3Request create;
    create.method = "POST";
    create.key = key_;
    create.query = {{"uploads", ""}};
    absl::StatusOr<S3Response> response =
        client_.Call(create, StrCat("create multipart upload ", client_.Describe(key_)), parent_);
    if (!response.ok()) return response.status();
    pugi::xml_document doc;
    doc.load_buffer(response->body.data(), response->body.size());
    upload_id_ = doc.child("InitiateMultipartUploadResult").child_value("UploadId");
    if (upload_id_.empty()) {
      return absl::InternalError(StrCat("create multipart upload ", client_.Describe(key_),
                                        ": the answer has no UploadId"));
    }
    spdlog::debug("multipart upload {} started for {}", upload_id_, client_.Describe(key_));
  }
  if (next_part_ > static_cast<int>(kS3MaxParts)) {
    return absl::ResourceExhaustedError(StrCat(client_.Describe(key_), " needs more than ",
                                               kS3MaxParts, " parts of ", part_size_ >> 20,
                                               " MiB; raise --s3-part-size"));
  }
  while (in_flight_.size() >= static_cast<size_t>(client_.options().parts_in_flight)) {
    if (absl::Status status = WaitForOldestPart(); !status.ok()) return status;
  }
  int number = next_part_++;
  std::unique_ptr<std::string> body = std::move(buffer_);
  buffer_ = TakeBuffer();
  S3Api* client = &client_;
  const RetryChainNode* parent = &parent_;
  std::string key = key_;
  std::string upload_id = upload_id_;
  std::string_view bytes = *body;
  auto upload = [client, parent, key, upload_id, number, bytes]() -> absl::StatusOr<std::string> {
    S3Request put;
    put.method = "PUT";
    put.key = key;
    put.query = {{"partNumber", StrCat(number)}, {"uploadId", upload_id}};
    put.body = bytes;
    absl::StatusOr<S3Response> response =
        client->Call(put, StrCat("upload part ", number, " of ", client->Describe(key)), *parent);
    if (!response.ok()) return response.status();
    if (response->etag.empty()) {
      return absl::InternalError(StrCat("upload part ", number, ": the answer has no ETag"));
    }
    return response->etag;
  };
  in_flight_.push_back({number, std::move(body), std::async(std::launch::async, upload)});
  return absl::OkStatus();
}

absl::Status S3MultipartWriter::WaitForOldestPart() {
  PartInFlight part = std::move(in_flight_.front());
  in_flight_.pop_front();
  absl::StatusOr<std::string> etag = part.etag.get();
  spare_buffers_.push_back(std::move(part.body));
  if (!etag.ok()) return etag.status();
  if (etags_.size() < static_cast<size_t>(part.number)) etags_.resize(part.number);
  etags_[part.number - 1] = *std::move(etag);
  return absl::OkStatus();
}

absl::Status S3MultipartWriter::WaitForAllParts() {
  absl::Status first_error;
  while (!in_flight_.empty()) {
    absl::Status status = WaitForOldestPart();
    if (first_error.ok()) first_error = status;
  }
  return first_error;
}

absl::Status S3MultipartWriter::Complete() {
  pugi::xml_document doc;
  pugi::xml_node root = doc.append_child("CompleteMultipartUpload");
  for (size_t i = 0; i < etags_.size(); ++i) {
    pugi::xml_node part = root.append_child("Part");
    part.append_child("PartNumber").text().set(static_cast<unsigned>(i + 1));
    part.append_child("ETag").text().set(etags_[i].c_str());
  }
  std::ostringstream xml;
  doc.save(xml, "", pugi::format_raw | pugi::format_no_declaration);
  std::string body = xml.str();
  S3Request complete;
  complete.method = "POST";
  complete.key = key_;
  complete.query = {{"uploadId", upload_id_}};
  complete.body = body;
  absl::StatusOr<S3Response> response = client_.Call(
      complete, StrCat("complete multipart upload of ", client_.Describe(key_)), parent_);
  if (response.ok()) return absl::OkStatus();
  if (response.status().code() == absl::StatusCode::kNotFound) {
    // A retried complete whose first try succeeded finds no upload any more.
    S3Request head;
    head.method = "HEAD";
    head.key = key_;
    absl::StatusOr<S3Response> object =
        client_.Call(head, StrCat("HEAD ", client_.Describe(key_)), parent_);
    if (object.ok() && object->content_length == static_cast<int64_t>(total_bytes_)) {
      return absl::OkStatus();
    }
  }
  return response.status();
}

absl::Status S3MultipartWriter::Commit() {
  if (finished_) return absl::FailedPreconditionError("commit after commit or abort");
  if (!error_.ok()) return error_;
  absl::Status status;
  if (upload_id_.empty()) {
    // Small object: one PUT.
    S3Request put;
    put.method = "PUT";
    put.key = key_;
    put.body = *buffer_;
    status = client_.Call(put, StrCat("PUT ", client_.Describe(key_)), parent_).status();
  } else {
    if (!buffer_->empty()) status = StartPart();
    absl::Status parts = WaitForAllParts();
    if (status.ok()) status = parts;
    if (status.ok()) status = Complete();
  }
  if (!status.ok()) {
    error_ = status;
    Abort();
    return status;
  }
  finished_ = true;
  buffer_.reset();
  spare_buffers_.clear();
  return absl::OkStatus();
}

void S3MultipartWriter::Abort() {
  if (finished_) return;
  finished_ = true;
  WaitForAllParts().IgnoreError();  // parts still uploading must end before the abort
  buffer_.reset();
  spare_buffers_.clear();
  if (upload_id_.empty()) return;
  spdlog::warn("aborting multipart upload {} of {}", upload_id_, client_.Describe(key_));
  S3Request abort;
  abort.method = "DELETE";
  abort.key = key_;
  abort.query = {{"uploadId", upload_id_}};
  // What a cancel asks for: not to be cut short by it.
  UncancellableRoot cleanup(parent_.clock());
  absl::StatusOr<S3Response> response = client_.Call(
      abort, StrCat("abort multipart upload of ", client_.Describe(key_)), cleanup.node());
  if (response.ok() || response.status().code() == absl::StatusCode::kNotFound) {
    spdlog::warn("aborted multipart upload {} of {}", upload_id_, client_.Describe(key_));
  } else {
    // The parts stay billed until a lifecycle rule or a later cleanup removes them.
    spdlog::error("could not abort multipart upload {} of {}: {}", upload_id_,
                  client_.Describe(key_), std::string(response.status().message()));
  }
}

}  // namespace snapkeep::objectstore
