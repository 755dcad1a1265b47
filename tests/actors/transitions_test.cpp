#define CAF_SUITE actors.transitions
#include "caf/test/unit_test.hpp"
#include "caf_checks.hpp"

#include "av/types.hpp"

using namespace av;

CAF_TEST(the state machine allows exactly the documented transitions) {
  using s = agent_state;
  const s all[] = {s::idle, s::busy, s::error, s::terminated};
  auto allowed = [](s from, s to) {
    return (from == s::idle && (to == s::busy || to == s::error))
           || (from == s::busy && (to == s::idle || to == s::error))
           || (from == s::error && to == s::idle)
           || (from != s::terminated && to == s::terminated);
  };
  for (auto from : all)
    for (auto to : all)
      CAF_CHECK_EQUAL(transition_allowed(from, to), allowed(from, to));
}

CAF_TEST(names round trip) {
  for (auto x : {agent_state::idle, agent_state::busy, agent_state::error,
                 agent_state::terminated}) {
    agent_state y = agent_state::idle;
    CAF_CHECK(parse(to_string(x), y));
    CAF_CHECK_EQUAL(x, y);
  }
  agent_state z;
  CAF_CHECK(parse("busy", z));
  CAF_CHECK_EQUAL(z, agent_state::busy);
  CAF_CHECK(!parse("sleeping", z));
  pattern p;
  CAF_CHECK(parse("PIPELINE", p));
  CAF_CHECK_EQUAL(p, pattern::pipeline);
  CAF_CHECK(!parse("star", p));
}
