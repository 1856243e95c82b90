#pragma once

#include <curl/curl.h>

#include <memory>
#include <string>

namespace snapkeep::objectstore {

struct CurlEasyDeleter {
  void operator()(CURL* curl) const { curl_easy_cleanup(curl); }
};
// One libcurl easy handle, cleaned up on destruction.
using CurlEasy = std::unique_ptr<CURL, CurlEasyDeleter>;

// A libcurl header list, freed on destruction.
class CurlHeaderList {
 public:
  CurlHeaderList() = default;
  CurlHeaderList(const CurlHeaderList&) = delete;
  CurlHeaderList& operator=(const CurlHeaderList&) = delete;
  ~CurlHeaderList() { curl_slist_free_all(list_); }
  void Add(const std::string& header) { list_ = curl_slist_append(list_, header.c_str()); }
  curl_slist* get() const { return list_; }

 private:
  curl_slist* list_ = nullptr;
};

// libcurl must be initialised once before threads use it; safe to call often.
void EnsureCurlInitialized();

}  // namespace snapkeep::objectstore
