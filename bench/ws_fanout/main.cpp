// WebSocket fan-out: N viewers subscribe to a server running a swarm at
// 60 Hz; counts the position frames they get against the ideal N x rate,
// the bytes, the latency from tick to receipt, the server's CPU and RSS and
// the latency from an HTTP POST to the event it causes. The same load runs
// against a minimal Node `ws` broadcast server (bench/node/ws_peer.mjs)
// sending frames of the same layout and size, as the peer.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <nlohmann/json.hpp>

#include "child_process.hpp"

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using json = nlohmann::json;

namespace {

struct params {
  std::string server;
  std::string peer;
  std::vector<uint32_t> clients{1000, 2000};
  uint32_t seconds = 30;
  uint32_t warmup = 3;
  uint32_t agents = 500;
  uint32_t rate = 60;
  uint32_t threads = std::max(1u, std::thread::hardware_concurrency());
  uint32_t probe_ms = 50;
  std::string target = "both";
  /// What our viewers subscribe to: `positions` (frames only, like the
  /// peer; the probe viewer also takes `agent.metrics`) and/or `all`.
  std::vector<std::string> streams{"positions", "all"};
  uint32_t io_threads = 0;
};

int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

/// Latencies in steps of 0.1 ms up to 10 s; slower ones land in the last.
struct latency_histogram {
  static constexpr size_t buckets = 100001;
  std::vector<uint64_t> counts = std::vector<uint64_t>(buckets, 0);
  uint64_t total = 0;
  int64_t max_us = 0;

  void add(int64_t us) {
    us = std::max<int64_t>(us, 0);
    ++counts[std::min<size_t>(static_cast<size_t>(us / 100), buckets - 1)];
    ++total;
    max_us = std::max(max_us, us);
  }

  void merge(const latency_histogram& x) {
    for (size_t i = 0; i < buckets; ++i)
      counts[i] += x.counts[i];
    total += x.total;
    max_us = std::max(max_us, x.max_us);
  }

  /// The q-quantile in milliseconds (upper edge of its bucket).
  double quantile_ms(double q) const {
    if (total == 0)
      return 0;
    auto rank = static_cast<uint64_t>(q * static_cast<double>(total - 1)) + 1;
    uint64_t seen = 0;
    for (size_t i = 0; i < buckets; ++i)
      if ((seen += counts[i]) >= rank)
        return static_cast<double>(i + 1) / 10.0;
    return max_us / 1000.0;
  }
};

/// What one I/O thread saw; touched only by its thread while it runs.
struct worker {
  asio::io_context ioc{1};
  latency_histogram latency;
  uint64_t frames = 0;
  uint64_t parts = 0;
  uint64_t bytes = 0;
  uint64_t min_seq = UINT64_MAX;
  uint64_t max_seq = 0;
};

/// The state every connection shares.
struct run_state {
  uint16_t port = 0;
  std::atomic<bool> measuring{false};
  std::atomic<uint32_t> ready{0};
  std::atomic<uint32_t> failed{0};
  std::atomic<uint32_t> closed{0};
  /// The subscribe message of the probe viewer and of the others.
  std::string probe_subscribe = R"({"type":"subscribe"})";
  std::string subscribe = R"({"type":"subscribe"})";
  // Probe: send times by probe number, and the latencies seen.
  uint32_t probe_agent = 0;
  std::vector<std::atomic<int64_t>> probe_sent;
  std::mutex probe_mtx;
  latency_histogram probe_latency;

  explicit run_state(size_t probes) : probe_sent(probes) {}
};

/// One viewer: connects, subscribes and reads until the run ends.
class viewer : public std::enable_shared_from_this<viewer> {
public:
  viewer(worker& w, run_state& st, bool probe)
    : w_(w), st_(st), probe_(probe), ws_(asio::make_strand(w.ioc)) {}

