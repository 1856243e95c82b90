// API benchmark: its own HTTP client on loopback against a running snapkeep
// server, and the same operations against etcd's JSON gateway as the baseline
// (both stores fsync every write). Measures creates/s, gets/s, listing 10,000
// objects, and 1,000 idle watches receiving one change.
//
//   api_bench --server 127.0.0.1:8080 [--etcd 127.0.0.1:2379] [--objects 10000]
//             [--watchers 1000] [--clients 8]
#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "boost/asio/connect.hpp"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/read_until.hpp"
#include "boost/asio/streambuf.hpp"
#include "boost/asio/write.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/http.hpp"
#include "nlohmann/json.hpp"

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

struct Endpoint {
  std::string host;
  std::string port;
};

Endpoint ParseEndpoint(const std::string& s) {
  const size_t colon = s.rfind(':');
  return {s.substr(0, colon), s.substr(colon + 1)};
}

// One keep-alive connection doing synchronous requests.
class Client {
 public:
  explicit Client(const Endpoint& ep) : socket_(io_) {
    tcp::resolver resolver(io_);
    asio::connect(socket_, resolver.resolve(ep.host, ep.port));
    socket_.set_option(tcp::no_delay(true));
  }
  int Request(http::verb verb, const std::string& target, const std::string& body,
              std::string* response_body = nullptr) {
    http::request<http::string_body> req{verb, target, 11};
    req.set(http::field::host, "bench");
    req.set(http::field::content_type, "application/json");
    req.keep_alive(true);
    req.body() = body;
    req.prepare_payload();
    http::write(socket_, req);
    http::response_parser<http::string_body> parser;
    parser.body_limit(1ull << 32);
    http::read(socket_, buffer_, parser);
    if (response_body) *response_body = std::move(parser.get().body());
    return parser.get().result_int();
  }

 private:
  asio::io_context io_;
  tcp::socket socket_;
  beast::flat_buffer buffer_;
};

std::string Base64(const std::string& in) {
  static const char* kChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  int val = 0, bits = -6;
  for (unsigned char c : in) {
    val = (val << 8) + c;
    bits += 8;
    while (bits >= 0) {
      out.push_back(kChars[(val >> bits) & 0x3F]);
      bits -= 6;
    }
  }
  if (bits > -6) out.push_back(kChars[((val << 8) >> (bits + 8)) & 0x3F]);
  while (out.size() % 4) out.push_back('=');
  return out;
}

std::string ConfigBody(int i) {
  return nlohmann::json{
      {"apiVersion", "kubermatic.k8c.io/v1"},
      {"kind", "EtcdBackupConfig"},
      {"metadata", {{"name", "bench-" + std::to_string(i)}, {"labels", {{"bench", "yes"}}}}},
      {"spec",
       {{"cluster", {{"kind", "Cluster"}, {"name", "bench"}}},
        {"schedule", "@every 20m"},
        {"keep", 20},
        {"destination", "s3"}}}}
      .dump();
}

