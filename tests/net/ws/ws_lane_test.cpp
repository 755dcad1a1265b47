#define CAF_SUITE ws.lane
#include "caf/test/unit_test.hpp"
#include "caf_checks.hpp"

#include <string>
#include <vector>

#include "av/ws/stream_state.hpp"

using namespace av;

namespace {

/// Records what a lane hands it, in order.
struct outlet : ws_outlet {
  std::vector<std::string> got;

  void push_events(std::vector<ws_payload> xs, uint64_t) override {
    for (auto& x : xs)
      got.push_back("event " + *x);
  }

  void push_frame(uint64_t frame, ws_payload x) override {
    got.push_back("frame " + std::to_string(frame) + " " + *x);
  }

  void push_control(ws_payload x) override { got.push_back("control " + *x); }
};

ws_push push(ws_push::what kind, uint64_t seq, std::string text) {
  ws_push x;
  x.kind = kind;
  x.seq = seq;
  x.payloads.push_back(std::make_shared<const std::string>(std::move(text)));
  return x;
}

struct fixture {
  boost::asio::io_context ioc{1};
  net::post_gate gate;
  ws_stats stats;
  ws::lane lane{ioc, gate, stats, nullptr};
  std::shared_ptr<outlet> a = std::make_shared<outlet>();
  std::shared_ptr<outlet> b = std::make_shared<outlet>();

  std::vector<std::shared_ptr<ws_outlet>> both() { return {a, b}; }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(ws_lane_tests, fixture)

CAF_TEST(a lane that fell behind hands out the newest frame and every event) {
  using what = ws_push::what;
  lane.push(both(), push(what::frame, 1, "f1"));
  lane.push(both(), push(what::events, 10, "e10"));
  lane.push({a}, push(what::control, 0, "hello"));
  lane.push(both(), push(what::frame, 2, "f2"));
  lane.push(both(), push(what::events, 11, "e11"));
  lane.push(both(), push(what::frame, 3, "f3"));
  // One task for all of it, however many pushes came.
  CAF_CHECK_EQUAL(ioc.poll(), 1u);
  CAF_CHECK_EQUAL(a->got,
                  (std::vector<std::string>{"event e10", "control hello",
                                            "event e11", "frame 3 f3"}));
  CAF_CHECK_EQUAL(
    b->got, (std::vector<std::string>{"event e10", "event e11", "frame 3 f3"}));
  // Frames 1 and 2, to two outlets each.
  CAF_CHECK_EQUAL(stats.frames_coalesced.load(), 4u);
}

CAF_TEST(a lane that keeps up hands out every frame) {
  using what = ws_push::what;
  for (uint64_t i = 1; i <= 3; ++i) {
    lane.push({a}, push(what::frame, i, "f"));
    ioc.restart();
    CAF_CHECK_EQUAL(ioc.poll(), 1u);
  }
  CAF_CHECK_EQUAL(a->got.size(), 3u);
  CAF_CHECK_EQUAL(stats.frames_coalesced.load(), 0u);
}

CAF_TEST(parts of one frame for different groups all stay) {
  using what = ws_push::what;
  lane.push({a}, push(what::frame, 5, "group one"));
  lane.push({b}, push(what::frame, 5, "group two"));
  CAF_CHECK_EQUAL(ioc.poll(), 1u);
  CAF_CHECK_EQUAL(a->got, (std::vector<std::string>{"frame 5 group one"}));
  CAF_CHECK_EQUAL(b->got, (std::vector<std::string>{"frame 5 group two"}));
}

CAF_TEST(after the end a push holds no connection) {
  gate.close(ioc);
  std::weak_ptr<outlet> watch = a;
  lane.push({a}, push(ws_push::what::frame, 1, "late"));
  a.reset();
  CAF_CHECK(watch.expired());
  CAF_CHECK_EQUAL(ioc.poll(), 0u);
}

CAF_TEST_FIXTURE_SCOPE_END()
