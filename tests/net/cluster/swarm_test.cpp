#define CAF_SUITE cluster.swarm
#include "caf/test/unit_test.hpp"
#include "caf_checks.hpp"

#include "av/cluster/swarm.hpp"

using namespace av;
using namespace av::cluster;

namespace {

agent_summary agent(num_id num, agent_state state = agent_state::idle) {
  agent_summary x;
  x.id = "id-" + std::to_string(num);
  x.num = num;
  x.name = "coder-" + std::to_string(num);
  x.type = "coder";
  x.state = state;
  x.node = "b";
  return x;
}

event numbered(uint64_t seq, event_payload payload) {
  return event{seq, 0, std::move(payload), {}};
}

inventory at(uint64_t seq, std::vector<agent_summary> agents) {
  inventory x;
  x.seq = seq;
  x.agents = std::move(agents);
  return x;
}

} // namespace

CAF_TEST(relayed events wait for the inventory and skip what it counted) {
  swarm s;
  auto early = s.relay("b", {numbered(4, agent_spawned{agent(2), "{}", 0}),
                             numbered(6, agent_spawned{agent(3), "{}", 0})});
  CAF_CHECK(early.empty());
  CAF_CHECK(!s.find("2", false));
  // The inventory at 5 counts agent 2 already; 6 comes after it.
  auto told = s.load("b", at(5, {agent(1), agent(2)}));
  CAF_REQUIRE_EQUAL(told.size(), 3u);
  CAF_CHECK_EQUAL(caf::get<agent_spawned>(told[0].payload).agent.num, 1u);
  CAF_CHECK_EQUAL(caf::get<agent_spawned>(told[1].payload).agent.num, 2u);
  CAF_CHECK_EQUAL(told[2].seq, 6u);
  CAF_CHECK_EQUAL(s.size(), 3u);
  // Replayed or old: nothing new.
  CAF_CHECK(
    s.relay("b", {numbered(6, agent_terminated{3, "id-3", "x"})}).empty());
  CAF_CHECK(s.find("3", false));
  auto later = s.relay(
    "b", {numbered(7, agent_state_changed{1, agent_state::idle,
                                          agent_state::busy, "task"})});
  CAF_CHECK_EQUAL(later.size(), 1u);
  CAF_CHECK_EQUAL(s.find("id-1", false)->summary.state, agent_state::busy);
}

CAF_TEST(a new inventory tells only what changed) {
  swarm s;
  s.load("b", at(1, {agent(1), agent(2)}));
  s.lost("b");
  CAF_CHECK(!s.reachable("b"));
  CAF_CHECK(!s.agents("", std::nullopt).agents[0].reachable);
  // Back after a restart: 1 busy, 2 gone, 3 new; its numbering restarted.
  auto told = s.load("b", at(0, {agent(1, agent_state::busy), agent(3)}));
  CAF_REQUIRE_EQUAL(told.size(), 3u);
  CAF_CHECK_EQUAL(caf::get<agent_terminated>(told[0].payload).agent, 2u);
  CAF_CHECK_EQUAL(caf::get<agent_state_changed>(told[1].payload).to,
                  agent_state::busy);
  CAF_CHECK_EQUAL(caf::get<agent_spawned>(told[2].payload).agent.num, 3u);
  CAF_CHECK(s.reachable("b"));
  CAF_CHECK(!s.find("id-2", false));
  CAF_CHECK(!s.find("coder-2", true));
  CAF_CHECK(s.find("coder-3", true));
  CAF_CHECK(!s.find("coder-3", false));
  CAF_CHECK_EQUAL(s.agents("", agent_state::busy).total, 1u);
  CAF_CHECK_EQUAL(s.size(), 2u);
}

CAF_TEST(the agents of several nodes are listed by number a page at a time) {
  swarm s;
  s.load("b", at(1, {agent(1), agent(4, agent_state::busy)}));
  s.load("c", at(1, {agent(2), agent(3, agent_state::busy), agent(5)}));
  auto all = s.agents("", std::nullopt);
  CAF_CHECK_EQUAL(all.total, 5u);
  std::vector<num_id> nums;
  for (auto& x : all.agents)
    nums.push_back(x.num);
  CAF_CHECK_EQUAL(nums, (std::vector<num_id>{1, 2, 3, 4, 5}));
  auto page = s.agents("", std::nullopt, 1, 2);
  CAF_CHECK_EQUAL(page.total, 5u);
  CAF_REQUIRE_EQUAL(page.agents.size(), 2u);
  CAF_CHECK_EQUAL(page.agents[0].num, 2u);
  CAF_CHECK_EQUAL(page.agents[1].num, 3u);
  CAF_CHECK_EQUAL(page.agents[1].node, "c");
  auto busy = s.agents("", agent_state::busy, 1, 10);
  CAF_CHECK_EQUAL(busy.total, 2u);
  CAF_REQUIRE_EQUAL(busy.agents.size(), 1u);
  CAF_CHECK_EQUAL(busy.agents[0].num, 4u);
  CAF_CHECK(s.agents("", std::nullopt, 9, 10).agents.empty());
}

CAF_TEST(names are found through an index and the lower number wins) {
  swarm s;
  auto other = agent(7);
  other.name = "coder-1";
  s.load("b", at(1, {agent(1)}));
  s.load("c", at(1, {other}));
  CAF_CHECK_EQUAL(s.find("coder-1", true)->summary.num, 1u);
  // b's agent ended: c's is the one with that name now.
  s.relay("b", {numbered(2, agent_terminated{1, "id-1", "done"})});
  CAF_CHECK_EQUAL(s.find("coder-1", true)->summary.num, 7u);
  CAF_CHECK(!s.find("coder-1", false));
}
