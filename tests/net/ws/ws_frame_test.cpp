#define CAF_SUITE ws.frame

#include "av/ws/frame.hpp"

#include <cmath>
#include <cstring>
#include <limits>
#include <random>

#include "caf/test/unit_test.hpp"
#include "caf_checks.hpp"

#include "av/api/event_json.hpp"

using namespace av;

namespace {

position_batch sample() {
  position_batch x;
  x.frame = 0x0102030405060708ull;
  x.part = 1;
  x.parts = 3;
  x.keyframe = true;
  x.time_ms = 1700000000123;
  x.agents.push_back({7, {1.5f, -2.f, 3.f}, {0.25f, 0.f, -1.f}});
  x.agents.push_back({9, {4.f, 5.f, 6.f}, {7.f, 8.f, 9.f}});
  return x;
}

template <class T>
T at(const std::string& bytes, size_t offset) {
  T x;
  std::memcpy(&x, bytes.data() + offset, sizeof(T));
  return x;
}

/// Whether every component of `got` is within one scale step of `want`.
bool within_step(const position_batch& want, const position_batch& got,
                 const ws::frame_scales& s) {
  if (want.agents.size() != got.agents.size())
    return false;
  auto near = [](const vec3f& a, const vec3f& b, float step) {
    return std::fabs(a.x - b.x) <= step && std::fabs(a.y - b.y) <= step
           && std::fabs(a.z - b.z) <= step;
  };
  for (size_t i = 0; i < want.agents.size(); ++i) {
    auto& a = want.agents[i];
    auto& b = got.agents[i];
    if (a.agent != b.agent || !near(a.pos, b.pos, s.position)
        || !near(a.vel, b.vel, s.velocity))
      return false;
  }
  return true;
}

constexpr auto quantized = ws::frame_format::quantized;

} // namespace

CAF_TEST(the header and records follow the documented layout) {
  auto bytes = ws::encode_frame(sample());
  CAF_REQUIRE_EQUAL(bytes.size(), 36u + 2 * 28u);
  CAF_CHECK_EQUAL(bytes.substr(0, 4), "AVPF");
  CAF_CHECK_EQUAL(at<uint8_t>(bytes, 4), 1u);
  CAF_CHECK_EQUAL(at<uint8_t>(bytes, 5), 1u);
  CAF_CHECK_EQUAL(at<uint16_t>(bytes, 6), 0u);
  // Little-endian: the lowest byte of the frame number comes first.
  CAF_CHECK_EQUAL(static_cast<uint8_t>(bytes[8]), 0x08u);
  CAF_CHECK_EQUAL(at<uint64_t>(bytes, 8), 0x0102030405060708ull);
  CAF_CHECK_EQUAL(at<uint64_t>(bytes, 16), 1700000000123ull);
  CAF_CHECK_EQUAL(at<uint32_t>(bytes, 24), 1u);
  CAF_CHECK_EQUAL(at<uint32_t>(bytes, 28), 3u);
  CAF_CHECK_EQUAL(at<uint32_t>(bytes, 32), 2u);
  CAF_CHECK_EQUAL(at<uint32_t>(bytes, 36), 7u);
  CAF_CHECK_EQUAL(at<float>(bytes, 40), 1.5f);
  CAF_CHECK_EQUAL(at<float>(bytes, 52), 0.25f);
  CAF_CHECK_EQUAL(at<uint32_t>(bytes, 64), 9u);
}

CAF_TEST(frames decode to what was encoded) {
  position_batch out;
  CAF_REQUIRE(ws::decode_frame(ws::encode_frame(sample()), out));
  CAF_CHECK_EQUAL(out.frame, sample().frame);
  CAF_CHECK_EQUAL(out.parts, 3u);
  CAF_CHECK(out.keyframe);
  CAF_REQUIRE_EQUAL(out.agents.size(), 2u);
  CAF_CHECK_EQUAL(out.agents[1].agent, 9u);
  CAF_CHECK_EQUAL(out.agents[1].vel.z, 9.f);
}

CAF_TEST(a filtered frame holds only the visible agents) {
  position_batch out;
  CAF_REQUIRE(ws::decode_frame(ws::encode_frame(sample(), {9}), out));
  CAF_REQUIRE_EQUAL(out.agents.size(), 1u);
  CAF_CHECK_EQUAL(out.agents[0].agent, 9u);
}

