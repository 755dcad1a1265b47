#include "av/ws_frame.hpp"

#include <cstring>

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

void put_header(std::string& out, const position_batch& x, uint32_t count) {
  out.reserve(frame_header_bytes + count * frame_record_bytes);
  out.append(frame_magic, 4);
  put<uint8_t>(out, frame_version);
  put<uint8_t>(out, x.keyframe ? frame_keyframe : 0);
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

} // namespace

std::string encode_frame(const position_batch& x) {
  std::string out;
  put_header(out, x, static_cast<uint32_t>(x.agents.size()));
  for (auto& a : x.agents)
    put_record(out, a);
  return out;
}

std::string encode_frame(const position_batch& x,
                         const std::unordered_set<num_id>& visible) {
  uint32_t count = 0;
  for (auto& a : x.agents)
    count += visible.count(a.agent) > 0 ? 1 : 0;
  std::string out;
  put_header(out, x, count);
  for (auto& a : x.agents)
    if (visible.count(a.agent) > 0)
      put_record(out, a);
  return out;
}

bool decode_frame(std::string_view bytes, position_batch& out) {
  if (bytes.size() < frame_header_bytes
      || std::memcmp(bytes.data(), frame_magic, 4) != 0)
    return false;
  auto pos = bytes.data() + 4;
  if (take<uint8_t>(pos) != frame_version)
    return false;
  out.keyframe = (take<uint8_t>(pos) & frame_keyframe) != 0;
  take<uint16_t>(pos);
  out.frame = take<uint64_t>(pos);
  out.time_ms = static_cast<int64_t>(take<uint64_t>(pos));
  out.part = take<uint32_t>(pos);
  out.parts = take<uint32_t>(pos);
  auto count = take<uint32_t>(pos);
  if (bytes.size() != frame_header_bytes + size_t{count} * frame_record_bytes)
    return false;
  out.agents.resize(count);
  for (auto& a : out.agents) {
    a.agent = take<uint32_t>(pos);
    a.pos = {take<float>(pos), take<float>(pos), take<float>(pos)};
    a.vel = {take<float>(pos), take<float>(pos), take<float>(pos)};
  }
  return true;
}

} // namespace av::ws
