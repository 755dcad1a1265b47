#define CAF_SUITE ws.pacing
#include "caf/test/unit_test.hpp"
#include "caf_checks.hpp"

#include "recording_outlet.hpp"
#include "ws_fixture.hpp"

using namespace av;
using namespace av::test;

namespace {

position_batch frame(uint64_t n, bool keyframe) {
  position_batch x;
  x.frame = n;
  x.parts = 1;
  x.keyframe = keyframe;
  x.time_ms = now_ms();
  x.agents.push_back({1, {}, {}});
  return x;
}

} // namespace

CAF_TEST_FIXTURE_SCOPE(ws_pacing_tests, ws_fixture)

CAF_TEST(a viewer below the tick rate gets every kth frame and keyframes) {
  // PHYSICS_UPDATE_RATE is 60: 25 fps means every third tick.
  auto outlet = std::make_shared<recording_outlet>();
  auto session = node->system().spawn(ws_session, outlet, uint64_t{7001});
  ws_filter filter;
  filter.fps = 25;
  caf::anon_send(node->hub(), atom::subscribe::value,
                 ws_subscription{7001, session, filter, {}});
  CAF_REQUIRE(outlet->wait([&] { return outlet->subscribed; }));
  for (uint64_t n = 1001; n <= 1009; ++n)
    caf::anon_send(node->hub(), frame(n, n == 1004));
  // Frames reach the hub in order; the last one tells when all arrived.
  CAF_REQUIRE(outlet->wait(
    [&] { return !outlet->frames.empty() && outlet->frames.back() == 1008; }));
  std::vector<uint64_t> want{1002, 1004, 1005, 1008};
  CAF_CHECK_EQUAL(outlet->frames, want);
  caf::anon_send_exit(session, caf::exit_reason::user_shutdown);
}

CAF_TEST(a viewer at the tick rate gets every frame) {
  auto outlet = std::make_shared<recording_outlet>();
  auto session = node->system().spawn(ws_session, outlet, uint64_t{7002});
  caf::anon_send(node->hub(), atom::subscribe::value,
                 ws_subscription{7002, session, ws_filter{}, {}});
  CAF_REQUIRE(outlet->wait([&] { return outlet->subscribed; }));
  for (uint64_t n = 2001; n <= 2030; ++n)
    caf::anon_send(node->hub(), frame(n, false));
  CAF_REQUIRE(outlet->wait(
    [&] { return !outlet->frames.empty() && outlet->frames.back() == 2030; }));
  CAF_CHECK_EQUAL(outlet->frames.size(), 30u);
  caf::anon_send_exit(session, caf::exit_reason::user_shutdown);
}

CAF_TEST_FIXTURE_SCOPE_END()
