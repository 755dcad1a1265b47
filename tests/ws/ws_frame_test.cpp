#define CAF_SUITE ws.frame

#include "av/ws_frame.hpp"

#include <cstring>

#include "caf/test/unit_test.hpp"

#include "av/ws_events.hpp"

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
  ev.payload = message_event{(uint64_t{5} << 32) | 1, 5,    6,  "inform",
                             priority::high,          true, 100};
  x = event_json(ev);
  CAF_CHECK_EQUAL(x["type"], "message.sent");
  CAF_CHECK_EQUAL(x["data"]["id"], "21474836481");
}
