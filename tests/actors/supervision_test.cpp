#define CAF_SUITE actors.supervision
#include "fixture.hpp"

#include "av/restart_policy.hpp"

using namespace av;
using namespace std::chrono_literals;

namespace {

node_limits two_restarts() {
  node_limits x;
  x.max_restarts = 2;
  x.restart_window = std::chrono::milliseconds{60000};
  return x;
}

struct fixture : test::node_fixture {
  fixture() : test::node_fixture(two_restarts()) {}

  void crash(num_id num) {
    caf::anon_send(handle(num), atom::fault::value, std::string{"boom"});
    run();
  }
};

} // namespace

CAF_TEST(restart policy counts within the window) {
  restart_policy p{2, std::chrono::milliseconds{1000}};
  using tp = std::chrono::steady_clock::time_point;
  CAF_CHECK(p.permit(tp{100ms}));
  CAF_CHECK(p.permit(tp{200ms}));
  CAF_CHECK(!p.permit(tp{300ms}));
  // The first crash leaves the window at 1100 ms.
  CAF_CHECK(p.permit(tp{1150ms}));
  CAF_CHECK(!p.permit(tp{1160ms}));
  restart_policy never{0, std::chrono::milliseconds{1000}};
  CAF_CHECK(!never.permit(tp{0ms}));
}

CAF_TEST_FIXTURE_SCOPE(supervision_tests, fixture)

CAF_TEST(a crashed agent restarts from its last state) {
  auto x = spawn("coder");
  auto owner_log = std::make_shared<std::vector<task_result>>();
  auto owner = sys.spawn([owner_log](caf::event_based_actor*) -> caf::behavior {
    return {[owner_log](atom::task_done, const task_result& r) {
      owner_log->push_back(r);
    }};
  });
  metrics_sample s;
  s.success_rate = 0.75;
  ask<metrics_report>(handle(x.num), atom::metrics::value, s);
  task_spec t;
  t.description = "doomed";
  t.owner = owner;
  ask<agent_info>(handle(x.num), atom::assign::value, t);
  auto old = handle(x.num);
  crash(x.num);
  auto fresh = handle(x.num);
  CAF_CHECK_NOT_EQUAL(old, fresh);
  auto after = info(x.num);
  CAF_CHECK_EQUAL(after.id, x.id);
  CAF_CHECK_EQUAL(after.state, agent_state::idle);
  CAF_CHECK_EQUAL(after.restarts, 1u);
  CAF_CHECK_EQUAL(after.metrics.success_rate, 0.75);
  CAF_CHECK_EQUAL(after.tasks_failed, 1u);
  auto history = ask<metrics_report>(fresh, atom::metrics::value);
  CAF_REQUIRE(history);
  CAF_CHECK_EQUAL(history->history.size(), 1u);
  CAF_REQUIRE_EQUAL(owner_log->size(), 1u);
  CAF_CHECK(!owner_log->front().success);
  // ERROR then IDLE was published.
  auto states = events_of<agent_state_changed>();
  CAF_REQUIRE_GREATER_OR_EQUAL(states.size(), 2u);
  CAF_CHECK_EQUAL(states[states.size() - 2].to, agent_state::error);
  CAF_CHECK_EQUAL(states.back().to, agent_state::idle);
  caf::anon_send_exit(owner, caf::exit_reason::user_shutdown);
}

CAF_TEST(too many crashes in the window give the agent up) {
  auto x = spawn("tester");
  crash(x.num);
  crash(x.num);
  CAF_CHECK_EQUAL(info(x.num).restarts, 2u);
  crash(x.num);
  auto ref = ask<agent_ref>(reg, atom::get::value, x.id);
  CAF_REQUIRE(!ref);
  CAF_CHECK_EQUAL(code_of(ref.error()), ec::not_found);
  auto term = events_of<agent_terminated>();
  CAF_REQUIRE_EQUAL(term.size(), 1u);
  CAF_CHECK(term[0].reason.find("restart limit") != std::string::npos);
  auto states = events_of<agent_state_changed>();
  CAF_CHECK_EQUAL(states.back().to, agent_state::terminated);
}

CAF_TEST(crashes outside the window are forgiven) {
  auto x = spawn("tester");
  crash(x.num);
  crash(x.num);
  advance_time(61s);
  crash(x.num);
  CAF_CHECK_EQUAL(info(x.num).restarts, 3u);
  CAF_CHECK_EQUAL(info(x.num).state, agent_state::idle);
}

CAF_TEST_FIXTURE_SCOPE_END()
