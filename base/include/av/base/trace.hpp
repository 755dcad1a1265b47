#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

/// Trace spans in OpenTelemetry's terms, below every module that makes
/// them: the ids, the finished span, the context work runs under and where
/// finished spans go. The node's exporter (av/telemetry/tracing.hpp) sets
/// the sink at start-up, as OpenTelemetry's global tracer provider is set;
/// while none is set nothing is recorded and every call here is cheap.
namespace av::tracing {

using trace_id = std::array<std::uint8_t, 16>;
using span_id = std::array<std::uint8_t, 8>;

/// Random ids, never all zero.
trace_id new_trace_id();
span_id new_span_id();

/// Nanoseconds since the epoch, now.
std::uint64_t now_ns();

/// OpenTelemetry's SpanKind values.
enum class span_kind : int { internal = 1, server = 2, client = 3 };

using attribute
  = std::pair<std::string, std::variant<std::string, std::int64_t>>;

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
  std::vector<attribute> attributes;
  /// Status ERROR (else UNSET).
  bool error = false;
};

/// The span some work runs under: what its children name as their parent.
struct context {
  trace_id trace{};
  span_id span{};
};

/// Where finished spans go; an empty function turns tracing off.
void set_sink(std::function<void(span)> sink);

/// Whether a sink is set.
bool on();

/// Hands `x` to the sink; dropped while tracing is off.
void record(span x);

/// Work done for a request by an actor other than the one that took it:
/// the actor `actor` (an actor id) works under `ctx` until `unbind`, so the
/// actors it sends to can record their handling as children of the request
/// (av/traced.hpp). Nothing is kept while tracing is off.
void bind(std::uint64_t actor, const context& ctx);
void unbind(std::uint64_t actor);
std::optional<context> bound_to(std::uint64_t actor);

} // namespace av::tracing
