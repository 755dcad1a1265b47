#include "av/telemetry/tracing.hpp"

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <stdexcept>
#include <thread>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "av/base/endpoint.hpp"
#include "av/base/log.hpp"

namespace av::tracing {

namespace {

namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace asio = boost::asio;

int hex_digit(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  return -1;
}

/// Lower-case hex into `out`; false for anything else or all zeros.
template <std::size_t N>
bool read_hex(std::string_view x, std::array<std::uint8_t, N>& out) {
  if (x.size() != 2 * N)
    return false;
  bool nonzero = false;
  for (std::size_t i = 0; i < N; ++i) {
    auto hi = hex_digit(x[2 * i]);
    auto lo = hex_digit(x[2 * i + 1]);
    if (hi < 0 || lo < 0)
      return false;
    out[i] = static_cast<std::uint8_t>(hi * 16 + lo);
    nonzero = nonzero || out[i] != 0;
  }
  return nonzero;
}

} // namespace

std::optional<parent> parse_traceparent(std::string_view x) {
  // <version>-<32 hex trace id>-<16 hex parent id>-<2 hex flags>; a later
  // version may append fields, which are ignored; version ff is invalid.
  std::array<std::uint8_t, 1> version{};
  auto version_ok = read_hex(x.substr(0, 2), version) || x.substr(0, 2) == "00";
  if (!version_ok || version[0] == 0xff || x.size() < 55
      || (version[0] == 0 && x.size() != 55) || (x.size() > 55 && x[55] != '-')
      || x[2] != '-' || x[35] != '-' || x[52] != '-')
    return std::nullopt;
  parent result;
  std::array<std::uint8_t, 1> flags{};
  if (!read_hex(x.substr(3, 32), result.trace)
      || !read_hex(x.substr(36, 16), result.span)
      || (!read_hex(x.substr(53, 2), flags) && x.substr(53, 2) != "00"))
    return std::nullopt;
  result.sampled = (flags[0] & 0x01) != 0;
  return result;
}

std::optional<server_start> begin_server(std::string_view traceparent) {
  if (!on())
    return std::nullopt;
  server_start x;
  if (auto caller = parse_traceparent(traceparent)) {
    if (!caller->sampled)
      return std::nullopt;
    x.ctx.trace = caller->trace;
    x.parent = caller->span;
  } else {
    x.ctx.trace = new_trace_id();
  }
  x.ctx.span = new_span_id();
  x.start_ns = now_ns();
  return x;
}

span end_server(const server_start& x, std::string name) {
  span result;
  result.trace = x.ctx.trace;
  result.id = x.ctx.span;
  result.parent_id = x.parent;
  result.name = std::move(name);
  result.kind = span_kind::server;
  result.start_ns = x.start_ns;
  result.end_ns = now_ns();
  return result;
}

struct exporter::impl {
  exporter_config cfg;
  http_url url;
  std::mutex mtx;
  std::condition_variable wake;
  std::deque<span> queue;
  bool stopping = false;
  std::atomic<std::uint64_t> exported{0};
  std::atomic<std::uint64_t> dropped{0};
  /// Whether the last export failed: logged once per outage.
  bool failing = false;
  std::thread worker;

  /// Sends one batch; throws on any failure. Asynchronous operations run
  /// for `cfg.timeout` at most: a collector that takes the connection and
  /// never answers must not hold the exporter (and the node's stop).
  void post(const std::string& body) {
    asio::io_context ioc;
    beast::tcp_stream stream{ioc};
    asio::ip::tcp::resolver resolver{ioc};
    bhttp::request<bhttp::string_body> req{bhttp::verb::post,
                                           url.path + "/v1/traces", 11};
    req.set(bhttp::field::host, url.where.to_string());
    req.set(bhttp::field::content_type, "application/x-protobuf");
    req.set(bhttp::field::user_agent, "agent-visualizer");
    req.body() = body;
    req.prepare_payload();
    beast::flat_buffer buffer;
    bhttp::response<bhttp::string_body> res;
    beast::error_code failure;
    bool answered = false;
    stream.expires_after(cfg.timeout);
    resolver.async_resolve(
      url.where.host, std::to_string(url.where.port),
      [&](beast::error_code ec, asio::ip::tcp::resolver::results_type hosts) {
        if ((failure = ec))
          return;
        stream.async_connect(hosts, [&](beast::error_code ec, auto&&) {
          if ((failure = ec))
            return;
          bhttp::async_write(stream, req, [&](beast::error_code ec, size_t) {
            if ((failure = ec))
              return;
            bhttp::async_read(stream, buffer, res,
                              [&](beast::error_code ec, size_t) {
                                failure = ec;
                                answered = !ec;
                              });
          });
        });
      });
    ioc.run_for(cfg.timeout);
    if (!answered)
      throw std::runtime_error(
        failure
          ? failure.message()
          : "no answer within " + std::to_string(cfg.timeout.count()) + " ms");
    if (res.result_int() / 100 != 2)
      throw std::runtime_error("the collector answered "
                               + std::to_string(res.result_int()));
  }

