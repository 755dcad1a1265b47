// WebSocket fan-out: N viewers subscribe to a server running a swarm at
// 60 Hz; counts the position frames they get against the ideal N x rate,
// the bytes, the latency from tick to receipt, the server's CPU and RSS and
// the latency from an HTTP POST to the event it causes. The same load runs
// against a minimal Node `ws` broadcast server (bench/node/ws_peer.mjs)
// sending frames of the same layout and size, as the peer. The viewers are a
// lean epoll client (viewer_client.hpp) so that the client's own CPU, which
// it shares with the server under test, limits the figures as little as
// possible; its share is reported too. The send floor (floor_server.hpp),
// a server that does nothing but write the frames, runs under the same load
// to show the least CPU any server can spend on the machine.

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
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

#include "child_process.hpp"
#include "floor_server.hpp"
#include "viewer_client.hpp"

namespace asio = boost::asio;
namespace beast = boost::beast;
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
  /// Which servers to run: ours, peer, floor (the send floor).
  std::vector<std::string> targets{"ours", "peer", "floor"};
  /// How the send floor writes: sendmsg and/or io_uring.
  std::vector<std::string> floor_writes{"sendmsg", "io_uring"};
  /// The send floor's writing threads (one per core, like WS_IO_THREADS).
  uint32_t floor_threads = std::max(1u, std::thread::hardware_concurrency());
  /// What our viewers subscribe to: `positions` (frames only, like the
  /// peer; the probe viewer also takes `agent.metrics`) and/or `all`.
  std::vector<std::string> streams{"positions", "all"};
  uint32_t io_threads = 0;
  /// SO_RCVBUF of the viewers' sockets; 0 leaves the kernel's autotuning.
  uint32_t rcvbuf = 0;
  /// The frame format our viewers ask for and the peer sends.
  std::string format = "float";
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

/// What one viewer thread saw; touched only by its thread while it runs.
struct worker {
  latency_histogram latency;
  uint64_t frames = 0;
  uint64_t parts = 0;
  uint64_t bytes = 0;
  uint64_t min_seq = UINT64_MAX;
  uint64_t max_seq = 0;
};

/// The frame layout a run expects (docs/protocol.md, "Position frames").
struct frame_layout {
  std::string format;
  /// Flag bit 1: quantized records.
  uint8_t quantized_flag;
  size_t header_bytes;
  size_t record_bytes;
};

frame_layout layout_of(const std::string& format) {
  if (format == "quantized")
    return {format, 2, 44, 16};
  return {format, 0, 36, 28};
}

/// The state every viewer shares.
struct run_state {
  frame_layout layout;
  std::atomic<bool> measuring{false};
  // What makes the run meaningless: frames of another layout, or a
  // subscribe the server refused. The first one is kept to report.
  std::atomic<uint64_t> problems{0};
  std::mutex problem_mtx;
  std::string problem;
  // Probe: send times by probe number, and the latencies seen.
  uint32_t probe_agent = 0;
  std::vector<std::atomic<int64_t>> probe_sent;
  std::mutex probe_mtx;
  latency_histogram probe_latency;

  run_state(size_t probes, frame_layout layout)
    : layout(std::move(layout)), probe_sent(probes) {}

  void report(std::string what) {
    if (problems++ > 0)
      return;
    std::lock_guard<std::mutex> guard{problem_mtx};
    problem = std::move(what);
  }
};

/// Checks a position frame against the layout asked for.
bool well_formed(const frame_layout& layout, const ws_frame::message& msg) {
  auto data = reinterpret_cast<const unsigned char*>(msg.data.data());
  return msg.size >= layout.header_bytes && std::memcmp(data, "AVPF", 4) == 0
         && data[4] == 1 && (data[5] & 2) == layout.quantized_flag
         && (msg.size - layout.header_bytes) % layout.record_bytes == 0;
}

std::string describe_frame(const ws_frame::message& msg) {
  auto data = reinterpret_cast<const unsigned char*>(msg.data.data());
  if (msg.size < 8 || std::memcmp(data, "AVPF", 4) != 0)
    return "a " + std::to_string(msg.size)
           + "-byte binary message that is "
             "not a position frame";
  char flags[8];
  std::snprintf(flags, sizeof flags, "0x%02x", data[5]);
  return "a " + std::to_string(msg.size) + "-byte frame, version "
         + std::to_string(data[4]) + ", flags " + flags;
}

