#include "apiserver/http_server.h"

#include <sys/socket.h>

#include <cerrno>
#include <optional>

#include "api/api_error.h"
#include "boost/asio/co_spawn.hpp"
#include "boost/asio/detached.hpp"
#include "boost/asio/post.hpp"
#include "boost/asio/redirect_error.hpp"
#include "boost/asio/use_awaitable.hpp"
#include "boost/beast/core/buffers_suffix.hpp"
#include "boost/beast/core/flat_buffer.hpp"
#include "boost/beast/core/tcp_stream.hpp"
#include "common/str_cat.h"
#include "spdlog/spdlog.h"

namespace snapkeep::apiserver {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;
using SteadyClock = std::chrono::steady_clock;

namespace {

HttpResponse ErrorResponse(int code, std::string_view reason, std::string_view message) {
  api::ApiError e{code, std::string(reason), std::string(message), nullptr};
  HttpResponse res{static_cast<http::status>(code), 11};
  res.set(http::field::content_type, "application/json");
  res.body() = e.ToStatusObject().dump();
  res.keep_alive(false);
  res.prepare_payload();
  return res;
}

double SecondsSince(SteadyClock::time_point start) {
  return std::chrono::duration<double>(SteadyClock::now() - start).count();
}

// Writes all of `buffers`, allowing `stall` for each step of progress: a client that
// reads slowly is served, one that reads nothing is cut off (the stream closes itself on
// timeout).
template <class Buffers>
asio::awaitable<void> WriteAll(beast::tcp_stream& stream, const Buffers& buffers,
                               std::chrono::milliseconds stall, beast::error_code& ec) {
  beast::buffers_suffix<Buffers> rest(buffers);
  while (beast::buffer_bytes(rest) > 0) {
    stream.expires_after(stall);
    const size_t n =
        co_await stream.async_write_some(rest, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
    rest.consume(n);
  }
}

// Writes a whole response with the same per-step stall bound.
asio::awaitable<void> WriteResponse(beast::tcp_stream& stream, HttpResponse& response,
                                    std::chrono::milliseconds stall, beast::error_code& ec) {
  http::response_serializer<http::string_body> serializer(response);
  while (!serializer.is_done()) {
    stream.expires_after(stall);
    co_await http::async_write_some(stream, serializer,
                                    asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
  }
}

// Lets any thread wake a connection coroutine that waits on `timer`.
struct WakeSignal {
  WakeSignal(const asio::any_io_executor& ex, beast::tcp_stream& s) : timer(ex), stream(s) {}
  asio::steady_timer timer;
  std::atomic<bool> pending{false};
  // The rest is touched only on the connection's strand.
  beast::tcp_stream& stream;  // valid until stream_done
  bool peer_gone = false;
  bool writing = false;      // a write to the client is in flight
  bool stream_done = false;  // set before the socket is closed and destroyed
};

// A streaming client never sends anything, so the socket turning readable
// means it hung up. The reactor may report readiness spuriously (edge-triggered
// epoll), so a peek confirms it and re-arms the wait when nothing is there.
void WatchForHangup(tcp::socket& socket, const std::shared_ptr<WakeSignal>& signal) {
  socket.async_wait(tcp::socket::wait_read, [&socket, signal](beast::error_code ec) {
    // Once the stream is done the socket may be gone: touch nothing.
    if (signal->stream_done || ec == asio::error::operation_aborted) return;
    if (!ec) {
      char byte;
      const ssize_t n = ::recv(socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
        WatchForHangup(socket, signal);
        return;
      }
    }
    signal->peer_gone = true;
    signal->timer.cancel();
  });
}

asio::awaitable<void> WriteStream(beast::tcp_stream& stream, StreamingResponse& response,
                                  const HttpServerOptions& options) {
  beast::error_code ec;
  auto ex = co_await asio::this_coro::executor;
  auto signal = std::make_shared<WakeSignal>(ex, stream);
  ResponseStream& body = *response.stream;
  body.Start(StreamSignals{
      .wake =
          [signal] {
            if (!signal->pending.exchange(true)) {
              asio::post(signal->timer.get_executor(), [signal] { signal->timer.cancel(); });
            }
          },
      .abandon =
          [signal] {
            asio::post(signal->timer.get_executor(), [signal] {
              if (signal->stream_done) return;
              // A write in flight is one the client is not taking: cut it. Between
              // writes, the wake lets the stream send its last words (410) first.
              beast::error_code ignored;
              if (signal->writing) signal->stream.socket().cancel(ignored);
              signal->timer.cancel();
            });
          },
  });
  WatchForHangup(stream.socket(), signal);
  struct MarkDone {
    WakeSignal& signal;
    ~MarkDone() { signal.stream_done = true; }
  } mark_done{*signal};

  for (;;) {
    HttpResponse refusal;
    const ResponseStream::Readiness readiness = body.Ready(refusal);
    if (readiness == ResponseStream::Readiness::kReady) break;
    if (readiness == ResponseStream::Readiness::kRefused) {
      refusal.version(response.head.version());
      refusal.keep_alive(false);
      refusal.prepare_payload();
      signal->writing = true;
      co_await WriteResponse(stream, refusal, options.idle_timeout, ec);
      co_return;
    }
    signal->pending = false;
    signal->timer.expires_after(options.stream_ready_poll);
    co_await signal->timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (signal->peer_gone) co_return;
  }

  response.head.chunked(true);
  response.head.keep_alive(false);
  http::response_serializer<http::string_body> serializer(response.head);
  stream.expires_after(options.idle_timeout);
  signal->writing = true;
  co_await http::async_write_header(stream, serializer,
                                    asio::redirect_error(asio::use_awaitable, ec));
  signal->writing = false;
  if (ec) co_return;

  std::vector<SharedBytes> pieces;
  std::vector<asio::const_buffer> buffers;
  for (;;) {
    signal->pending = false;
    const ResponseStream::DrainResult result = body.Drain(pieces);
    if (!pieces.empty()) {
      buffers.clear();
      for (const SharedBytes& piece : pieces) buffers.emplace_back(asio::buffer(*piece));
      signal->writing = true;
      co_await WriteAll(stream, http::make_chunk(buffers), options.idle_timeout, ec);
      signal->writing = false;
      pieces.clear();  // let go of them before waiting
      if (ec) break;
    }
    if (result == ResponseStream::DrainResult::kEnd) {
      co_await WriteAll(stream, http::make_chunk_last(), options.idle_timeout, ec);
      break;
    }
    if (signal->peer_gone) break;
    if (result == ResponseStream::DrainResult::kMore || signal->pending) continue;
    signal->timer.expires_after(options.stream_tick);
    co_await signal->timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (signal->peer_gone) break;
  }
}

bool IsHangUp(const beast::error_code& ec) {
  return ec == http::error::end_of_stream || ec == asio::error::eof ||
         ec == asio::error::connection_reset || ec == asio::error::operation_aborted ||
         ec == beast::error::timeout;
}

}  // namespace

// The number of open connections, shared by the accept loop and the connections.
struct HttpServer::ConnectionCount {
  explicit ConnectionCount(size_t max) : max(max) {}
  const size_t max;
  std::atomic<size_t> open{0};
  // Set by Stop(): from then on a closing connection touches nothing of the server.
  std::atomic<bool> stopping{false};
  std::function<void()> wake_accept;  // set before the first accept, then only read
};

// One open connection's place in the count; released when the connection's coroutine ends.
class HttpServer::ConnectionSlot {
 public:
  explicit ConnectionSlot(std::shared_ptr<ConnectionCount> count) : count_(std::move(count)) {
    ++count_->open;
  }
  ConnectionSlot(ConnectionSlot&& other) noexcept = default;
  ConnectionSlot& operator=(ConnectionSlot&&) = delete;
  ~ConnectionSlot() {
    if (!count_) return;
    const size_t was = count_->open.fetch_sub(1);
    // Only a server at its limit has an accept loop waiting for a slot.
    if (was >= count_->max && !count_->stopping) count_->wake_accept();
  }

 private:
  std::shared_ptr<ConnectionCount> count_;
};

class HttpServer::Connection {
 public:
  static asio::awaitable<void> Serve(beast::tcp_stream stream, ConnectionSlot slot,
                                     const HttpServerOptions& options,
                                     const RequestHandler& handler) {
    (void)slot;  // held for the connection's lifetime
    beast::flat_buffer buffer;
    beast::error_code ec;
    bool first_request = true;
    for (;;) {
      http::request_parser<http::string_body> parser;
      parser.body_limit(options.max_body_bytes);
      parser.header_limit(64 * 1024);
      if (!first_request && buffer.size() == 0) {
        // Kept alive: the next request may take up to the idle timeout to begin.
        stream.expires_after(options.idle_timeout);
        const size_t n = co_await stream.async_read_some(
            buffer.prepare(4096), asio::redirect_error(asio::use_awaitable, ec));
        if (ec) break;
        buffer.commit(n);
      }
      first_request = false;
      // The header's deadline runs from the connection's (or this request's) start, and
      // is not extended by each byte that arrives.
      stream.expires_after(options.request_header_timeout);
      co_await http::async_read_header(stream, buffer, parser,
                                       asio::redirect_error(asio::use_awaitable, ec));
      // The body may arrive slowly, but not stall.
      while (!ec && !parser.is_done()) {
        stream.expires_after(options.idle_timeout);
        co_await http::async_read_some(stream, buffer, parser,
                                       asio::redirect_error(asio::use_awaitable, ec));
      }
      stream.expires_never();
      if (ec == http::error::body_limit) {
        HttpResponse res = ErrorResponse(413, "RequestEntityTooLarge",
                                         StrCat("the request body is larger than the limit of ",
                                                options.max_body_bytes, " bytes"));
        co_await WriteResponse(stream, res, options.idle_timeout, ec);
        break;
      }
      if (ec) {
        if (ec == beast::error::timeout) {
          spdlog::debug("closing a connection that timed out reading a request");
        } else if (!IsHangUp(ec)) {
          HttpResponse res =
              ErrorResponse(400, "BadRequest", "malformed HTTP request: " + ec.message());
          co_await WriteResponse(stream, res, options.idle_timeout, ec);
        }
        break;
      }
      HttpRequest request = parser.release();
      const auto started = SteadyClock::now();
      HandlerResult result;
      try {
        result = handler(request);
      } catch (const std::exception& e) {
        // A bug, not an expected failure: answer 500 and keep serving.
        spdlog::error("handler failed on {} {}: {}", std::string(request.method_string()),
                      std::string(request.target()), e.what());
        result = ErrorResponse(500, "InternalError", StrCat("internal error: ", e.what()));
      }
      if (spdlog::should_log(spdlog::level::debug)) {
        // Method, path and status only: bodies may hold secrets.
        spdlog::debug(
            "{} {} {} {:.1f}ms", std::string(request.method_string()),
            std::string(request.target()), StatusCode(result),
            std::chrono::duration<double, std::milli>(SteadyClock::now() - started).count());
      }
      if (auto* response = std::get_if<HttpResponse>(&result)) {
        response->version(request.version());
        if (response->keep_alive()) response->keep_alive(request.keep_alive());
        response->prepare_payload();
        co_await WriteResponse(stream, *response, options.idle_timeout, ec);
        if (ec || !response->keep_alive()) break;
      } else {
        auto& streaming = std::get<StreamingResponse>(result);
        streaming.head.version(request.version());
        co_await WriteStream(stream, streaming, options);
        break;
      }
    }
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream.close();
  }
};

HttpServer::HttpServer(HttpServerOptions options, RequestHandler handler)
    : options_(std::move(options)),
      handler_(std::move(handler)),
      connections_(
          std::make_shared<ConnectionCount>(std::max<size_t>(1, options_.max_connections))),
      acceptor_(io_),
      accept_strand_(asio::make_strand(io_)),
      accept_wait_(accept_strand_) {}

HttpServer::~HttpServer() { Stop(); }

absl::StatusOr<uint16_t> HttpServer::Start() {
  beast::error_code ec;
  auto address = asio::ip::make_address(options_.host, ec);
  if (ec) {
    return absl::InvalidArgumentError(StrCat("--listen: bad address \"", options_.host, "\""));
  }
  tcp::endpoint endpoint(address, options_.port);
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return absl::UnavailableError(
        StrCat("cannot listen on ", options_.host, ":", options_.port, ": ", ec.message()));
  }
  const uint16_t port = acceptor_.local_endpoint().port();

  connections_->wake_accept = [this] {
    asio::post(accept_strand_, [this] { accept_wait_.cancel(); });
  };
  asio::co_spawn(accept_strand_, AcceptLoop(), asio::detached);
  for (int i = 0; i < std::max(1, options_.threads); ++i) {
    threads_.emplace_back([this] { io_.run(); });
  }
  return port;
}

asio::awaitable<void> HttpServer::AcceptLoop() {
  beast::error_code ec;
  // At the connection limit: since when (an episode is logged once, at its start and end).
  std::optional<SteadyClock::time_point> at_limit_since;
  // Failing accepts: since when, how many, the current retry delay, the last log line.
  std::optional<SteadyClock::time_point> failing_since;
  int failures = 0;
  std::chrono::milliseconds retry_delay{0};
  SteadyClock::time_point last_failure_log;
  for (;;) {
    if (connections_->open >= connections_->max) {
      if (!at_limit_since) {
        at_limit_since = SteadyClock::now();
        spdlog::warn(
            "{} connections open, the limit (--max-connections): new connections wait in the "
            "listen backlog until one closes",
            connections_->max);
      }
      // A closing connection cancels this; the timeout is only a safety net.
      accept_wait_.expires_after(std::chrono::seconds(1));
      co_await accept_wait_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      if (stopped_) co_return;
      continue;
    }
    if (at_limit_since) {
      spdlog::info("below the connection limit again after {:.1f}s: accepting",
                   SecondsSince(*at_limit_since));
      at_limit_since.reset();
    }

    tcp::socket socket(asio::make_strand(io_));
    co_await acceptor_.async_accept(socket, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (stopped_ || !acceptor_.is_open()) co_return;
      if (ec == asio::error::connection_aborted) continue;  // the client gave up first
      // Out of file descriptors (or kernel memory): the pending connection stays in the
      // backlog and the listener stays readable, so retrying at once would spin. Wait,
      // longer each time, and log the episode without a line per attempt.
      const auto now = SteadyClock::now();
      ++failures;
      retry_delay = retry_delay.count() == 0 ? options_.accept_retry_min
                                             : std::min(retry_delay * 2, options_.accept_retry_max);
      if (!failing_since) {
        failing_since = now;
        last_failure_log = now;
        spdlog::error("cannot accept connections: {}; retrying with backoff up to {}ms",
                      ec.message(), options_.accept_retry_max.count());
      } else if (now - last_failure_log >= std::chrono::seconds(10)) {
        last_failure_log = now;
        spdlog::error("still cannot accept connections after {} attempts over {:.0f}s: {}",
                      failures, SecondsSince(*failing_since), ec.message());
      }
      accept_wait_.expires_after(retry_delay);
      co_await accept_wait_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      if (stopped_) co_return;
      continue;
    }
    if (failing_since) {
      spdlog::info("accepting connections again after {} failed attempts over {:.1f}s", failures,
                   SecondsSince(*failing_since));
      failing_since.reset();
      failures = 0;
      retry_delay = std::chrono::milliseconds(0);
    }
    socket.set_option(tcp::no_delay(true), ec);
    auto ex = socket.get_executor();
    asio::co_spawn(ex,
                   Connection::Serve(beast::tcp_stream(std::move(socket)),
                                     ConnectionSlot(connections_), options_, handler_),
                   asio::detached);
  }
}

void HttpServer::Stop() {
  if (stopped_.exchange(true)) return;
  connections_->stopping = true;
  asio::post(io_, [this] {
    beast::error_code ec;
    acceptor_.close(ec);
  });
  io_.stop();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
}

}  // namespace snapkeep::apiserver