  void send(std::vector<span> batch) {
    try {
      post(encode_export_request(batch, cfg.service_name));
      exported += batch.size();
      if (failing)
        log::info("trace export works again", {{"endpoint", cfg.endpoint}});
      failing = false;
    } catch (const std::exception& e) {
      dropped += batch.size();
      if (!failing)
        log::warn("trace export failed: dropping spans until it works",
                  {{"endpoint", cfg.endpoint}, {"error", e.what()}});
      failing = true;
    }
  }

  /// Takes up to a batch off the queue.
  std::vector<span> take() {
    auto n = std::min(queue.size(), cfg.max_batch);
    std::vector<span> batch{std::make_move_iterator(queue.begin()),
                            std::make_move_iterator(queue.begin() + n)};
    queue.erase(queue.begin(), queue.begin() + n);
    return batch;
  }

  void run() {
    std::unique_lock<std::mutex> guard{mtx};
    while (!stopping) {
      wake.wait_for(guard, cfg.delay, [this] {
        return stopping || queue.size() >= cfg.max_batch;
      });
      if (queue.empty() || stopping)
        continue;
      auto batch = take();
      guard.unlock();
      send(std::move(batch));
      guard.lock();
    }
    // At the end one more batch, so that stopping never waits long for a
    // collector that is down; the rest is counted as dropped.
    auto batch = take();
    dropped += queue.size();
    queue.clear();
    guard.unlock();
    if (!batch.empty())
      send(std::move(batch));
  }
};

exporter::exporter(exporter_config cfg) : impl_(std::make_shared<impl>()) {
  auto url = parse_http_url(cfg.endpoint, 4318);
  if (!url)
    throw std::invalid_argument("OTEL_EXPORTER_OTLP_ENDPOINT: " + url.error());
  impl_->url = *url;
  impl_->cfg = std::move(cfg);
  impl_->worker = std::thread{[x = impl_.get()] {
    x->run();
  }};
}

exporter::~exporter() {
  {
    std::lock_guard<std::mutex> guard{impl_->mtx};
    impl_->stopping = true;
  }
  impl_->wake.notify_one();
  impl_->worker.join();
}

void exporter::submit(span x) {
  std::size_t size = 0;
  {
    std::lock_guard<std::mutex> guard{impl_->mtx};
    if (impl_->queue.size() >= impl_->cfg.max_queue) {
      ++impl_->dropped;
      return;
    }
    impl_->queue.push_back(std::move(x));
    size = impl_->queue.size();
  }
  if (size >= impl_->cfg.max_batch)
    impl_->wake.notify_one();
}

std::uint64_t exporter::exported() const {
  return impl_->exported.load();
}

std::uint64_t exporter::dropped() const {
  return impl_->dropped.load();
}

metrics::collector exporter::metrics() const {
  return [x = impl_](std::vector<prometheus::MetricFamily>& out) {
    auto counter = prometheus::MetricType::Counter;
    auto exported = metrics::family("agentviz_trace_spans_exported_total",
                                    "Spans the trace collector took.", counter);
    exported.metric.push_back(
      metrics::sample({}, static_cast<double>(x->exported.load()), counter));
    out.push_back(std::move(exported));
    auto dropped = metrics::family(
      "agentviz_trace_spans_dropped_total",
      "Spans dropped: the queue was full or the collector did not take "
      "them.",
      counter);
    dropped.metric.push_back(
      metrics::sample({}, static_cast<double>(x->dropped.load()), counter));
    out.push_back(std::move(dropped));
  };
}

void install(std::shared_ptr<exporter> x) {
  if (!x)
    return set_sink(nullptr);
  set_sink([x](span s) { x->submit(std::move(s)); });
}

} // namespace av::tracing