void on_text(run_state& st, const std::string_view& text);

/// One message to one viewer, on its thread.
void on_message(worker& w, run_state& st, bool probe,
                const ws_frame::message& msg) {
  if (!msg.binary) {
    // Control messages reach every viewer: an error means the server
    // refused something in the subscribe message.
    if (!msg.data.empty() && msg.data.front() == '{'
        && msg.data.find(R"("type":"error")") != std::string_view::npos)
      st.report("the server answered the subscribe message with "
                + std::string{msg.data});
    if (st.measuring.load(std::memory_order_relaxed)) {
      w.bytes += msg.size;
      if (probe)
        on_text(st, msg.data);
    }
    return;
  }
  if (!well_formed(st.layout, msg)) {
    st.report("asked for " + st.layout.format + " frames ("
              + std::to_string(st.layout.header_bytes) + " + "
              + std::to_string(st.layout.record_bytes)
              + " x agents bytes, flag bit 1 "
              + (st.layout.quantized_flag != 0 ? "set" : "clear")
              + ") but received " + describe_frame(msg)
              + ": the server does not send the format asked for");
    return;
  }
  if (!st.measuring.load(std::memory_order_relaxed))
    return;
  w.bytes += msg.size;
  auto data = msg.data.data();
  uint64_t seq = 0;
  uint64_t tick_ms = 0;
  uint32_t part = 0;
  uint32_t parts = 0;
  std::memcpy(&seq, data + 8, 8);
  std::memcpy(&tick_ms, data + 16, 8);
  std::memcpy(&part, data + 24, 4);
  std::memcpy(&parts, data + 28, 4);
  ++w.parts;
  w.latency.add(now_us() - static_cast<int64_t>(tick_ms) * 1000);
  w.min_seq = std::min(w.min_seq, seq);
  w.max_seq = std::max(w.max_seq, seq);
  if (part + 1 == parts)
    ++w.frames;
}

/// The probe viewer's events: the latency of each probe's metrics report.
void on_event(run_state& st, const json& x) {
  if (!x.is_object() || x.value("type", "") != "agent.metrics")
    return;
  auto& data = x["data"];
  if (data.value("numId", 0u) != st.probe_agent)
    return;
  auto k = data["metrics"].value("tasksCompleted", -1.0);
  if (k < 0 || static_cast<size_t>(k) >= st.probe_sent.size())
    return;
  auto sent = st.probe_sent[static_cast<size_t>(k)].load();
  if (sent == 0)
    return;
  std::lock_guard<std::mutex> guard{st.probe_mtx};
  st.probe_latency.add(now_us() - sent);
}

void on_text(run_state& st, const std::string_view& text) {
  if (text.find("agent.metrics") == std::string_view::npos)
    return;
  auto x = json::parse(text.begin(), text.end(), nullptr, false);
  // Events that piled up come as one array.
  if (x.is_array())
    for (auto& e : x)
      on_event(st, e);
  else
    on_event(st, x);
}

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
  /// This process (the viewers and the probe's HTTP client); the server
  /// under test is another process.
  double client_cpu_cores = 0;
  uint64_t rss_kb = 0;
  uint64_t closed = 0;
};

/// CPU seconds (user + system) of this process, all threads.
double own_cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  auto seconds = [](const timeval& tv) {
    return static_cast<double>(tv.tv_sec)
           + static_cast<double>(tv.tv_usec) / 1e6;
  };
  return seconds(ru.ru_utime) + seconds(ru.ru_stime);
}

/// Stops a run whose frames or subscription are not what was asked for.
void check(run_state& st, const std::string& server) {
  if (st.problems == 0)
    return;
  std::lock_guard<std::mutex> guard{st.problem_mtx};
  throw std::runtime_error(server + ": " + st.problem);
}

/// The subscribe message of a viewer: `events` null for all of them.
std::string subscribe_message(const std::string& format, const json& events) {
  json msg{{"type", "subscribe"}, {"format", format}};
  if (!events.is_null())
    msg["events"] = events;
  return msg.dump();
}

