#pragma once

#include <functional>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "boost/beast/http.hpp"

namespace snapkeep::apiserver {

namespace http = boost::beast::http;

using HttpRequest = http::request<http::string_body>;
using HttpResponse = http::response<http::string_body>;

// Bytes a stream hands to its connection. Shared and immutable, so one encoded event goes
// to every watcher without a copy per watcher.
using SharedBytes = std::shared_ptr<const std::string>;

// How a stream reaches its connection. Both may be called from any thread, any number of
// times; they only post work to the connection.
struct StreamSignals {
  // Something new is ready: the connection calls Drain again soon.
  std::function<void()> wake;
  // The stream has given up on its client (it fell too far behind): the connection closes
  // without waiting for the client to take what it was already handed. If the connection
  // is not waiting on the client, it drains once more (the stream's last words) instead.
  std::function<void()> abandon;
};

// A response body produced over time (a watch). The connection writes what Drain
// hands out as HTTP chunks until the stream ends, the client goes away, or the
// server stops.
//
// Threading: Ready and Drain are called from the connection's strand; Start once, first.
class ResponseStream {
 public:
  enum class Readiness {
    kReady,    // send the head and start draining
    kNotYet,   // ask again after the next wake, or after a short poll interval
    kRefused,  // send `refusal` (a complete error response) instead, and end
  };
  enum class DrainResult {
    kWait,  // nothing more for now: drain again after a wake or the next tick
    kMore,  // handed out a bounded part of what is ready: drain again right away
    kEnd,   // the stream has ended (after handing out its last bytes)
  };

  virtual ~ResponseStream() = default;
  virtual void Start(StreamSignals signals) = 0;
  // Asked before the response head is sent: the stream may need to wait for something
  // before it can promise a 200 (a watch from a revision the store has not reached yet).
  virtual Readiness Ready(HttpResponse& refusal) {
    (void)refusal;
    return Readiness::kReady;
  }
  // Appends what is ready to `out`: a bounded amount, so one call never builds an unbounded
  // buffer for a client that reads slowly.
  virtual DrainResult Drain(std::vector<SharedBytes>& out) = 0;
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
