#define CAF_SUITE ws.threads

#include "caf/test/unit_test.hpp"
#include "caf_checks.hpp"

#include <set>

#include "ws_fixture.hpp"

using namespace av;
using namespace av::test;
using json = nlohmann::json;

namespace {

struct fixture : ws_fixture {
  fixture() : ws_fixture(three_threads()) {
    // nop
  }

  static config::settings three_threads() {
    auto cfg = ws_settings();
    cfg.ws_io_threads = 3;
    // One sendmsg per write here; the other suites write through the send
    // rings where the kernel allows io_uring.
    cfg.ws_io_uring = false;
    return cfg;
  }
};

/// Whether a frame lists `num` within 10 s.
bool frame_lists(ws_client& c, num_id num) {
  return frame_agents(c, {num}, std::chrono::seconds{10}).count(num) > 0;
}

} // namespace

CAF_TEST_FIXTURE_SCOPE(ws_threads_tests, fixture)

CAF_TEST(viewers spread over three io threads each get events and frames) {
  // Connections go to the threads in turn: seven cover every thread twice.
  std::vector<std::unique_ptr<ws_client>> cs;
  for (int i = 0; i < 7; ++i) {
    cs.push_back(connect());
    subscribe(*cs.back());
  }
  auto agent = spawn("coder");
  auto num = agent["numId"].get<num_id>();
  for (auto& c : cs) {
    auto ev = read_event(*c, "agent.spawned");
    CAF_REQUIRE(ev);
    CAF_CHECK_EQUAL((*ev)["data"]["numId"], num);
    CAF_CHECK(frame_lists(*c, num));
  }
  auto st = hub_status();
  CAF_CHECK_EQUAL(caf::get_or(st, "sessions_subscribed", uint64_t{0}), 7u);
}

CAF_TEST(the subscribed answer comes before the events that follow it) {
  auto c = connect();
  // Events stream while the session subscribes: none may overtake the
  // answer, and the first one after it continues from its seq.
  for (int i = 0; i < 5; ++i)
    spawn("coder");
  c->send(json{{"type", "subscribe"}});
  std::optional<uint64_t> base;
  std::optional<uint64_t> next;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{10};
  while (!next && std::chrono::steady_clock::now() < deadline) {
    auto msg = c->read(std::chrono::milliseconds{500});
    if (!msg || msg->binary)
      continue;
    auto& x = msg->json;
    if (x.value("type", "") == "subscribed") {
      base = x["seq"].get<uint64_t>();
      // At least one event follows.
      spawn("tester");
    } else if (x.contains("seq")) {
      CAF_REQUIRE(base);
      next = x["seq"].get<uint64_t>();
    }
  }
  CAF_REQUIRE(base);
  CAF_REQUIRE(next);
  CAF_CHECK_EQUAL(*next, *base + 1);
}

CAF_TEST_FIXTURE_SCOPE_END()