/// Runs `clients` viewers against `port` for the measured window.
result measure(const params& p, uint32_t clients, uint16_t port,
               uint16_t api_port, pid_t server_pid, const std::string& server,
               const std::string& stream) {
  auto probes = static_cast<size_t>(p.seconds + p.warmup + 5) * 1000
                / std::max(1u, p.probe_ms);
  run_state st{probes, layout_of(p.format)};
  viewer_client::options opts;
  opts.port = port;
  opts.viewers = clients;
  opts.threads = p.threads;
  opts.rcvbuf = static_cast<int>(p.rcvbuf);
  opts.subscribe = subscribe_message(p.format, json{});
  opts.probe_subscribe = opts.subscribe;
  if (stream == "positions") {
    opts.subscribe = subscribe_message(p.format, json::array());
    opts.probe_subscribe
      = subscribe_message(p.format, json::array({"agent.metrics"}));
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
  for (uint32_t i = 0; i < std::max(1u, p.threads); ++i)
    workers.push_back(std::make_unique<worker>());
  viewer_client::pool viewers{
    opts, [&](uint32_t thread, bool probe, const ws_frame::message& msg) {
      on_message(*workers[thread], st, probe, msg);
    }};
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{60};
  while (viewers.ready() + viewers.failed() < clients
         && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds{20});
  if (viewers.failed() > 0)
    std::fprintf(stderr,
                 "%s: %u of %u viewers failed to subscribe; the first: %s\n",
                 server.c_str(), viewers.failed(), clients,
                 viewers.first_problem().c_str());
  std::this_thread::sleep_for(std::chrono::seconds{p.warmup});
  check(st, server);
  auto cpu0 = child_process::cpu_seconds(server_pid);
  auto own0 = own_cpu_seconds();
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
  r.server = server;
  r.stream = stream;
  r.seconds
    = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
        .count();
  r.cpu_cores = (child_process::cpu_seconds(server_pid) - cpu0) / r.seconds;
  r.client_cpu_cores = (own_cpu_seconds() - own0) / r.seconds;
  r.rss_kb = child_process::rss_kb(server_pid);
  r.clients = clients;
  r.connected = viewers.ready();
  r.closed = viewers.closed();
  auto closed_why = viewers.first_problem();
  viewers.stop();
  check(st, server);
  if (r.closed > 0)
    std::fprintf(stderr,
                 "%s: %llu viewers were closed; the first problem: %s\n",
                 server.c_str(), static_cast<unsigned long long>(r.closed),
                 closed_why.c_str());
  uint64_t min_seq = UINT64_MAX;
  uint64_t max_seq = 0;
  uint64_t parts = 0;
  for (auto& w : workers) {
    r.frames += w->frames;
    r.bytes += w->bytes;
    parts += w->parts;
    r.latency.merge(w->latency);
    min_seq = std::min(min_seq, w->min_seq);
    max_seq = std::max(max_seq, w->max_seq);
  }
  if (parts == 0)
    throw std::runtime_error(server + ": no position frame reached any of "
                             + std::to_string(r.connected)
                             + " subscribed viewers");
  r.produced = max_seq >= min_seq ? max_seq - min_seq + 1 : 0;
  r.probe = st.probe_latency;
  if (api)
    api->send(beast::http::verb::delete_, "/api/agents/" + probe_id, "");
  return r;
}

void print(const params& p, const result& r) {
  auto ideal = static_cast<double>(r.clients) * p.rate * r.seconds;
  std::printf(
    "%-6s %-9s %5u clients (%u connected): %.1f%% of %u x %u Hz "
    "delivered (%.0f frames/s, %.1f MB/s), tick to receipt p50 "
    "%.1f ms p99 %.1f ms max %.1f ms; server %.0f%% of a core, "
    "RSS %.0f MB, %.1f ticks/s produced; client %.0f%% of a "
    "core",
    r.server.c_str(), r.stream.c_str(), r.clients, r.connected,
    100.0 * static_cast<double>(r.frames) / ideal, r.clients, p.rate,
    static_cast<double>(r.frames) / r.seconds,
    static_cast<double>(r.bytes) / r.seconds / 1e6, r.latency.quantile_ms(0.5),
    r.latency.quantile_ms(0.99), r.latency.max_us / 1000.0, r.cpu_cores * 100,
    static_cast<double>(r.rss_kb) / 1024,
    static_cast<double>(r.produced) / r.seconds, r.client_cpu_cores * 100);
  if (r.probe.total > 0)
    std::printf("; POST to event p50 %.1f ms p99 %.1f ms (%llu probes)",
                r.probe.quantile_ms(0.5), r.probe.quantile_ms(0.99),
                static_cast<unsigned long long>(r.probe.total));
  std::printf("\n");
}

json to_json(const params& p, const result& r, const char* what, double value,
             const char* unit) {
  json params{{"server", r.server},   {"stream", r.stream},
              {"clients", r.clients}, {"agents", p.agents},
              {"rate_hz", p.rate},    {"seconds", p.seconds},
              {"metric", what}};
  // Only where they differ from the defaults, so that default runs keep the
  // keys of earlier ones.
  if (p.format != "float")
    params["format"] = p.format;
  if (p.rcvbuf != 0)
    params["rcvbuf"] = p.rcvbuf;
  return json{{"bench", "ws_fanout"},
              {"params", params},
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
    to_json(p, r, "server_rss", static_cast<double>(r.rss_kb) / 1024, "MB"),
    to_json(p, r, "client_cpu", r.client_cpu_cores * 100, "percent_of_core")};
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

bool wants(const params& p, const char* target) {
  return std::find(p.targets.begin(), p.targets.end(), target)
         != p.targets.end();
}

/// Every run, printed as it ends, then the JSON lines.
void run(const params& p) {
  std::vector<result> rows;
  std::vector<result> peers;
  auto record_bytes = layout_of(p.format).record_bytes;
  for (auto n : p.clients) {
    for (auto& stream : p.streams) {
      if (!wants(p, "ours"))
        break;
      auto srv = child_process::agent_server(p.server, p.agents, p.rate, n,
                                             p.io_threads);
      rows.push_back(
        measure(p, n, srv.ws_port, srv.api_port, srv.pid(), "ours", stream));
      print(p, rows.back());
    }
    if (wants(p, "peer")) {
      auto peer
        = child_process::node_peer(p.peer, p.agents, p.rate, record_bytes);
      peers.push_back(
        measure(p, n, peer.ws_port, 0, peer.pid(), "peer", "positions"));
      print(p, peers.back());
    }
    for (auto& writes : p.floor_writes) {
      if (!wants(p, "floor"))
        break;
      auto srv = child_process::floor(p.agents, p.rate, record_bytes, writes,
                                      p.floor_threads);
      auto name = writes == "sendmsg" ? "floor" : "floor_uring";
      rows.push_back(
        measure(p, n, srv.ws_port, 0, srv.pid(), name, "positions"));
      print(p, rows.back());
    }
  }
  std::vector<json> ratios;
  for (auto& o : rows)
    for (auto& q : peers)
      if (q.clients == o.clients) {
        auto cpu = q.cpu_cores > 0 ? o.cpu_cores / q.cpu_cores : 0.0;
        ratios.push_back(
          to_json(p, o, "server_cpu_ratio_to_peer", cpu, "ratio"));
        std::printf("ratio at %u clients (%s %s): server CPU %s/peer %.2f, "
                    "delivered %s/peer %.2f\n",
                    o.clients, o.server.c_str(), o.stream.c_str(),
                    o.server.c_str(), cpu, o.server.c_str(),
                    q.frames > 0 ? static_cast<double>(o.frames)
                                     / static_cast<double>(q.frames)
                                 : 0.0);
      }
  for (auto* group : {&rows, &peers})
    for (auto& r : *group)
      for (auto& x : lines(p, r))
        std::printf("%s\n", x.dump().c_str());
  for (auto& x : ratios)
    std::printf("%s\n", x.dump().c_str());
}

} // namespace

int main(int argc, char** argv) {
  params p;
  auto exe_dir = child_process::dir_of_self();
  p.server = exe_dir + "/../runtime/agent-server";
  p.peer = AV_SOURCE_DIR "/bench/node/ws_peer.mjs";
  CLI::App app{"WebSocket fan-out: frames delivered, latency, server CPU and "
               "RSS for N viewers, against agent-server, a Node ws peer and "
               "the send floor, with the load client's own CPU"};
  app.add_option("--server", p.server, "agent-server binary");
  app.add_option("--peer", p.peer, "the Node ws broadcast server script");
  app
    .add_option("--clients", p.clients, "viewer counts to run, e.g. 1000,2000")
    ->delimiter(',');
  app.add_option("--seconds", p.seconds, "measured seconds per run");
  app.add_option("--warmup", p.warmup, "seconds before measuring");
  app.add_option("--agents", p.agents, "agents in the swarm / peer frames");
  app.add_option("--rate", p.rate, "ticks per second");
  app.add_option("--threads", p.threads,
                 "viewer threads, each with an epoll set of its viewers' "
                 "sockets (default: one per core)");
  app.add_option("--probe-ms", p.probe_ms,
                 "interval of the POST-to-event probe");
  app
    .add_option("--target", p.targets,
                "servers to run, e.g. ours,peer: ours (agent-server), peer "
                "(the Node ws server), floor (the send floor: a server that "
                "only writes each viewer its frame, the least CPU any server "
                "can spend on this machine)")
    ->delimiter(',')
    ->check(CLI::IsMember({"ours", "peer", "floor"}));
  app
    .add_option("--floor-writes", p.floor_writes,
                "how the send floor writes: sendmsg (one system call per "
                "viewer) and/or io_uring (one submission per tick and "
                "thread; left out, with a note, where unavailable)")
    ->delimiter(',')
    ->check(CLI::IsMember({"sendmsg", "io_uring"}));
  app
    .add_option("--floor-threads", p.floor_threads,
                "the send floor's writing threads (default: one per core)")
    ->check(CLI::Range(1u, 1024u));
  floor_server::options floor;
  auto* serve = app.add_subcommand(
    "floor-server", "serve as the send floor (the benchmark starts it)");
  serve->add_option("--port", floor.port, "port on 127.0.0.1")->required();
  serve->add_option("--agents", floor.agents, "agents per frame");
  serve->add_option("--rate", floor.rate, "ticks per second");
  serve
    ->add_option("--record-bytes", floor.record_bytes,
                 "28 (float layout) or 16 (quantized)")
    ->check(CLI::IsMember({28, 16}));
  serve->add_option("--writes", floor.writes, "sendmsg or io_uring")
    ->check(CLI::IsMember({"sendmsg", "io_uring"}));
  serve
    ->add_option("--threads", floor.threads,
                 "writing threads, each ticking for its share of the viewers")
    ->check(CLI::Range(1u, 1024u));
  app
    .add_option("--streams", p.streams,
                "what our viewers subscribe to: positions (frames only, as "
                "the peer sends), all (frames and events), or both")
    ->delimiter(',')
    ->check(CLI::IsMember({"positions", "all"}));
  app.add_option("--io-threads", p.io_threads,
                 "the server's WS_IO_THREADS (0: its default, one per core)");
  app
    .add_option("--rcvbuf", p.rcvbuf,
                "SO_RCVBUF of every viewer socket in bytes, set before "
                "connecting (0: the kernel's autotuning)")
    ->check(CLI::Range(0u, 1u << 30));
  app
    .add_option("--format", p.format,
                "frame format: sent as \"format\" in our viewers' subscribe "
                "message, and the peer sends frames of that layout and size "
                "(float: 36 + 28 x agents bytes; quantized: 44 + 16 x "
                "agents, flag bit 1); a run stops with an error when the "
                "frames received are not of that layout")
    ->check(CLI::IsMember({"float", "quantized"}));
  CLI11_PARSE(app, argc, argv);
  raise_fd_limit();
  std::signal(SIGPIPE, SIG_IGN);
  if (*serve)
    return floor_server::serve(floor);
  auto uring = std::find(p.floor_writes.begin(), p.floor_writes.end(),
                         std::string{"io_uring"});
  if (uring != p.floor_writes.end()) {
    auto why = floor_server::io_uring_unavailable();
    if (!why.empty()) {
      std::fprintf(stderr, "ws_fanout: no io_uring send floor: %s\n",
                   why.c_str());
      p.floor_writes.erase(uring);
    }
  }
  try {
    run(p);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ws_fanout: %s\n", e.what());
    return 1;
  }
  return 0;
}
