#define CAF_SUITE actors.demo
#include "fixture.hpp"

#include <algorithm>
#include <set>

#include "av/demo.hpp"

using namespace av;
using namespace std::chrono_literals;

CAF_TEST_FIXTURE_SCOPE(demo_tests, test::node_fixture)

CAF_TEST(the demo swarm lives) {
  auto driver = sys.spawn(av::demo, ctx, reg, bus, uint32_t{12});
  settle();
  auto page = ask<agent_page>(reg, atom::list::value, agent_filter{});
  CAF_REQUIRE(page);
  CAF_CHECK_EQUAL(page->total, 12u);
  std::set<std::string> types;
  for (auto& x : page->agents) {
    CAF_CHECK_EQUAL(x.origin, provenance::simulated);
    types.insert(x.type);
  }
  CAF_CHECK_GREATER_OR_EQUAL(types.size(), 7u);
  // Five simulated minutes, one driver tick at a time.
  for (int i = 0; i < 600; ++i) {
    advance_time(demo_tick_interval);
    settle();
  }
  std::set<pattern> patterns;
  size_t finished = 0;
  for (auto& x : events_of<coordination_event>()) {
    patterns.insert(x.kind);
    if (x.status == coord_status::completed || x.status == coord_status::failed)
      ++finished;
  }
  CAF_CHECK_EQUAL(patterns.size(), 4u);
  CAF_CHECK_GREATER(finished, 4u);
  auto tasks = events_of<task_event>();
  auto failed = std::count_if(tasks.begin(), tasks.end(), [](auto& x) {
    return x.phase == task_phase::failed;
  });
  auto done = std::count_if(tasks.begin(), tasks.end(), [](auto& x) {
    return x.phase == task_phase::completed;
  });
  CAF_CHECK_GREATER(done, 50);
  CAF_CHECK_GREATER(failed, 0);
  CAF_CHECK_GREATER(events_of<message_event>().size(), 50u);
  // The driver's periodic fault shows supervision at work.
  auto states = events_of<agent_state_changed>();
  CAF_CHECK(std::any_of(states.begin(), states.end(),
                        [](auto& x) { return x.reason == "restarted"; }));
  caf::anon_send_exit(driver, caf::exit_reason::user_shutdown);
}

CAF_TEST(a demo swarm started again goes on with the agents it had) {
  // As after a restart: simulated agents restored, one measured one.
  for (int i = 0; i < 5; ++i)
    spawn("coder", "", provenance::simulated);
  spawn("tester", "measured-one");
  auto driver = sys.spawn(av::demo, ctx, reg, bus, uint32_t{8});
  settle();
  auto page
    = ask<agent_page>(reg, atom::list::value, agent_filter{"", "", 0, 100});
  CAF_REQUIRE(page);
  auto simulated
    = std::count_if(page->agents.begin(), page->agents.end(),
                    [](auto& x) { return x.origin == provenance::simulated; });
  CAF_CHECK_EQUAL(simulated, 8);
  CAF_CHECK_EQUAL(page->total, 9u);
  caf::anon_send_exit(driver, caf::exit_reason::user_shutdown);
  // With more than it wants, it spawns none.
  auto again = sys.spawn(av::demo, ctx, reg, bus, uint32_t{3});
  settle();
  page = ask<agent_page>(reg, atom::list::value, agent_filter{"", "", 0, 100});
  CAF_REQUIRE(page);
  CAF_CHECK_EQUAL(page->total, 9u);
  caf::anon_send_exit(again, caf::exit_reason::user_shutdown);
}

CAF_TEST_FIXTURE_SCOPE_END()
