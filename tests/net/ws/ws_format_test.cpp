#define CAF_SUITE ws.format
#include "caf/test/unit_test.hpp"
#include "caf_checks.hpp"

#include <cmath>
#include <map>
#include <utility>

#include "recording_outlet.hpp"
#include "ws_fixture.hpp"

using namespace av;
using namespace av::test;
using json = nlohmann::json;

namespace {

constexpr auto quantized = ws::frame_format::quantized;

position_batch part(uint64_t frame, uint32_t index) {
  position_batch x;
  x.frame = frame;
  x.part = index;
  x.parts = 2;
  x.time_ms = now_ms();
  x.agents.push_back({index + 1, {1.f, 2.f, 3.f}, {0.5f, 0.f, 0.f}});
  return x;
}

/// A hub of its own, without physics or bus: only the parts a test sends
/// reach it, so its counters are exact.
struct hub_fixture : ws_fixture {
  ws_stats_ptr stats = std::make_shared<ws_stats>();
  hub_actor own_hub = node->system().spawn(
    hub, std::make_shared<node_context>(), stats, registry_actor{}, bus_actor{},
    physics_actor{}, 500u, 60u);
  std::vector<ws_session_actor> sessions;

  ~hub_fixture() {
    for (auto& s : sessions)
      caf::anon_send_exit(s, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(own_hub, caf::exit_reason::user_shutdown);
  }

  /// A recording session subscribed with `filter` and `format`.
  std::shared_ptr<recording_outlet> join(ws_filter filter,
                                         ws::frame_format format) {
    auto outlet = std::make_shared<recording_outlet>();
    auto id = uint64_t{8000} + sessions.size();
    sessions.push_back(node->system().spawn(ws_session, outlet, id));
    caf::anon_send(own_hub, atom::subscribe::value,
                   ws_subscription{id, sessions.back(), filter, {}, format});
    if (!outlet->wait([&] { return outlet->subscribed; }))
      CAF_FAIL("no subscribed answer");
    return outlet;
  }

  uint64_t payloads(ws::frame_format f) {
    return stats->frame_payloads[static_cast<size_t>(f)].load();
  }

  /// Sends both parts of `frame` and waits until `outlets` got them.
  void tick(uint64_t frame,
            const std::vector<std::shared_ptr<recording_outlet>>& outlets) {
    caf::anon_send(own_hub, part(frame, 0));
    caf::anon_send(own_hub, part(frame, 1));
    for (auto& o : outlets)
      if (!o->wait([&] {
            return std::count(o->frames.begin(), o->frames.end(), frame) == 2;
          }))
        CAF_FAIL("frame " << frame << " did not arrive");
  }
};

uint8_t flags(const std::string& bytes) {
  return static_cast<uint8_t>(bytes.at(5));
}

} // namespace

CAF_TEST_FIXTURE_SCOPE(ws_format_hub_tests, hub_fixture)

CAF_TEST(the hub encodes each format once per part and only when wanted) {
  auto f1 = join({}, ws::frame_format::float32);
  // Parsed into a variable: the check holds a reference into it.
  auto answer = json::parse(f1->control);
  CAF_CHECK_EQUAL(answer["format"], "float");
  tick(1, {f1});
  CAF_CHECK_EQUAL(payloads(ws::frame_format::float32), 2u);
  CAF_CHECK_EQUAL(payloads(quantized), 0u);
  auto q1 = join({}, quantized);
  auto q2 = join({}, quantized);
  ws_filter testers;
  testers.types = {"tester"};
  auto q3 = join(testers, quantized);
  answer = json::parse(q1->control);
  CAF_CHECK_EQUAL(answer["format"], "quantized");
  tick(2, {f1, q1, q2, q3});
  // Per part: one float and one quantized payload for the viewers of every
  // agent, one quantized payload for the restricted group.
  CAF_CHECK_EQUAL(payloads(ws::frame_format::float32), 4u);
  CAF_CHECK_EQUAL(payloads(quantized), 4u);
  std::lock_guard<std::mutex> g1{q1->mtx};
  std::lock_guard<std::mutex> g2{q2->mtx};
  std::lock_guard<std::mutex> g3{q3->mtx};
  std::lock_guard<std::mutex> g4{f1->mtx};
  CAF_REQUIRE_EQUAL(q1->payloads.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    // One shared payload for every receiver of a format.
    CAF_CHECK_EQUAL(q1->payloads[i], q2->payloads[i]);
    CAF_CHECK_EQUAL(flags(*q1->payloads[i]) & ws::frame_quantized,
                    ws::frame_quantized);
    CAF_CHECK_EQUAL(flags(*f1->payloads[2 + i]) & ws::frame_quantized, 0);
    position_batch x;
    CAF_REQUIRE(ws::decode_frame(*q3->payloads[i], x));
    CAF_CHECK(x.agents.empty());
    ws::frame_scales s;
    CAF_REQUIRE(ws::decode_frame(*q1->payloads[i], x, &s));
    CAF_REQUIRE_EQUAL(x.agents.size(), 1u);
    CAF_CHECK_EQUAL(s.position, 3.f / 32767);
    CAF_CHECK_LESS_OR_EQUAL(std::fabs(x.agents[0].pos.z - 3.f), s.position);
  }
}

CAF_TEST_FIXTURE_SCOPE_END()

CAF_TEST_FIXTURE_SCOPE(ws_format_stream_tests, ws_fixture)

CAF_TEST(quantized frames match the float frames of a tick within a step) {
  auto fl = connect();
  auto qu = connect();
  auto float_answer = subscribe(*fl);
  auto quantized_answer = subscribe(*qu, json{{"format", "quantized"}});
  CAF_CHECK_EQUAL(float_answer["format"], "float");
  CAF_CHECK_EQUAL(quantized_answer["format"], "quantized");
  for (int i = 0; i < 3; ++i)
    spawn("coder");
  // Reads both sockets in turn until one tick part reached both.
  using key = std::pair<uint64_t, uint32_t>;
  std::map<key, std::string> got[2];
  ws_client* clients[2] = {fl.get(), qu.get()};
  std::optional<key> both;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{10};
  while (!both && std::chrono::steady_clock::now() < deadline)
    for (int i = 0; i < 2 && !both; ++i) {
      auto msg = clients[i]->read(ms{100});
      position_batch x;
      if (!msg || !msg->binary || !ws::decode_frame(msg->data, x)
          || x.agents.empty())
        continue;
      key k{x.frame, x.part};
      got[i][k] = msg->data;
      if (got[1 - i].count(k) > 0)
        both = k;
    }
  CAF_REQUIRE(both);
  auto& float_bytes = got[0][*both];
  auto& quantized_bytes = got[1][*both];
  CAF_CHECK_EQUAL(flags(float_bytes) & ws::frame_quantized, 0);
  CAF_CHECK_EQUAL(flags(quantized_bytes) & ws::frame_quantized,
                  ws::frame_quantized);
  CAF_CHECK_LESS(quantized_bytes.size(), float_bytes.size());
  position_batch want;
  position_batch near;
  ws::frame_scales s;
  CAF_REQUIRE(ws::decode_frame(float_bytes, want));
  CAF_REQUIRE(ws::decode_frame(quantized_bytes, near, &s));
  CAF_CHECK_GREATER(s.position, 0.f);
  CAF_REQUIRE_EQUAL(near.agents.size(), want.agents.size());
  for (size_t i = 0; i < want.agents.size(); ++i) {
    auto& a = want.agents[i];
    auto& b = near.agents[i];
    CAF_CHECK_EQUAL(a.agent, b.agent);
    CAF_CHECK_LESS_OR_EQUAL(std::fabs(a.pos.x - b.pos.x), s.position);
    CAF_CHECK_LESS_OR_EQUAL(std::fabs(a.pos.y - b.pos.y), s.position);
    CAF_CHECK_LESS_OR_EQUAL(std::fabs(a.pos.z - b.pos.z), s.position);
    CAF_CHECK_LESS_OR_EQUAL(std::fabs(a.vel.x - b.vel.x), s.velocity);
    CAF_CHECK_LESS_OR_EQUAL(std::fabs(a.vel.y - b.vel.y), s.velocity);
    CAF_CHECK_LESS_OR_EQUAL(std::fabs(a.vel.z - b.vel.z), s.velocity);
  }
}

CAF_TEST(an unknown frame format is refused with the allowed ones) {
  auto c = connect();
  for (auto bad : {json("half"), json(16), json::array({"float"})}) {
    c->send(json{{"type", "subscribe"}, {"format", bad}});
    auto err = c->read_type("error");
    CAF_REQUIRE(err);
    CAF_CHECK_EQUAL((*err)["code"], "invalid_argument");
    auto text = (*err)["message"].get<std::string>();
    CAF_CHECK_EQUAL(text.rfind("format:", 0), 0u);
    CAF_CHECK_NOT_EQUAL(text.find("\"quantized\""), std::string::npos);
    CAF_CHECK_NOT_EQUAL(text.find(bad.dump()), std::string::npos);
  }
  // The session is still usable; null means the default.
  auto answer = subscribe(*c, json{{"format", nullptr}});
  CAF_CHECK_EQUAL(answer["format"], "float");
}

CAF_TEST_FIXTURE_SCOPE_END()