// Runs fn(client, i) for i in [0, n) over `clients` connections; returns seconds.
template <typename Fn>
double Parallel(const Endpoint& ep, int n, int clients, Fn fn) {
  std::atomic<int> next{0};
  std::atomic<int> failures{0};
  auto start = Clock::now();
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&] {
      Client client(ep);
      for (int i; (i = next++) < n;) {
        if (!fn(client, i)) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  double secs = std::chrono::duration<double>(Clock::now() - start).count();
  if (failures) std::fprintf(stderr, "  (%d requests failed)\n", failures.load());
  return secs;
}

const char* kEbc = "/apis/kubermatic.k8c.io/v1/namespaces/cluster-bench/etcdbackupconfigs";

void BenchWatchers(const Endpoint& ep, int watchers) {
  Client setup(ep);
  std::string body;
  setup.Request(http::verb::get, std::string(kEbc) + "?labelSelector=none", "", &body);
  const std::string rv = nlohmann::json::parse(body)["metadata"]["resourceVersion"];

  asio::io_context io;
  tcp::resolver resolver(io);
  auto endpoints = resolver.resolve(ep.host, ep.port);
  struct Watcher {
    explicit Watcher(asio::io_context& io) : socket(io) {}
    tcp::socket socket;
    asio::streambuf buf;
    std::string request;
  };
  std::vector<std::unique_ptr<Watcher>> ws;
  std::atomic<int> got{0};
  std::atomic<int> failed{0};
  Clock::time_point sent, last;
  const std::string target = std::string(kEbc) + "?watch=true&resourceVersion=" + rv;
  for (int i = 0; i < watchers; ++i) {
    auto w = std::make_unique<Watcher>(io);
    asio::connect(w->socket, endpoints);
    w->request = "GET " + target + " HTTP/1.1\r\nHost: bench\r\n\r\n";
    asio::write(w->socket, asio::buffer(w->request));
    ws.push_back(std::move(w));
  }
  // Every watcher waits for an event line (the chunk carrying it ends in "}\n").
  for (auto& w : ws) {
    asio::async_read_until(w->socket, w->buf, "\"type\":\"", [&](beast::error_code ec, size_t) {
      if (!ec) {
        last = Clock::now();
        ++got;
      } else if (ec != asio::error::operation_aborted) {
        if (failed++ == 0) std::fprintf(stderr, "  watcher failed: %s\n", ec.message().c_str());
      }
    });
  }
  std::thread io_thread([&] { io.run(); });
  std::this_thread::sleep_for(std::chrono::seconds(2));  // all watches established and idle
  sent = Clock::now();
  setup.Request(http::verb::post, kEbc, ConfigBody(999999));
  const auto deadline = Clock::now() + std::chrono::seconds(30);
  while (got < watchers && Clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  const double ms = std::chrono::duration<double, std::milli>(last - sent).count();
  std::printf("watch fan-out: %d/%d idle watchers got the change; last one after %.1f ms\n",
              got.load(), watchers, ms);
  for (auto& w : ws) {
    beast::error_code ec;
    w->socket.close(ec);
  }
  io.stop();
  io_thread.join();
}

}  // namespace

int main(int argc, char** argv) {
  std::string server = "127.0.0.1:8080", etcd;
  int objects = 10000, watchers = 1000, clients = 8;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--server") server = argv[i + 1];
    if (a == "--etcd") etcd = argv[i + 1];
    if (a == "--objects") objects = std::stoi(argv[i + 1]);
    if (a == "--watchers") watchers = std::stoi(argv[i + 1]);
    if (a == "--clients") clients = std::stoi(argv[i + 1]);
  }
  const Endpoint ep = ParseEndpoint(server);
  {
    Client c(ep);
    c.Request(http::verb::post, "/apis/kubermatic.k8c.io/v1/clusters",
              R"({"metadata":{"name":"bench"},"spec":{}})");
  }
  std::printf("%-28s %12s %12s\n", "operation", "snapkeep", "etcd (baseline)");
  double create = Parallel(ep, objects, clients, [](Client& c, int i) {
    return c.Request(http::verb::post, kEbc, ConfigBody(i)) == 201;
  });
  double get = Parallel(ep, objects, clients, [](Client& c, int i) {
    return c.Request(http::verb::get, std::string(kEbc) + "/bench-" + std::to_string(i), "") == 200;
  });
  std::string list_body;
  auto t0 = Clock::now();
  Client(ep).Request(http::verb::get, kEbc, "", &list_body);
  double list = std::chrono::duration<double>(Clock::now() - t0).count();
  const size_t items = nlohmann::json::parse(list_body)["items"].size();

  double e_create = 0, e_get = 0, e_list = 0;
  if (!etcd.empty()) {
    const Endpoint eep = ParseEndpoint(etcd);
    e_create = Parallel(eep, objects, clients, [](Client& c, int i) {
      nlohmann::json body = {{"key", Base64("/bench/ebc/bench-" + std::to_string(i))},
                             {"value", Base64(ConfigBody(i))}};
      return c.Request(http::verb::post, "/v3/kv/put", body.dump()) == 200;
    });
    e_get = Parallel(eep, objects, clients, [](Client& c, int i) {
      nlohmann::json body = {{"key", Base64("/bench/ebc/bench-" + std::to_string(i))}};
      return c.Request(http::verb::post, "/v3/kv/range", body.dump()) == 200;
    });
    auto t1 = Clock::now();
    std::string out;
    Client(eep).Request(
        http::verb::post, "/v3/kv/range",
        nlohmann::json{{"key", Base64("/bench/ebc/")}, {"range_end", Base64("/bench/ebc0")}}.dump(),
        &out);
    e_list = std::chrono::duration<double>(Clock::now() - t1).count();
  }
  auto rate = [](int n, double s) { return s > 0 ? n / s : 0.0; };
  std::printf("%-28s %10.0f/s %10.0f/s\n", "create (fsync each)", rate(objects, create),
              rate(objects, e_create));
  std::printf("%-28s %10.0f/s %10.0f/s\n", "get by name", rate(objects, get), rate(objects, e_get));
  std::printf("%-28s %10.1f ms %10.1f ms   (%zu objects)\n", "list all", list * 1000, e_list * 1000,
              items);
  BenchWatchers(ep, watchers);
  return 0;
}