  void start() {
    auto ep = tcp::endpoint{asio::ip::make_address("127.0.0.1"), st_.port};
    beast::get_lowest_layer(ws_).expires_after(std::chrono::seconds{30});
    beast::get_lowest_layer(ws_).async_connect(
      ep, [self = shared_from_this()](beast::error_code err) {
        if (err)
          return self->fail();
        beast::get_lowest_layer(self->ws_).expires_never();
        self->ws_.set_option(
          websocket::stream_base::timeout::suggested(beast::role_type::client));
        self->ws_.async_handshake("127.0.0.1:" + std::to_string(self->st_.port),
                                  "/ws", [self](beast::error_code err) {
                                    if (err)
                                      return self->fail();
                                    self->subscribe();
                                  });
      });
  }

  void stop() {
    asio::post(ws_.get_executor(), [self = shared_from_this()] {
      beast::get_lowest_layer(self->ws_).close();
    });
  }

private:
  void subscribe() {
    ws_.text(true);
    auto msg = std::make_shared<std::string>(probe_ ? st_.probe_subscribe
                                                    : st_.subscribe);
    ws_.async_write(asio::buffer(*msg), [self = shared_from_this(),
                                         msg](beast::error_code err, size_t) {
      if (err)
        return self->fail();
      ++self->st_.ready;
      self->read();
    });
  }

  void read() {
    ws_.async_read(
      buf_, [self = shared_from_this()](beast::error_code err, size_t n) {
        if (err) {
          ++self->st_.closed;
          return;
        }
        self->on_message(n);
        self->buf_.consume(self->buf_.size());
        self->read();
      });
  }

  void on_message(size_t n) {
    if (!st_.measuring.load(std::memory_order_relaxed))
      return;
    auto data = static_cast<const unsigned char*>(buf_.data().data());
    w_.bytes += n;
    if (!ws_.got_binary()) {
      if (probe_)
        on_text(std::string{reinterpret_cast<const char*>(data), n});
      return;
    }
    if (n < 36 || std::memcmp(data, "AVPF", 4) != 0)
      return;
    uint64_t seq = 0;
    uint64_t tick_ms = 0;
    uint32_t part = 0;
    uint32_t parts = 0;
    std::memcpy(&seq, data + 8, 8);
    std::memcpy(&tick_ms, data + 16, 8);
    std::memcpy(&part, data + 24, 4);
    std::memcpy(&parts, data + 28, 4);
    ++w_.parts;
    w_.latency.add(now_us() - static_cast<int64_t>(tick_ms) * 1000);
    w_.min_seq = std::min(w_.min_seq, seq);
    w_.max_seq = std::max(w_.max_seq, seq);
    if (part + 1 == parts)
      ++w_.frames;
  }

  void on_text(const std::string& text) {
    if (text.find("agent.metrics") == std::string::npos)
      return;
    auto x = json::parse(text, nullptr, false);
    if (!x.is_object() || x.value("type", "") != "agent.metrics")
      return;
    auto& data = x["data"];
    if (data.value("numId", 0u) != st_.probe_agent)
      return;
    auto k = data["metrics"].value("tasksCompleted", -1.0);
    if (k < 0 || static_cast<size_t>(k) >= st_.probe_sent.size())
      return;
    auto sent = st_.probe_sent[static_cast<size_t>(k)].load();
    if (sent == 0)
      return;
    std::lock_guard<std::mutex> guard{st_.probe_mtx};
    st_.probe_latency.add(now_us() - sent);
  }

  void fail() { ++st_.failed; }

  worker& w_;
  run_state& st_;
  bool probe_;
  websocket::stream<beast::tcp_stream> ws_;
  beast::flat_buffer buf_;
};

/// A blocking HTTP client for the probe's requests.
class http_client {
public:
  explicit http_client(uint16_t port) : port_(port), sock_(ioc_) {
    sock_.connect({asio::ip::make_address("127.0.0.1"), port_});
  }

