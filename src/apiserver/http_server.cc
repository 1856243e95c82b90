#include "apiserver/http_server.h"

#include "api/api_error.h"
#include "boost/asio/co_spawn.hpp"
#include "boost/asio/detached.hpp"
#include "boost/asio/post.hpp"
#include "boost/asio/redirect_error.hpp"
#include "boost/asio/steady_timer.hpp"
#include "boost/asio/strand.hpp"
#include "boost/asio/use_awaitable.hpp"
#include "boost/asio/write.hpp"
#include "boost/beast/core/flat_buffer.hpp"
#include "common/str_cat.h"
#include "spdlog/spdlog.h"

namespace snapkeep::apiserver {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

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

// Lets any thread wake a connection coroutine that waits on `timer`.
struct WakeSignal {
  WakeSignal(const asio::any_io_executor& ex, tcp::socket& s) : timer(ex), socket(s) {}
  asio::steady_timer timer;
  std::atomic<bool> pending{false};
  // The rest is touched only on the connection's strand.
  tcp::socket& socket;  // valid until stream_done
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

asio::awaitable<void> WriteResponse(tcp::socket& socket, HttpResponse& response,
                                    beast::error_code& ec) {
  co_await http::async_write(socket, response, asio::redirect_error(asio::use_awaitable, ec));
}

asio::awaitable<void> WriteStream(tcp::socket& socket, StreamingResponse& response,
                                  const HttpServerOptions& options) {
  beast::error_code ec;
  auto ex = co_await asio::this_coro::executor;
  auto signal = std::make_shared<WakeSignal>(ex, socket);
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
              if (signal->writing) signal->socket.cancel(ignored);
              signal->timer.cancel();
            });
          },
  });
  WatchForHangup(socket, signal);
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
      co_await WriteResponse(socket, refusal, ec);
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
  signal->writing = true;
  co_await http::async_write_header(socket, serializer,
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
      co_await asio::async_write(socket, http::make_chunk(buffers),
                                 asio::redirect_error(asio::use_awaitable, ec));
      signal->writing = false;
      pieces.clear();  // let go of them before waiting
      if (ec) break;
    }
    if (result == ResponseStream::DrainResult::kEnd) {
      co_await asio::async_write(socket, http::make_chunk_last(),
                                 asio::redirect_error(asio::use_awaitable, ec));
      break;
    }
    if (signal->peer_gone) break;
    if (result == ResponseStream::DrainResult::kMore || signal->pending) continue;
    signal->timer.expires_after(options.stream_tick);
    co_await signal->timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (signal->peer_gone) break;
  }
}

}  // namespace

class HttpServer::Connection {
 public:
  static asio::awaitable<void> Serve(tcp::socket socket, const HttpServerOptions& options,
                                     const RequestHandler& handler) {
    beast::flat_buffer buffer;
    beast::error_code ec;
    for (;;) {
      http::request_parser<http::string_body> parser;
      parser.body_limit(options.max_body_bytes);
      parser.header_limit(64 * 1024);
      co_await http::async_read(socket, buffer, parser,
                                asio::redirect_error(asio::use_awaitable, ec));
      if (ec == http::error::body_limit) {
        HttpResponse res = ErrorResponse(413, "RequestEntityTooLarge",
                                         StrCat("the request body is larger than the limit of ",
                                                options.max_body_bytes, " bytes"));
        co_await http::async_write(socket, res, asio::redirect_error(asio::use_awaitable, ec));
        break;
      }
      if (ec) {
        if (ec != http::error::end_of_stream && ec != asio::error::eof &&
            ec != asio::error::connection_reset && ec != asio::error::operation_aborted) {
          HttpResponse res =
              ErrorResponse(400, "BadRequest", "malformed HTTP request: " + ec.message());
          co_await http::async_write(socket, res, asio::redirect_error(asio::use_awaitable, ec));
        }
        break;
      }
      HttpRequest request = parser.release();
      const auto started = std::chrono::steady_clock::now();
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
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started)
                .count());
      }
      if (auto* response = std::get_if<HttpResponse>(&result)) {
        response->version(request.version());
        if (response->keep_alive()) response->keep_alive(request.keep_alive());
        response->prepare_payload();
        co_await http::async_write(socket, *response,
                                   asio::redirect_error(asio::use_awaitable, ec));
        if (ec || !response->keep_alive()) break;
      } else {
        auto& streaming = std::get<StreamingResponse>(result);
        streaming.head.version(request.version());
        co_await WriteStream(socket, streaming, options);
        break;
      }
    }
    socket.shutdown(tcp::socket::shutdown_send, ec);
    socket.close(ec);
  }
};

HttpServer::HttpServer(HttpServerOptions options, RequestHandler handler)
    : options_(std::move(options)), handler_(std::move(handler)), acceptor_(io_) {}

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

  asio::co_spawn(
      io_,
      [this]() -> asio::awaitable<void> {
        for (;;) {
          tcp::socket socket(asio::make_strand(io_));
          beast::error_code accept_ec;
          co_await acceptor_.async_accept(socket,
                                          asio::redirect_error(asio::use_awaitable, accept_ec));
          if (accept_ec) {
            if (stopped_ || !acceptor_.is_open()) co_return;
            continue;  // e.g. too many open files: keep serving the others
          }
          socket.set_option(tcp::no_delay(true), accept_ec);
          auto ex = socket.get_executor();
          asio::co_spawn(ex, Connection::Serve(std::move(socket), options_, handler_),
                         asio::detached);
        }
      },
      asio::detached);

  for (int i = 0; i < std::max(1, options_.threads); ++i) {
    threads_.emplace_back([this] { io_.run(); });
  }
  return port;
}

void HttpServer::Stop() {
  if (stopped_.exchange(true)) return;
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
