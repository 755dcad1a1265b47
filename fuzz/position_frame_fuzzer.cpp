// libFuzzer target over the binary position frame: a batch built from the
// input (any float bits: NaN, infinities, subnormals) must come back from
// the float form bit for bit and from the quantized form within half a
// step; the visible-agents form must keep exactly the visible agents; and
// the input read as a frame must decode or be refused, never read past it.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <unordered_set>

#include "av/ws/frame.hpp"

namespace {

using namespace av;
using namespace av::ws;

/// Reads the next `T` of the input; zero once it is used up.
template <class T>
T next(const uint8_t*& pos, const uint8_t* end) {
  T x{};
  if (static_cast<size_t>(end - pos) >= sizeof(T)) {
    std::memcpy(&x, pos, sizeof(T));
    pos += sizeof(T);
  }
  return x;
}

void check(bool ok) {
  if (!ok)
    __builtin_trap();
}

bool same_bits(float x, float y) {
  return std::memcmp(&x, &y, sizeof(float)) == 0;
}

/// The components of a vector, for loops.
constexpr float vec3f::*axes[] = {&vec3f::x, &vec3f::y, &vec3f::z};

bool same_header(const position_batch& x, const position_batch& y) {
  return x.frame == y.frame && x.part == y.part && x.parts == y.parts
         && x.keyframe == y.keyframe && x.time_ms == y.time_ms;
}

/// A quantized component as the encoder documents it: NaN is 0, an
/// infinity the largest step, anything else within half a step.
bool near(float original, float decoded, float scale) {
  if (std::isnan(original))
    return decoded == 0;
  if (std::isinf(original))
    return decoded == std::copysign(quantized_max * scale, original);
  // The product `step * scale` rounds too: relatively, or by a subnormal.
  auto slack = 0.5 * scale * (1 + 1e-6) + std::fabs(original) * 1e-6
               + std::numeric_limits<float>::denorm_min();
  return std::fabs(static_cast<double>(decoded) - original) <= slack;
}

void round_trip_float(const position_batch& in) {
  position_batch out;
  check(decode_frame(encode_frame(in), out));
  check(same_header(in, out) && out.agents.size() == in.agents.size());
  for (size_t i = 0; i < in.agents.size(); ++i) {
    auto& a = in.agents[i];
    auto& b = out.agents[i];
    check(a.agent == b.agent);
    for (auto k : axes)
      check(same_bits(a.pos.*k, b.pos.*k) && same_bits(a.vel.*k, b.vel.*k));
  }
}

void round_trip_quantized(const position_batch& in) {
  position_batch out;
  frame_scales s;
  check(decode_frame(encode_frame(in, frame_format::quantized), out, &s));
  check(same_header(in, out) && out.agents.size() == in.agents.size());
  check(s.position > 0 && std::isfinite(s.position));
  check(s.velocity > 0 && std::isfinite(s.velocity));
  for (size_t i = 0; i < in.agents.size(); ++i) {
    auto& a = in.agents[i];
    auto& b = out.agents[i];
    check(a.agent == b.agent);
    for (auto k : axes)
      check(near(a.pos.*k, b.pos.*k, s.position)
            && near(a.vel.*k, b.vel.*k, s.velocity));
  }
}

void visible_only(const position_batch& in,
                  const std::unordered_set<num_id>& visible) {
  for (auto format : all_frame_formats) {
    position_batch out;
    check(decode_frame(encode_frame(in, visible, format), out));
    size_t i = 0;
    for (auto& a : in.agents)
      if (visible.count(a.agent) > 0)
        check(i < out.agents.size() && out.agents[i++].agent == a.agent);
    check(i == out.agents.size());
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // The input read as a frame, as a viewer's decoder would.
  position_batch any;
  (void)decode_frame({reinterpret_cast<const char*>(data), size}, any);
  auto pos = data;
  auto end = data + size;
  position_batch in;
  in.frame = next<uint64_t>(pos, end);
  in.time_ms = next<int64_t>(pos, end);
  in.part = next<uint32_t>(pos, end);
  in.parts = next<uint32_t>(pos, end);
  in.keyframe = (next<uint8_t>(pos, end) & 1) != 0;
  std::unordered_set<num_id> visible;
  // A record: id, a visibility byte, six floats.
  while (end - pos >= 5) {
    agent_position a;
    a.agent = next<uint32_t>(pos, end);
    if (next<uint8_t>(pos, end) & 1)
      visible.insert(a.agent);
    for (auto k : axes)
      a.pos.*k = next<float>(pos, end);
    for (auto k : axes)
      a.vel.*k = next<float>(pos, end);
    in.agents.push_back(a);
  }
  round_trip_float(in);
  round_trip_quantized(in);
  visible_only(in, visible);
  return 0;
}