  /// Sends a request; returns the status and the body.
  std::pair<int, std::string> send(beast::http::verb v,
                                   const std::string& target,
                                   const std::string& body) {
    try {
      return send_once(v, target, body);
    } catch (const boost::system::system_error&) {
      // The server ends keep-alive connections after a number of requests.
      sock_ = tcp::socket{ioc_};
      sock_.connect({asio::ip::make_address("127.0.0.1"), port_});
      buf_.clear();
      return send_once(v, target, body);
    }
  }

private:
  std::pair<int, std::string> send_once(beast::http::verb v,
                                        const std::string& target,
                                        const std::string& body) {
    beast::http::request<beast::http::string_body> req{v, target, 11};
    req.set(beast::http::field::host, "127.0.0.1");
    req.set(beast::http::field::content_type, "application/json");
    req.body() = body;
    req.prepare_payload();
    beast::http::write(sock_, req);
    beast::http::response<beast::http::string_body> res;
    beast::http::read(sock_, buf_, res);
    return {res.result_int(), res.body()};
  }

  uint16_t port_;
  asio::io_context ioc_;
  tcp::socket sock_;
  beast::flat_buffer buf_;
};

struct result {
  std::string server;
  std::string stream = "positions";
  uint32_t clients = 0;
  uint32_t connected = 0;
  double seconds = 0;
  uint64_t frames = 0;
  uint64_t bytes = 0;
  uint64_t produced = 0;
  latency_histogram latency;
  latency_histogram probe;
  double cpu_cores = 0;
  uint64_t rss_kb = 0;
  uint64_t closed = 0;
};

/// Runs `clients` viewers against `port` for the measured window.
result measure(const params& p, uint32_t clients, uint16_t port,
               uint16_t api_port, pid_t server_pid,
               const std::string& stream) {
  auto probes = static_cast<size_t>(p.seconds + p.warmup + 5) * 1000
                / std::max(1u, p.probe_ms);
  run_state st{probes};
  st.port = port;
  if (stream == "positions") {
    st.subscribe = R"({"type":"subscribe","events":[]})";
    st.probe_subscribe = R"({"type":"subscribe","events":["agent.metrics"]})";
  }
  std::unique_ptr<http_client> api;
  std::string probe_id;
  if (api_port != 0) {
    api = std::make_unique<http_client>(api_port);
    auto [status, body]
      = api->send(beast::http::verb::post, "/api/agents",
                  R"({"type":"monitor","name":"fanout-probe"})");
    if (status != 201)
      throw std::runtime_error("cannot spawn the probe agent: " + body);
    auto x = json::parse(body);
    probe_id = x["id"].get<std::string>();
    st.probe_agent = x["numId"].get<uint32_t>();
  }
  std::vector<std::unique_ptr<worker>> workers;
  for (uint32_t i = 0; i < p.threads; ++i)
    workers.push_back(std::make_unique<worker>());
  std::vector<std::shared_ptr<viewer>> viewers;
  for (uint32_t i = 0; i < clients; ++i) {
    auto v = std::make_shared<viewer>(*workers[i % p.threads], st, i == 0);
    viewers.push_back(v);
    v->start();
  }
  std::vector<std::thread> threads;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>>
    guards;
  for (auto& w : workers) {
    guards.emplace_back(w->ioc.get_executor());
    threads.emplace_back([&w] { w->ioc.run(); });
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{60};
  while (st.ready + st.failed < clients
         && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds{20});
  std::this_thread::sleep_for(std::chrono::seconds{p.warmup});
  auto cpu0 = child_process::cpu_seconds(server_pid);
  auto t0 = std::chrono::steady_clock::now();
  st.measuring = true;
  auto end = t0 + std::chrono::seconds{p.seconds};
  uint32_t k = 0;
  while (std::chrono::steady_clock::now() < end) {
    if (api && k < st.probe_sent.size()) {
      st.probe_sent[k] = now_us();
      auto [status, body] = api->send(
        beast::http::verb::post, "/api/agents/" + probe_id + "/metrics",
        R"({"successRate":1,"averageResponseTime":1,"resourceUtilization":0,)"
        R"("tasksCompleted":)"
          + std::to_string(k) + "}");
      if (status != 200)
        throw std::runtime_error("the probe's metrics report failed: " + body);
      ++k;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds{p.probe_ms});
  }
  st.measuring = false;
  result r;
  r.seconds
    = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
        .count();
  r.cpu_cores = (child_process::cpu_seconds(server_pid) - cpu0) / r.seconds;
  r.rss_kb = child_process::rss_kb(server_pid);
  r.clients = clients;
  r.connected = st.ready;
  r.closed = st.closed;
  for (auto& v : viewers)
    v->stop();
  guards.clear();
  for (auto& t : threads)
    t.join();
  uint64_t min_seq = UINT64_MAX;
  uint64_t max_seq = 0;
  for (auto& w : workers) {
    r.frames += w->frames;
    r.bytes += w->bytes;
    r.latency.merge(w->latency);
    min_seq = std::min(min_seq, w->min_seq);
    max_seq = std::max(max_seq, w->max_seq);
  }
  r.produced = max_seq >= min_seq ? max_seq - min_seq + 1 : 0;
  r.probe = st.probe_latency;
  if (api)
    api->send(beast::http::verb::delete_, "/api/agents/" + probe_id, "");
  return r;
}

void print(const params& p, const result& r) {
  auto ideal = static_cast<double>(r.clients) * p.rate * r.seconds;
  std::printf("%-6s %-9s %5u clients (%u connected): %.1f%% of %u x %u Hz "
              "delivered (%.0f frames/s, %.1f MB/s), tick to receipt p50 "
              "%.1f ms p99 %.1f ms max %.1f ms; server %.0f%% of a core, "
              "RSS %.0f MB, %.1f ticks/s produced",
              r.server.c_str(), r.stream.c_str(), r.clients, r.connected,
              100.0 * static_cast<double>(r.frames) / ideal, r.clients, p.rate,
              static_cast<double>(r.frames) / r.seconds,
              static_cast<double>(r.bytes) / r.seconds / 1e6,
              r.latency.quantile_ms(0.5), r.latency.quantile_ms(0.99),
              r.latency.max_us / 1000.0, r.cpu_cores * 100,
              static_cast<double>(r.rss_kb) / 1024,
              static_cast<double>(r.produced) / r.seconds);
  if (r.probe.total > 0)
    std::printf("; POST to event p50 %.1f ms p99 %.1f ms (%llu probes)",
                r.probe.quantile_ms(0.5), r.probe.quantile_ms(0.99),
                static_cast<unsigned long long>(r.probe.total));
  std::printf("\n");
}

json to_json(const params& p, const result& r, const char* what, double value,
             const char* unit) {
  return json{{"bench", "ws_fanout"},
              {"params",
               {{"server", r.server},
                {"stream", r.stream},
                {"clients", r.clients},
                {"agents", p.agents},
                {"rate_hz", p.rate},
                {"seconds", p.seconds},
                {"metric", what}}},
              {"value", value},
              {"unit", unit}};
}

std::vector<json> lines(const params& p, const result& r) {
  auto ideal = static_cast<double>(r.clients) * p.rate * r.seconds;
  std::vector<json> out{
    to_json(p, r, "delivered", 100.0 * static_cast<double>(r.frames) / ideal,
            "percent"),
    to_json(p, r, "tick_to_receipt_p50", r.latency.quantile_ms(0.5), "ms"),
    to_json(p, r, "tick_to_receipt_p99", r.latency.quantile_ms(0.99), "ms"),
    to_json(p, r, "tick_to_receipt_max", r.latency.max_us / 1000.0, "ms"),
    to_json(p, r, "bytes_per_second", static_cast<double>(r.bytes) / r.seconds,
            "B/s"),
    to_json(p, r, "server_cpu", r.cpu_cores * 100, "percent_of_core"),
    to_json(p, r, "server_rss", static_cast<double>(r.rss_kb) / 1024, "MB")};
  if (r.probe.total > 0)
    out.push_back(
      to_json(p, r, "post_to_event_p99", r.probe.quantile_ms(0.99), "ms"));
  return out;
}

/// Lets both sides hold thousands of sockets.
void raise_fd_limit() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0) {
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
  }
}

} // namespace

