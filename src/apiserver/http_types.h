#pragma once

#include <functional>
#include <memory>
#include <string>
#include <variant>

#include "boost/beast/http.hpp"

namespace snapkeep::apiserver {

namespace http = boost::beast::http;

using HttpRequest = http::request<http::string_body>;
using HttpResponse = http::response<http::string_body>;

// A response body produced over time (a watch). The connection writes what Drain
// returns as HTTP chunks until the stream ends, the client goes away, or the
// server stops.
//
// Threading: Start and Drain are called from the connection's strand; `wake` may
// be called from any thread and tells the connection to Drain again.
class ResponseStream {
 public:
  virtual ~ResponseStream() = default;
  virtual void Start(std::function<void()> wake) = 0;
  // Appends what is ready to `out`. Returns false once the stream has ended
  // (after appending its last bytes).
  virtual bool Drain(std::string& out) = 0;
};

struct StreamingResponse {
  HttpResponse head;  // status and headers; its body is ignored
  std::unique_ptr<ResponseStream> stream;
};

using HandlerResult = std::variant<HttpResponse, StreamingResponse>;

// The HTTP status code a result answers with.
inline int StatusCode(const HandlerResult& result) {
  return std::holds_alternative<HttpResponse>(result)
             ? static_cast<int>(std::get<HttpResponse>(result).result_int())
             : static_cast<int>(std::get<StreamingResponse>(result).head.result_int());
}

// Turns one request into a response. Called on the server's I/O threads; may
// block briefly (a store read or write).
using RequestHandler = std::function<HandlerResult(const HttpRequest&)>;

}  // namespace snapkeep::apiserver
