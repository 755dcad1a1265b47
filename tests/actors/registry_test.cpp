#define CAF_SUITE actors.registry
#include "fixture.hpp"

using namespace av;

namespace {

node_limits small_limits() {
  node_limits x;
  x.max_agents = 3;
  x.max_concurrent_spawns = 2;
  return x;
}

struct fixture : test::node_fixture {
  fixture() : test::node_fixture(small_limits()) {}

  caf::error spawn_error(agent_spec spec) {
    auto x = ask<agent_info>(reg, atom::spawn::value, spec);
    return x ? caf::error{} : x.error();
  }
};

agent_spec spec_of(std::string type, std::string name = {}) {
  agent_spec x;
  x.type = std::move(type);
  x.name = std::move(name);
  return x;
}

} // namespace

CAF_TEST_FIXTURE_SCOPE(registry_tests, fixture)

CAF_TEST(lookup by uuid number and name) {
  auto x = spawn("coder", "alice");
  for (auto key : {x.id, std::to_string(x.num), std::string{"alice"}}) {
    auto ref = ask<agent_ref>(reg, atom::get::value, key);
    CAF_REQUIRE(ref);
    CAF_CHECK_EQUAL(ref->summary.num, x.num);
    CAF_CHECK(ref->handle);
  }
  auto none = ask<agent_ref>(reg, atom::get::value, std::string{"bob"});
  CAF_REQUIRE(!none);
  CAF_CHECK_EQUAL(code_of(none.error()), ec::not_found);
}

CAF_TEST(the agent limit holds) {
  spawn("coder");
  spawn("coder");
  spawn("coder");
  auto err = spawn_error(spec_of("coder"));
  CAF_CHECK_EQUAL(code_of(err), ec::agent_limit_reached);
  ask<agent_info>(handle(1), atom::terminate::value, std::string{"room"});
  CAF_CHECK(!spawn_error(spec_of("coder")));
}

CAF_TEST(concurrent spawns are limited) {
  // Three requests before the scheduler runs: the third exceeds the limit
  // of two spawns in flight.
  auto r1
    = self->request(reg, caf::infinite, atom::spawn::value, spec_of("coder"));
  auto r2
    = self->request(reg, caf::infinite, atom::spawn::value, spec_of("coder"));
  auto r3
    = self->request(reg, caf::infinite, atom::spawn::value, spec_of("coder"));
  run();
  int ok = 0;
  caf::error failure;
  for (auto* r : {&r1, &r2, &r3})
    r->receive([&](const agent_info&) { ++ok; },
               [&](caf::error& err) { failure = err; });
  CAF_CHECK_EQUAL(ok, 2);
  CAF_CHECK_EQUAL(code_of(failure), ec::too_many_spawns);
}

CAF_TEST(bad spawn requests name the field) {
  auto check = [&](agent_spec spec, ec code, const char* field) {
    auto err = spawn_error(spec);
    CAF_CHECK_EQUAL(code_of(err), code);
    CAF_CHECK(describe(err).find(field) != std::string::npos);
  };
  check(spec_of(""), ec::invalid_argument, "type");
  check(spec_of("Coder!"), ec::invalid_argument, "type");
  check(spec_of("coder", "42"), ec::invalid_argument, "name");
  auto meta = spec_of("coder");
  meta.metadata = "[1,2]";
  check(meta, ec::invalid_argument, "metadata");
  meta.metadata = "{not json";
  check(meta, ec::invalid_argument, "metadata");
  auto id = spec_of("coder");
  id.id = "not-a-uuid";
  check(id, ec::invalid_argument, "id");
  spawn("coder", "taken");
  check(spec_of("coder", "taken"), ec::conflict, "name");
}

CAF_TEST(a given uuid is kept) {
  auto spec = spec_of("coder");
  spec.id = "3F2504E0-4F89-41D3-9A0C-0305E82C3301";
  auto x = ask<agent_info>(reg, atom::spawn::value, spec);
  CAF_REQUIRE(x);
  CAF_CHECK_EQUAL(x->id, "3f2504e0-4f89-41d3-9a0c-0305e82c3301");
  CAF_CHECK_EQUAL(code_of(spawn_error(spec)), ec::conflict);
}

CAF_TEST(listing filters and pages) {
  spawn("coder");
  spawn("tester");
  spawn("coder");
  ask<agent_info>(handle(3), atom::assign::value, task_spec{});
  run();
  auto all = ask<agent_page>(reg, atom::list::value, agent_filter{});
  CAF_REQUIRE(all);
  CAF_CHECK_EQUAL(all->total, 3u);
  auto coders = ask<agent_page>(reg, atom::list::value,
                                agent_filter{"coder", "", 0, 100});
  CAF_REQUIRE(coders);
  CAF_CHECK_EQUAL(coders->total, 2u);
  auto busy
    = ask<agent_page>(reg, atom::list::value, agent_filter{"", "BUSY", 0, 100});
  CAF_REQUIRE(busy);
  CAF_REQUIRE_EQUAL(busy->agents.size(), 1u);
  CAF_CHECK_EQUAL(busy->agents[0].num, 3u);
  auto page
    = ask<agent_page>(reg, atom::list::value, agent_filter{"", "", 1, 1});
  CAF_REQUIRE(page);
  CAF_CHECK_EQUAL(page->total, 3u);
  CAF_REQUIRE_EQUAL(page->agents.size(), 1u);
  CAF_CHECK_EQUAL(page->agents[0].num, 2u);
  auto bad = ask<agent_page>(reg, atom::list::value,
                             agent_filter{"", "SLEEPING", 0, 10});
  CAF_REQUIRE(!bad);
  CAF_CHECK_EQUAL(code_of(bad.error()), ec::invalid_argument);
  auto huge
    = ask<agent_page>(reg, atom::list::value, agent_filter{"", "", 0, 5000});
  CAF_REQUIRE(!huge);
}

CAF_TEST(terminate through the registry) {
  auto x = spawn("coder", "carol");
  auto gone = ask<agent_info>(reg, atom::terminate::value, std::string{"carol"},
                              std::string{"retired"});
  CAF_REQUIRE(gone);
  CAF_CHECK_EQUAL(gone->state, agent_state::terminated);
  CAF_CHECK(!ctx->agents.find(x.num));
  auto again = ask<agent_info>(reg, atom::terminate::value,
                               std::string{"carol"}, std::string{"twice"});
  CAF_REQUIRE(!again);
  CAF_CHECK_EQUAL(code_of(again.error()), ec::not_found);
  // The name is free again.
  CAF_CHECK(!spawn_error(spec_of("coder", "carol")));
}

CAF_TEST_FIXTURE_SCOPE_END()
