#include <cstring>

#include "av/telemetry/tracing.hpp"

// The protobuf wire format of the few OTLP messages the exporter sends
// (opentelemetry-proto: collector/trace/v1, trace/v1, common/v1,
// resource/v1). Field numbers are those of the .proto files.
namespace av::tracing {

namespace {

enum wire : std::uint8_t { varint = 0, fixed64 = 1, length_delimited = 2 };

void put_varint(std::string& out, std::uint64_t x) {
  while (x >= 0x80) {
    out += static_cast<char>((x & 0x7f) | 0x80);
    x >>= 7;
  }
  out += static_cast<char>(x);
}

void put_tag(std::string& out, int field, wire type) {
  put_varint(out, (static_cast<std::uint64_t>(field) << 3) | type);
}

void put_bytes(std::string& out, int field, const void* data,
               std::size_t size) {
  put_tag(out, field, length_delimited);
  put_varint(out, size);
  out.append(static_cast<const char*>(data), size);
}

void put_string(std::string& out, int field, const std::string& x) {
  put_bytes(out, field, x.data(), x.size());
}

void put_fixed64(std::string& out, int field, std::uint64_t x) {
  put_tag(out, field, fixed64);
  for (int i = 0; i < 8; ++i)
    out += static_cast<char>((x >> (8 * i)) & 0xff);
}

void put_uint(std::string& out, int field, std::uint64_t x) {
  put_tag(out, field, varint);
  put_varint(out, x);
}

/// common.v1.KeyValue { key = 1; AnyValue value = 2 } with AnyValue
/// { string_value = 1; int_value = 3 }.
std::string key_value(const std::string& key,
                      const std::variant<std::string, std::int64_t>& value) {
  std::string any;
  if (auto text = std::get_if<std::string>(&value))
    put_string(any, 1, *text);
  else
    put_uint(any, 3, static_cast<std::uint64_t>(std::get<std::int64_t>(value)));
  std::string result;
  put_string(result, 1, key);
  put_string(result, 2, any);
  return result;
}

bool all_zero(const span_id& x) {
  for (auto b : x)
    if (b != 0)
      return false;
  return true;
}

/// trace.v1.Span.
std::string encode_span(const span& x) {
  std::string out;
  put_bytes(out, 1, x.trace.data(), x.trace.size());
  put_bytes(out, 2, x.id.data(), x.id.size());
  if (!all_zero(x.parent_id))
    put_bytes(out, 4, x.parent_id.data(), x.parent_id.size());
  put_string(out, 5, x.name);
  put_uint(out, 6, static_cast<std::uint64_t>(x.kind));
  put_fixed64(out, 7, x.start_ns);
  put_fixed64(out, 8, x.end_ns);
  for (const auto& [key, value] : x.attributes)
    put_string(out, 9, key_value(key, value));
  // Status { code = 3 }: 2 is ERROR; UNSET (0) is left out.
  if (x.error) {
    std::string status;
    put_uint(status, 3, 2);
    put_string(out, 15, status);
  }
  return out;
}

} // namespace

std::string encode_export_request(const std::vector<span>& spans,
                                  const std::string& service_name) {
  // ScopeSpans { InstrumentationScope scope = 1; repeated Span spans = 2 }
  std::string scope;
  put_string(scope, 1, std::string{"agent-visualizer"});
  std::string scope_spans;
  put_string(scope_spans, 1, scope);
  for (const auto& x : spans)
    put_string(scope_spans, 2, encode_span(x));
  // Resource { repeated KeyValue attributes = 1 }
  std::string resource;
  put_string(resource, 1, key_value("service.name", service_name));
  // ResourceSpans { Resource resource = 1; repeated ScopeSpans = 2 }
  std::string resource_spans;
  put_string(resource_spans, 1, resource);
  put_string(resource_spans, 2, scope_spans);
  // ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1 }
  std::string request;
  put_string(request, 1, resource_spans);
  return request;
}

} // namespace av::tracing