CAF_TEST(malformed frames are refused) {
  position_batch out;
  auto bytes = ws::encode_frame(sample());
  CAF_CHECK(!ws::decode_frame(bytes.substr(0, 35), out));
  CAF_CHECK(!ws::decode_frame(bytes.substr(0, bytes.size() - 1), out));
  auto bad = bytes;
  bad[0] = 'X';
  CAF_CHECK(!ws::decode_frame(bad, out));
}

CAF_TEST(events map to their documented JSON) {
  event ev;
  ev.seq = 42;
  ev.time_ms = 1000;
  ev.payload
    = agent_state_changed{3, agent_state::idle, agent_state::busy, "task"};
  auto x = event_json(ev);
  CAF_CHECK_EQUAL(x["seq"], 42);
  CAF_CHECK_EQUAL(x["type"], "agent.state");
  CAF_CHECK_EQUAL(x["data"]["numId"], 3);
  CAF_CHECK_EQUAL(x["data"]["to"], "BUSY");
  ev.payload = message_event{(uint64_t{5} << 32) | 1, 5,    6,   "inform",
                             priority::high,          true, 100, {}};
  x = event_json(ev);
  CAF_CHECK_EQUAL(x["type"], "message.sent");
  CAF_CHECK_EQUAL(x["data"]["id"], "21474836481");
}

CAF_TEST(quantized frames follow the documented layout) {
  auto bytes = ws::encode_frame(sample(), quantized);
  CAF_REQUIRE_EQUAL(bytes.size(), 44u + 2 * 16u);
  CAF_CHECK_EQUAL(bytes.substr(0, 4), "AVPF");
  CAF_CHECK_EQUAL(at<uint8_t>(bytes, 4), 1u);
  // Keyframe and quantized.
  CAF_CHECK_EQUAL(at<uint8_t>(bytes, 5), 3u);
  CAF_CHECK_EQUAL(at<uint64_t>(bytes, 8), 0x0102030405060708ull);
  CAF_CHECK_EQUAL(at<uint32_t>(bytes, 32), 2u);
  // The largest magnitudes are 6 (position) and 9 (velocity).
  CAF_CHECK_EQUAL(at<float>(bytes, 36), 6.f / 32767);
  CAF_CHECK_EQUAL(at<float>(bytes, 40), 9.f / 32767);
  CAF_CHECK_EQUAL(at<uint32_t>(bytes, 44), 7u);
  // 1.5 / (6 / 32767) = 8191.75.
  CAF_CHECK_EQUAL(at<int16_t>(bytes, 48), 8192);
  CAF_CHECK_EQUAL(at<int16_t>(bytes, 50), -10922);
  // Velocity z: -1 / (9 / 32767) = -3640.8.
  CAF_CHECK_EQUAL(at<int16_t>(bytes, 58), -3641);
  CAF_CHECK_EQUAL(at<uint32_t>(bytes, 60), 9u);
  // The largest magnitudes map to the largest integer: nothing clips.
  CAF_CHECK_EQUAL(at<int16_t>(bytes, 68), 32767);
  CAF_CHECK_EQUAL(at<int16_t>(bytes, 74), 32767);
}

CAF_TEST(quantized frames decode to within one scale step) {
  std::mt19937 gen{7};
  std::uniform_real_distribution<float> pos{-500.f, 500.f};
  std::uniform_real_distribution<float> vel{-3.f, 3.f};
  position_batch x = sample();
  x.agents.clear();
  for (num_id n = 1; n <= 1000; ++n)
    x.agents.push_back(
      {n, {pos(gen), pos(gen), pos(gen)}, {vel(gen), vel(gen), vel(gen)}});
  position_batch out;
  ws::frame_scales s;
  CAF_REQUIRE(ws::decode_frame(ws::encode_frame(x, quantized), out, &s));
  CAF_CHECK_EQUAL(out.frame, x.frame);
  CAF_CHECK(out.keyframe);
  CAF_CHECK_GREATER(s.position, 0.f);
  CAF_CHECK_LESS_OR_EQUAL(s.position, 500.f / 32767 * 1.0001f);
  CAF_CHECK(within_step(x, out, s));
  // Float frames carry no scales.
  CAF_REQUIRE(ws::decode_frame(ws::encode_frame(x), out, &s));
  CAF_CHECK_EQUAL(s.position, 0.f);
}

