#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "apiserver/http_types.h"
#include "boost/asio/awaitable.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/steady_timer.hpp"
#include "boost/asio/strand.hpp"

namespace snapkeep::apiserver {

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;  // 0: any free port
  int threads = 4;
  size_t max_body_bytes = size_t{3} << 20;  // larger bodies get 413
  // A streaming response is drained at least this often, so streams can emit
  // keep-alive data (watch bookmarks) and notice their deadlines.
  std::chrono::milliseconds stream_tick{std::chrono::seconds(5)};
  // From a connection's start (or, on a kept-alive connection, from the next request's
  // first byte) until the request header is complete. Absolute, not per byte: a client
  // that sends nothing, or trickles its header a byte at a time, is cut off at this.
  std::chrono::milliseconds request_header_timeout{std::chrono::seconds(10)};
  // A kept-alive connection with no request in flight, a request body that makes no
  // progress, and a response the client takes nothing of, are closed after this. Streams
  // (watches) are exempt while they wait for something to send.
  std::chrono::milliseconds idle_timeout{std::chrono::seconds(120)};
  // Connections served at once. Beyond it the server stops accepting, so new connections
  // wait in the kernel's listen backlog until one closes (and the log says so, once).
  size_t max_connections = 4096;
  // A stream that is not ready yet (ResponseStream::Ready) is asked again this often.
  std::chrono::milliseconds stream_ready_poll{std::chrono::milliseconds(100)};
  // A failed accept (out of file descriptors) is retried after a delay that doubles from
  // the first to the second, so the server neither spins nor stops serving.
  std::chrono::milliseconds accept_retry_min{std::chrono::milliseconds(5)};
  std::chrono::milliseconds accept_retry_max{std::chrono::seconds(1)};
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
  struct ConnectionCount;
  class ConnectionSlot;

  boost::asio::awaitable<void> AcceptLoop();

  HttpServerOptions options_;
  RequestHandler handler_;
  // Shared with the connections: their coroutines may be destroyed with io_, after the
  // members below it are gone.
  std::shared_ptr<ConnectionCount> connections_;
  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::strand<boost::asio::io_context::executor_type> accept_strand_;
  // The accept loop waits on it, at the connection limit or after a failed accept; a
  // connection that closes while the server is at its limit cancels it.
  boost::asio::steady_timer accept_wait_;
  std::vector<std::thread> threads_;
  std::atomic<bool> stopped_{false};
};

}  // namespace snapkeep::apiserver
