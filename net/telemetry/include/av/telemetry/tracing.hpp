#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "av/base/trace.hpp"
#include "av/telemetry/metric_family.hpp"

/// Traces in OpenTelemetry's terms (docs/deployment.md, "Tracing"): spans
/// of the node's work, exported over OTLP/HTTP (protobuf) to a collector
/// such as Jaeger. Debian 12 has no opentelemetry-cpp; this is the small
/// part of it the node needs.
namespace av::tracing {

/// The caller's span, from a W3C `traceparent` header.
struct parent {
  trace_id trace{};
  span_id span{};
  /// The caller's sampled flag: a span of an unsampled trace is not kept.
  bool sampled = true;
};

/// Parses a `traceparent` header (W3C Trace Context: version 00, and the
/// first four fields of a later version); nothing when it is malformed or
/// names all-zero ids (the W3C rule: then start a new trace).
std::optional<parent> parse_traceparent(std::string_view x);

/// A SERVER span begun: the context of the work it leads to, its parent
/// and its start.
struct server_start {
  context ctx;
  /// All zero for a span that starts its trace.
  span_id parent{};
  std::uint64_t start_ns = 0;
};

/// Begins a SERVER span: a child of the caller's `traceparent` when that
/// names one, else the start of a new trace; nothing while tracing is off or
/// when the caller does not sample its trace.
std::optional<server_start> begin_server(std::string_view traceparent);

/// The span begun as `x`, named `name`, ending now. The caller adds
/// attributes and the status, then records it.
span end_server(const server_start& x, std::string name);

/// `spans` as the body of an OTLP/HTTP export: an ExportTraceServiceRequest
/// in protobuf, with one resource (`service.name`) and one scope
/// (`agent-visualizer`).
std::string encode_export_request(const std::vector<span>& spans,
                                  const std::string& service_name);

struct exporter_config {
  /// `http://host[:port][/path]`; spans go to `<path>/v1/traces`.
  std::string endpoint;
  std::string service_name = "agent-visualizer";
  /// Longest wait between two exports (OTEL_BSP_SCHEDULE_DELAY).
  std::chrono::milliseconds delay{5000};
  /// Spans waiting at most; more are dropped.
  std::size_t max_queue = 2048;
  /// Spans per export at most.
  std::size_t max_batch = 512;
  /// Connect, send and answer of one export at most.
  std::chrono::milliseconds timeout{2000};
};

/// Takes finished spans and sends them from a thread of its own, in
/// batches: a full batch or the delay starts an export. A caller never
/// waits for the collector: spans that find the queue full, or whose
/// export fails (collector down, refused), are dropped and counted.
class exporter {
public:
  /// Throws std::invalid_argument for an endpoint that is no http:// URL.
  explicit exporter(exporter_config cfg);

  /// Tries once to send what is queued, then stops the thread.
  ~exporter();

  exporter(const exporter&) = delete;
  exporter& operator=(const exporter&) = delete;

  void submit(span x);

  std::uint64_t exported() const;
  std::uint64_t dropped() const;

  /// The series `agentviz_trace_spans_exported_total` and
  /// `agentviz_trace_spans_dropped_total`.
  metrics::collector metrics() const;

private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

/// Makes `x` the node's exporter (null: tracing off): every finished span
/// recorded (av/base/trace.hpp) goes to it.
void install(std::shared_ptr<exporter> x);

} // namespace av::tracing
