#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "apiserver/http_types.h"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"

namespace snapkeep::apiserver {

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;  // 0: any free port
  int threads = 4;
  size_t max_body_bytes = size_t{3} << 20;  // larger bodies get 413
  // A streaming response is drained at least this often, so streams can emit
  // keep-alive data (watch bookmarks) and notice their deadlines.
  std::chrono::milliseconds stream_tick{std::chrono::seconds(5)};
  // A stream that is not ready yet (ResponseStream::Ready) is asked again this often.
  std::chrono::milliseconds stream_ready_poll{std::chrono::milliseconds(100)};
};

// An HTTP/1.1 server on Boost.Beast: one coroutine per connection, keep-alive,
// chunked streaming responses. Idle and streaming connections cost no thread.
//
// Lifecycle: construct, Start() (binds and runs the I/O threads), Stop() (closes
// the listener and every connection, joins the threads). Not restartable.
class HttpServer {
 public:
  HttpServer(HttpServerOptions options, RequestHandler handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and starts serving; returns the port actually bound.
  absl::StatusOr<uint16_t> Start();
  void Stop();

 private:
  class Connection;

  HttpServerOptions options_;
  RequestHandler handler_;
  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::vector<std::thread> threads_;
  std::atomic<bool> stopped_{false};
};

}  // namespace snapkeep::apiserver
