#include "av/ws/frame.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

namespace av::ws {

namespace {

// The wire is little-endian; so are the hosts we build for (x86-64,
// aarch64), which lets values be copied as they are.
static_assert(sizeof(float) == 4);

template <class T>
void put(std::string& out, T x) {
  char buf[sizeof(T)];
  std::memcpy(buf, &x, sizeof(T));
  out.append(buf, sizeof(T));
}

template <class T>
T take(const char*& pos) {
  T x;
  std::memcpy(&x, pos, sizeof(T));
  pos += sizeof(T);
  return x;
}

void put_header(std::string& out, const position_batch& x, uint32_t count,
                frame_format format) {
  bool quantized = format == frame_format::quantized;
  out.reserve(quantized
                ? quantized_header_bytes + count * quantized_record_bytes
                : frame_header_bytes + count * frame_record_bytes);
  out.append(frame_magic, 4);
  put<uint8_t>(out, frame_version);
  put<uint8_t>(out, (x.keyframe ? frame_keyframe : 0)
                      | (quantized ? frame_quantized : 0));
  put<uint16_t>(out, 0);
  put<uint64_t>(out, x.frame);
  put<uint64_t>(out, static_cast<uint64_t>(x.time_ms));
  put<uint32_t>(out, x.part);
  put<uint32_t>(out, x.parts);
  put<uint32_t>(out, count);
}

void put_record(std::string& out, const agent_position& a) {
  put<uint32_t>(out, a.agent);
  for (float f : {a.pos.x, a.pos.y, a.pos.z, a.vel.x, a.vel.y, a.vel.z})
    put<float>(out, f);
}

/// Largest finite magnitude among the components of `v`, at least `acc`.
float max_abs(float acc, const vec3f& v) {
  for (float f : {v.x, v.y, v.z})
    if (std::isfinite(f))
      acc = std::max(acc, std::fabs(f));
  return acc;
}

/// `v / scale` rounded; NaN becomes 0 and infinities the largest magnitude.
int16_t quantize(float v, float scale) {
  if (std::isnan(v))
    return 0;
  auto q = std::round(static_cast<double>(v) / scale);
  return static_cast<int16_t>(
    std::clamp<double>(q, -quantized_max, quantized_max));
}

void put_quantized(std::string& out, const agent_position& a,
                   const frame_scales& s) {
  put<uint32_t>(out, a.agent);
  for (float f : {a.pos.x, a.pos.y, a.pos.z})
    put<int16_t>(out, quantize(f, s.position));
  for (float f : {a.vel.x, a.vel.y, a.vel.z})
    put<int16_t>(out, quantize(f, s.velocity));
}

/// Encodes the agents of `x` that `keep` selects, in either format.
template <class Keep>
std::string encode(const position_batch& x, frame_format format, Keep keep) {
  uint32_t count = 0;
  float max_pos = 0;
  float max_vel = 0;
  for (auto& a : x.agents)
    if (keep(a)) {
      ++count;
      max_pos = max_abs(max_pos, a.pos);
      max_vel = max_abs(max_vel, a.vel);
    }
  std::string out;
  put_header(out, x, count, format);
  if (format == frame_format::float32) {
    for (auto& a : x.agents)
      if (keep(a))
        put_record(out, a);
    return out;
  }
  // Each part has scales of its own: nothing clips, and a part of agents
  // near the origin keeps a fine step.
  frame_scales s{quantized_scale(max_pos), quantized_scale(max_vel)};
  put<float>(out, s.position);
  put<float>(out, s.velocity);
  for (auto& a : x.agents)
    if (keep(a))
      put_quantized(out, a, s);
  return out;
}

} // namespace

const char* to_string(frame_format x) {
  return x == frame_format::quantized ? "quantized" : "float";
}

bool parse(std::string_view str, frame_format& out) {
  for (auto x : all_frame_formats)
    if (str == to_string(x)) {
      out = x;
      return true;
    }
  return false;
}

float quantized_scale(float max_abs) {
  if (!(max_abs > 0) || !std::isfinite(max_abs))
    return 1;
  auto s = std::max(max_abs / quantized_max,
                    std::numeric_limits<float>::denorm_min());
  // Rounding of the division (or a subnormal step) could map `max_abs` a
  // little past the largest integer; the next larger scale cannot.
  while (std::round(static_cast<double>(max_abs) / s) > quantized_max)
    s = std::nextafter(s, std::numeric_limits<float>::infinity());
  // Near the float range the product must still be finite when decoded;
  // the encoder clamps what then rounds past the largest integer.
  while (!std::isfinite(s * quantized_max))
    s = std::nextafter(s, 0.f);
  return s;
}

std::string encode_frame(const position_batch& x, frame_format format) {
  return encode(x, format, [](const agent_position&) { return true; });
}

std::string encode_frame(const position_batch& x,
                         const std::unordered_set<num_id>& visible,
                         frame_format format) {
  return encode(x, format, [&](const agent_position& a) {
    return visible.count(a.agent) > 0;
  });
}

bool decode_frame(std::string_view bytes, position_batch& out,
                  frame_scales* scales) {
  if (bytes.size() < frame_header_bytes
      || std::memcmp(bytes.data(), frame_magic, 4) != 0)
    return false;
  auto pos = bytes.data() + 4;
  if (take<uint8_t>(pos) != frame_version)
    return false;
  auto flags = take<uint8_t>(pos);
  out.keyframe = (flags & frame_keyframe) != 0;
  bool quantized = (flags & frame_quantized) != 0;
  take<uint16_t>(pos);
  out.frame = take<uint64_t>(pos);
  out.time_ms = static_cast<int64_t>(take<uint64_t>(pos));
  out.part = take<uint32_t>(pos);
  out.parts = take<uint32_t>(pos);
  auto count = take<uint32_t>(pos);
  auto header = quantized ? quantized_header_bytes : frame_header_bytes;
  auto record = quantized ? quantized_record_bytes : frame_record_bytes;
  if (bytes.size() != header + size_t{count} * record)
    return false;
  frame_scales s;
  if (quantized)
    s = {take<float>(pos), take<float>(pos)};
  if (scales)
    *scales = s;
  out.agents.resize(count);
  for (auto& a : out.agents) {
    a.agent = take<uint32_t>(pos);
    if (!quantized) {
      a.pos = {take<float>(pos), take<float>(pos), take<float>(pos)};
      a.vel = {take<float>(pos), take<float>(pos), take<float>(pos)};
      continue;
    }
    auto p = [&](float scale) {
      return take<int16_t>(pos) * scale;
    };
    a.pos.x = p(s.position);
    a.pos.y = p(s.position);
    a.pos.z = p(s.position);
    a.vel.x = p(s.velocity);
    a.vel.y = p(s.velocity);
    a.vel.z = p(s.velocity);
  }
  return true;
}

} // namespace av::ws