CAF_TEST(extreme magnitudes neither clip nor overflow) {
  constexpr auto max = std::numeric_limits<float>::max();
  constexpr auto tiny = std::numeric_limits<float>::denorm_min();
  for (float m : {max, 1e-30f, 3 * tiny, tiny, 1e-40f}) {
    auto x = sample();
    x.agents = {{1, {m, -m, m / 3}, {-m, 0.f, m}}, {2, {0.f, 0.f, 0.f}, {}}};
    position_batch out;
    ws::frame_scales s;
    CAF_REQUIRE(ws::decode_frame(ws::encode_frame(x, quantized), out, &s));
    CAF_CHECK(std::isfinite(s.position) && s.position > 0);
    CAF_CHECK(std::isfinite(s.velocity) && s.velocity > 0);
    CAF_CHECK(within_step(x, out, s));
    CAF_CHECK(std::isfinite(out.agents[0].pos.x));
  }
}

CAF_TEST(all zero values and zero agents get a usable scale) {
  auto x = sample();
  x.agents = {{1, {}, {}}, {2, {}, {}}};
  position_batch out;
  ws::frame_scales s;
  CAF_REQUIRE(ws::decode_frame(ws::encode_frame(x, quantized), out, &s));
  CAF_CHECK_EQUAL(s.position, 1.f);
  CAF_CHECK_EQUAL(s.velocity, 1.f);
  CAF_REQUIRE_EQUAL(out.agents.size(), 2u);
  CAF_CHECK_EQUAL(out.agents[1].pos.z, 0.f);
  CAF_CHECK(!std::signbit(out.agents[1].vel.x));
  x.agents.clear();
  auto bytes = ws::encode_frame(x, quantized);
  CAF_CHECK_EQUAL(bytes.size(), 44u);
  CAF_REQUIRE(ws::decode_frame(bytes, out, &s));
  CAF_CHECK(out.agents.empty());
  CAF_CHECK_EQUAL(s.position, 1.f);
}

CAF_TEST(values that are not numbers do not spoil the scale) {
  auto x = sample();
  constexpr auto inf = std::numeric_limits<float>::infinity();
  x.agents = {{1, {std::nanf(""), inf, -inf}, {}}, {2, {2.f, 0.f, 0.f}, {}}};
  position_batch out;
  ws::frame_scales s;
  CAF_REQUIRE(ws::decode_frame(ws::encode_frame(x, quantized), out, &s));
  CAF_CHECK_EQUAL(s.position, 2.f / 32767);
  CAF_CHECK_EQUAL(out.agents[0].pos.x, 0.f);
  CAF_CHECK_LESS_OR_EQUAL(std::fabs(out.agents[0].pos.y - 2.f), s.position);
  CAF_CHECK_LESS_OR_EQUAL(std::fabs(out.agents[0].pos.z + 2.f), s.position);
}

CAF_TEST(a filtered quantized frame scales to its own agents) {
  position_batch out;
  ws::frame_scales s;
  CAF_REQUIRE(
    ws::decode_frame(ws::encode_frame(sample(), {7}, quantized), out, &s));
  CAF_REQUIRE_EQUAL(out.agents.size(), 1u);
  CAF_CHECK_EQUAL(out.agents[0].agent, 7u);
  CAF_CHECK_EQUAL(s.position, 3.f / 32767);
  CAF_CHECK_LESS_OR_EQUAL(std::fabs(out.agents[0].pos.x - 1.5f), s.position);
}

CAF_TEST(malformed quantized frames are refused) {
  position_batch out;
  auto bytes = ws::encode_frame(sample(), quantized);
  CAF_CHECK(!ws::decode_frame(bytes.substr(0, bytes.size() - 1), out));
  // A float frame's length does not fit the quantized flag.
  auto flipped = ws::encode_frame(sample());
  flipped[5] = static_cast<char>(flipped[5] | ws::frame_quantized);
  CAF_CHECK(!ws::decode_frame(flipped, out));
  auto empty = ws::encode_frame(position_batch{}, quantized);
  CAF_CHECK(!ws::decode_frame(empty.substr(0, 40), out));
}

CAF_TEST(frame formats have names) {
  ws::frame_format f;
  CAF_CHECK(ws::parse("quantized", f) && f == quantized);
  CAF_CHECK(ws::parse("float", f) && f == ws::frame_format::float32);
  CAF_CHECK(!ws::parse("Float", f));
  CAF_CHECK(!ws::parse("", f));
  CAF_CHECK_EQUAL(std::string{ws::to_string(quantized)}, "quantized");
}