int main(int argc, char** argv) {
  params p;
  auto exe_dir = child_process::dir_of_self();
  p.server = exe_dir + "/../runtime/agent-server";
  p.peer = AV_SOURCE_DIR "/bench/node/ws_peer.mjs";
  CLI::App app{"WebSocket fan-out: frames delivered, latency, server CPU and "
               "RSS for N viewers, against agent-server and a Node ws peer"};
  app.add_option("--server", p.server, "agent-server binary");
  app.add_option("--peer", p.peer, "the Node ws broadcast server script");
  app
    .add_option("--clients", p.clients, "viewer counts to run, e.g. 1000,2000")
    ->delimiter(',');
  app.add_option("--seconds", p.seconds, "measured seconds per run");
  app.add_option("--warmup", p.warmup, "seconds before measuring");
  app.add_option("--agents", p.agents, "agents in the swarm / peer frames");
  app.add_option("--rate", p.rate, "ticks per second");
  app.add_option("--threads", p.threads, "client I/O threads");
  app.add_option("--probe-ms", p.probe_ms,
                 "interval of the POST-to-event probe");
  app.add_option("--target", p.target, "both, ours or peer")
    ->check(CLI::IsMember({"both", "ours", "peer"}));
  app
    .add_option("--streams", p.streams,
                "what our viewers subscribe to: positions (frames only, as "
                "the peer sends), all (frames and events), or both")
    ->delimiter(',')
    ->check(CLI::IsMember({"positions", "all"}));
  app.add_option("--io-threads", p.io_threads,
                 "the server's WS_IO_THREADS (0: its default, one per core)");
  CLI11_PARSE(app, argc, argv);
  raise_fd_limit();
  std::signal(SIGPIPE, SIG_IGN);
  std::vector<json> out;
  std::vector<result> ours;
  std::vector<result> peers;
  for (auto n : p.clients) {
    for (auto& stream : p.streams) {
      if (p.target == "peer")
        break;
      auto srv = child_process::agent_server(p.server, p.agents, p.rate, n,
                                             p.io_threads);
      auto r = measure(p, n, srv.ws_port, srv.api_port, srv.pid(), stream);
      r.server = "ours";
      r.stream = stream;
      print(p, r);
      ours.push_back(r);
    }
    if (p.target != "ours") {
      auto peer = child_process::node_peer(p.peer, p.agents, p.rate);
      auto r = measure(p, n, peer.ws_port, 0, peer.pid(), "positions");
      r.server = "peer";
      print(p, r);
      peers.push_back(r);
    }
  }
  std::vector<json> ratios;
  for (auto& o : ours)
    for (auto& q : peers)
      if (q.clients == o.clients) {
        auto cpu = q.cpu_cores > 0 ? o.cpu_cores / q.cpu_cores : 0.0;
        ratios.push_back(to_json(p, o, "server_cpu_ratio_to_peer", cpu,
                                 "ratio"));
        std::printf("ratio at %u clients (%s): server CPU ours/peer %.2f, "
                    "delivered ours/peer %.2f\n",
                    o.clients, o.stream.c_str(), cpu,
                    q.frames > 0 ? static_cast<double>(o.frames)
                                     / static_cast<double>(q.frames)
                                 : 0.0);
      }
  for (auto& r : ours)
    for (auto& x : lines(p, r))
      std::printf("%s\n", x.dump().c_str());
  for (auto& r : peers)
    for (auto& x : lines(p, r))
      std::printf("%s\n", x.dump().c_str());
  for (auto& x : ratios)
    std::printf("%s\n", x.dump().c_str());
  return 0;
}
