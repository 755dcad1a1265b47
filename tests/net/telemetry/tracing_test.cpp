#define CAF_SUITE net.tracing

#include "av/telemetry/tracing.hpp"

#include "caf_checks.hpp"
#include <caf/test/unit_test.hpp>

#include <stdexcept>
#include <thread>

#include <boost/asio/ip/tcp.hpp>

using namespace av;
using namespace std::chrono_literals;

namespace {

/// A loopback port nothing listens on: bound, then closed.
uint16_t closed_port() {
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::acceptor acceptor{
    ioc, {boost::asio::ip::make_address("127.0.0.1"), 0}};
  return acceptor.local_endpoint().port();
}

tracing::span some_span() {
  tracing::span x;
  x.trace = tracing::new_trace_id();
  x.id = tracing::new_span_id();
  x.name = "GET /health";
  x.kind = tracing::span_kind::server;
  x.end_ns = tracing::now_ns();
  x.start_ns = x.end_ns - 1000;
  return x;
}

} // namespace

CAF_TEST(traceparent headers name the caller s trace and span) {
  auto x = tracing::parse_traceparent(
    "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  CAF_REQUIRE(x);
  CAF_CHECK_EQUAL(x->trace[0], 0x4bu);
  CAF_CHECK_EQUAL(x->trace[15], 0x36u);
  CAF_CHECK_EQUAL(x->span[0], 0x00u);
  CAF_CHECK_EQUAL(x->span[7], 0xb7u);
  CAF_CHECK(x->sampled);
  auto unsampled = tracing::parse_traceparent(
    "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00");
  CAF_REQUIRE(unsampled);
  CAF_CHECK(!unsampled->sampled);
  // A later version: its first four fields, whatever follows.
  CAF_CHECK(tracing::parse_traceparent(
    "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-comes"));
  // The W3C rules: lower-case hex, version 00, no all-zero ids.
  for (auto bad :
       {"", "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
        "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x",
        "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x",
        "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
        "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0x",
        "00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}) {
    CAF_MESSAGE("traceparent " << bad);
    CAF_CHECK(!tracing::parse_traceparent(bad));
  }
}

CAF_TEST(new ids are random and never zero) {
  auto a = tracing::new_trace_id();
  auto b = tracing::new_trace_id();
  CAF_CHECK(a != b);
  CAF_CHECK(a != tracing::trace_id{});
  CAF_CHECK(tracing::new_span_id() != tracing::span_id{});
}

CAF_TEST(an endpoint that is no http url is refused naming the setting) {
  tracing::exporter_config cfg;
  cfg.endpoint = "https://collector:4318";
  std::string what;
  try {
    tracing::exporter x{cfg};
  } catch (const std::invalid_argument& e) {
    what = e.what();
  }
  CAF_CHECK_EQUAL(what.rfind("OTEL_EXPORTER_OTLP_ENDPOINT: https://", 0), 0u);
}

CAF_TEST(spans for a collector that is down are dropped and counted) {
  tracing::exporter_config cfg;
  cfg.endpoint = "http://127.0.0.1:" + std::to_string(closed_port());
  cfg.delay = 10ms;
  cfg.max_queue = 100;
  cfg.max_batch = 10;
  tracing::exporter x{cfg};
  // More than the queue holds, at once: the callers never wait.
  for (int i = 0; i < 1000; ++i)
    x.submit(some_span());
  auto deadline = std::chrono::steady_clock::now() + 20s;
  while (x.dropped() < 1000 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(10ms);
  CAF_CHECK_EQUAL(x.dropped(), 1000u);
  CAF_CHECK_EQUAL(x.exported(), 0u);
}
