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

#include "av/telemetry/metric_family.hpp"

/// Traces in OpenTelemetry's terms (docs/deployment.md, "Tracing"): spans
/// of the node's work, exported over OTLP/HTTP (protobuf) to a collector
/// such as Jaeger. Debian 12 has no opentelemetry-cpp; this is the small
/// part of it the node needs.
namespace av::tracing {

using trace_id = std::array<std::uint8_t, 16>;
using span_id = std::array<std::uint8_t, 8>;

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

/// Random ids, never all zero.
trace_id new_trace_id();
span_id new_span_id();

/// OpenTelemetry's SpanKind values.
enum class span_kind : int { internal = 1, server = 2, client = 3 };

/// One finished span.
struct span {
  trace_id trace{};
  span_id id{};
  /// All zero for a span that starts its trace.
  span_id parent_id{};
  std::string name;
  span_kind kind = span_kind::internal;
  /// Nanoseconds since the epoch.
  std::uint64_t start_ns = 0;
  std::uint64_t end_ns = 0;
  std::vector<std::pair<std::string, std::variant<std::string, std::int64_t>>>
    attributes;
  /// Status ERROR (else UNSET).
  bool error = false;
};

/// A SERVER span named `name` that ends now after `took`: a child of the
/// caller's `traceparent` when that names one, else the start of a new
/// trace; nothing when the caller does not sample its trace. The caller adds
/// attributes and the status.
std::optional<span> server_span(std::string name, std::string_view traceparent,
                                std::chrono::steady_clock::duration took);

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

/// The node's exporter, null while tracing is off. Set once at start-up, as
/// OpenTelemetry's global tracer provider is, so that the layers that make
/// spans need no plumbing; they read it with `installed()`.
void install(std::shared_ptr<exporter> x);
std::shared_ptr<exporter> installed();

/// Nanoseconds since the epoch, now.
std::uint64_t now_ns();

} // namespace av::tracing
