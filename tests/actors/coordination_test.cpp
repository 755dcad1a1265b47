#define CAF_SUITE actors.coordination
#include "fixture.hpp"

#include "av/coordination.hpp"

using namespace av;
using namespace std::chrono_literals;

namespace {

struct fixture : test::node_fixture {
  std::vector<num_id> team(size_t n) {
    std::vector<num_id> result;
    for (size_t i = 0; i < n; ++i)
      result.push_back(spawn("coder").num);
    return result;
  }

  coordination_info start(pattern kind, std::vector<num_id> members,
                          std::string task = "ship it") {
    coordination_spec spec;
    spec.kind = kind;
    spec.participants = std::move(members);
    spec.task = std::move(task);
    auto x = ask<coordination_info>(reg, atom::coordinate::value, spec);
    if (!x)
      CAF_FAIL("coordinate failed: " << describe(x.error()));
    settle();
    return *x;
  }

  coordination_info status(const std::string& id) {
    auto ref = ask<coordination_ref>(reg, atom::coordinate::value,
                                     atom::get::value, id);
    if (!ref)
      CAF_FAIL("no coordination " << id);
    auto x = ask<coordination_info>(ref->handle, atom::get::value);
    if (!x)
      CAF_FAIL("get failed");
    return *x;
  }

  /// A coordination as PostgreSQL holds it after a stop: active, with
  /// `members` (agent, role) and `checkpoint`.
  static coordination_info
  stored_run(pattern kind, std::vector<std::pair<num_id, std::string>> members,
             std::string checkpoint) {
    coordination_info result;
    result.id = make_uuid();
    result.kind = kind;
    result.status = coord_status::active;
    result.task = "raw";
    for (auto& [num, role] : members)
      result.participants.push_back({num, role, true});
    result.checkpoint = std::move(checkpoint);
    return result;
  }

  /// Resumes `stored` as a restarted node does; returns its state after.
  coordination_info resume(const coordination_info& stored) {
    if (!ask<coordination_info>(reg, atom::coordinate::value, stored))
      CAF_FAIL("resume refused");
    settle();
    return status(stored.id);
  }

  /// Completes the running task of `num` successfully and lets the run go on.
  void succeed(num_id num, std::string output) {
    CAF_REQUIRE(complete(num, true, std::move(output)));
    settle();
  }

  task_spec running(num_id num) {
    auto x = info(num);
    CAF_CHECK(!x.current_task.empty());
    return task_spec{x.current_task, "", "", "", 0, nullptr};
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(coordination_tests, fixture)

CAF_TEST(coordinations need two to a hundred known agents) {
  auto members = team(2);
  coordination_spec spec;
  spec.kind = pattern::mesh;
  spec.participants = {members[0]};
  auto one = ask<coordination_info>(reg, atom::coordinate::value, spec);
  CAF_REQUIRE(!one);
  CAF_CHECK_EQUAL(code_of(one.error()), ec::invalid_argument);
  spec.participants = std::vector<num_id>(101, members[0]);
  CAF_CHECK(!ask<coordination_info>(reg, atom::coordinate::value, spec));
  spec.participants = {members[0], members[0]};
  CAF_CHECK(!ask<coordination_info>(reg, atom::coordinate::value, spec));
  spec.participants = {members[0], 77};
  auto unknown = ask<coordination_info>(reg, atom::coordinate::value, spec);
  CAF_REQUIRE(!unknown);
  CAF_CHECK_EQUAL(code_of(unknown.error()), ec::not_found);
}

CAF_TEST(hierarchical splits among workers and gathers) {
  auto m = team(3);
  auto c = start(pattern::hierarchical, m, "build the parser");
  CAF_CHECK_EQUAL(c.status, coord_status::active);
  CAF_CHECK_EQUAL(c.steps_total, 4u);
  CAF_CHECK_EQUAL(c.participants[0].role, "leader");
  CAF_CHECK_EQUAL(c.participants[1].role, "worker");
  CAF_REQUIRE(complete(m[0], true, "plan"));
  settle();
  CAF_CHECK_EQUAL(status(c.id).progress, 0.25);
  CAF_REQUIRE(complete(m[1], true, "lexer"));
  CAF_REQUIRE(complete(m[2], true, "grammar"));
  settle();
  // The leader now gathers the workers' outputs.
  auto gather = info(m[0]);
  CAF_CHECK(!gather.current_task.empty());
  CAF_REQUIRE(complete(m[0], true, "parser done"));
  settle();
  auto done = status(c.id);
  CAF_CHECK_EQUAL(done.status, coord_status::completed);
  CAF_CHECK_EQUAL(done.result, "parser done");
  CAF_CHECK_EQUAL(done.progress, 1.0);
  CAF_CHECK_EQUAL(done.steps_done, 4u);
}

CAF_TEST(hierarchical reassigns a failed part once) {
  auto m = team(3);
  auto c = start(pattern::hierarchical, m);
  complete(m[0], true, "plan");
  settle();
  CAF_REQUIRE(complete(m[1], false, "compiler crashed"));
  settle();
  // Part 1 went to the other worker, which now holds two parts.
  CAF_CHECK_EQUAL(info(m[2]).queued_tasks, 2u);
  CAF_CHECK(status(c.id).reason.find("re-assigned") != std::string::npos);
  complete(m[2], false, "still broken");
  settle();
  complete(m[2], false, "again");
  settle();
  auto failed = status(c.id);
  CAF_CHECK_EQUAL(failed.status, coord_status::failed);
  CAF_CHECK(failed.reason.find("failed twice") != std::string::npos);
}

CAF_TEST(hierarchical survives a worker that terminates) {
  auto m = team(3);
  auto c = start(pattern::hierarchical, m);
  complete(m[0], true, "plan");
  settle();
  ask<agent_info>(handle(m[1]), atom::terminate::value, std::string{"gone"});
  settle();
  auto mid = status(c.id);
  CAF_CHECK_EQUAL(mid.status, coord_status::active);
  CAF_CHECK(!mid.participants[1].active);
  complete(m[2], true, "a");
  settle();
  complete(m[2], true, "b");
  settle();
  complete(m[0], true, "merged");
  settle();
  CAF_CHECK_EQUAL(status(c.id).status, coord_status::completed);
}

CAF_TEST(hierarchical fails when the leader leaves) {
  auto m = team(3);
  auto c = start(pattern::hierarchical, m);
  ask<agent_info>(handle(m[0]), atom::terminate::value, std::string{"quit"});
  settle();
  CAF_CHECK_EQUAL(status(c.id).status, coord_status::failed);
}

CAF_TEST(mesh exchanges between every pair) {
  auto m = team(3);
  auto c = start(pattern::mesh, m, "sync");
  auto done = status(c.id);
  CAF_CHECK_EQUAL(done.status, coord_status::completed);
  CAF_CHECK_EQUAL(done.steps_total, 6u);
  CAF_CHECK_EQUAL(done.steps_done, 6u);
  for (auto num : m) {
    CAF_CHECK_EQUAL(info(num).messages_sent, 2u);
    CAF_CHECK_EQUAL(info(num).messages_received, 2u);
  }
}

CAF_TEST(mesh plans out a peer that left) {
  auto m = team(3);
  caf::anon_send(handle(m[2]), atom::terminate::value, std::string{"bye"});
  coordination_spec spec;
  spec.kind = pattern::mesh;
  spec.participants = m;
  auto x = ask<coordination_info>(reg, atom::coordinate::value, spec);
  settle();
  if (!x) {
    // The registry noticed the end first: refusing is correct too.
    CAF_CHECK_EQUAL(code_of(x.error()), ec::not_found);
    return;
  }
  auto done = status(x->id);
  CAF_CHECK(!done.participants[2].active);
  CAF_CHECK_EQUAL(done.status, coord_status::completed);
  CAF_CHECK_EQUAL(done.steps_total, 2u);
}

CAF_TEST(pipeline passes each output on) {
  auto m = team(3);
  auto c = start(pattern::pipeline, m, "raw data");
  auto h0 = ask<agent_info>(handle(m[0]), atom::get::value);
  CAF_REQUIRE(h0);
  complete(m[0], true, "cleaned");
  settle();
  complete(m[1], true, "analyzed");
  settle();
  CAF_CHECK_EQUAL(status(c.id).steps_done, 2u);
  complete(m[2], true, "report");
  settle();
  auto done = status(c.id);
  CAF_CHECK_EQUAL(done.status, coord_status::completed);
  CAF_CHECK_EQUAL(done.result, "report");
}

CAF_TEST(pipeline input reaches the next stage) {
  // A custom owner sees the task the second stage receives.
  auto m = team(2);
  auto c = start(pattern::pipeline, m, "raw");
  complete(m[0], true, "stage one output");
  settle();
  auto task_events = events_of<task_event>();
  CAF_CHECK(std::any_of(task_events.begin(), task_events.end(), [&](auto& e) {
    return e.agent == m[1] && e.phase == task_phase::started;
  }));
  CAF_CHECK_EQUAL(status(c.id).steps_done, 1u);
}

CAF_TEST(pipeline fails with a failed stage) {
  auto m = team(3);
  auto c = start(pattern::pipeline, m);
  complete(m[0], true, "ok");
  settle();
  complete(m[1], false, "bad input");
  settle();
  auto failed = status(c.id);
  CAF_CHECK_EQUAL(failed.status, coord_status::failed);
  CAF_CHECK(failed.reason.find("stage 2") != std::string::npos);
}

CAF_TEST(consensus accepts on a majority) {
  auto m = team(3);
  auto c = start(pattern::consensus, m, "adopt schema v2");
  complete(m[0], true, "yes");
  settle();
  CAF_CHECK_EQUAL(status(c.id).status, coord_status::active);
  complete(m[1], true, "yes");
  settle();
  auto done = status(c.id);
  CAF_CHECK_EQUAL(done.status, coord_status::completed);
  CAF_CHECK(done.result.find("accepted") == 0);
}

CAF_TEST(consensus rejects on a majority of no) {
  auto m = team(3);
  auto c = start(pattern::consensus, m);
  complete(m[0], true, "no");
  complete(m[1], true, "no");
  settle();
  auto done = status(c.id);
  CAF_CHECK_EQUAL(done.status, coord_status::completed);
  CAF_CHECK(done.result.find("rejected") == 0);
}

CAF_TEST(consensus without majority fails) {
  auto m = team(2);
  auto c = start(pattern::consensus, m);
  complete(m[0], true, "yes");
  complete(m[1], true, "no");
  settle();
  auto done = status(c.id);
  CAF_CHECK_EQUAL(done.status, coord_status::failed);
  CAF_CHECK(done.reason.find("no majority") == 0);
}

CAF_TEST(consensus times out) {
  auto m = team(3);
  auto c = start(pattern::consensus, m);
  complete(m[0], true, "yes");
  advance_time(31s);
  settle();
  auto done = status(c.id);
  CAF_CHECK_EQUAL(done.status, coord_status::failed);
  CAF_CHECK(done.reason.find("timed out") == 0);
}

CAF_TEST(a voter that leaves abstains) {
  auto m = team(3);
  auto c = start(pattern::consensus, m);
  ask<agent_info>(handle(m[2]), atom::terminate::value, std::string{"x"});
  settle();
  complete(m[0], true, "yes");
  complete(m[1], true, "yes");
  settle();
  auto done = status(c.id);
  CAF_CHECK_EQUAL(done.status, coord_status::completed);
  CAF_CHECK(done.result.find("1 abstained") != std::string::npos);
  CAF_CHECK(!done.participants[2].active);
}

CAF_TEST(the registry lists coordinations by status) {
  auto m = team(2);
  start(pattern::mesh, m);
  start(pattern::consensus, m);
  settle();
  auto all = ask<std::vector<coordination_info>>(
    reg, atom::coordinate::value, atom::list::value, std::string{});
  CAF_REQUIRE(all);
  CAF_CHECK_EQUAL(all->size(), 2u);
  auto done = ask<std::vector<coordination_info>>(
    reg, atom::coordinate::value, atom::list::value, std::string{"COMPLETED"});
  CAF_REQUIRE(done);
  CAF_REQUIRE_EQUAL(done->size(), 1u);
  CAF_CHECK_EQUAL(done->front().kind, pattern::mesh);
  auto bad = ask<std::vector<coordination_info>>(
    reg, atom::coordinate::value, atom::list::value, std::string{"DONE"});
  CAF_CHECK(!bad);
}

CAF_TEST(a pipeline resumed from its checkpoint goes on at the open stage) {
  auto m = team(3);
  auto c = start(pattern::pipeline, m, "raw data");
  succeed(m[0], "cleaned");
  // What PostgreSQL holds now, resumed over fresh agents as after a restart
  // (a stored run comes back under its own id; a fresh one avoids the
  // original still running here).
  auto stored = status(c.id);
  CAF_REQUIRE(!stored.checkpoint.empty());
  auto fresh = team(3);
  stored.id = make_uuid();
  for (size_t i = 0; i < fresh.size(); ++i)
    stored.participants[i].agent = fresh[i];
  auto now = resume(stored);
  CAF_CHECK_EQUAL(now.status, coord_status::active);
  CAF_CHECK_EQUAL(now.steps_done, 1u);
  CAF_CHECK_EQUAL(now.reason, "resumed after a restart at step 1 of 3");
  // The first stage does not run again; the second gets its task.
  CAF_CHECK(info(fresh[0]).current_task.empty());
  CAF_REQUIRE(!info(fresh[1]).current_task.empty());
  auto tasks = events_of<task_event>();
  CAF_CHECK(std::any_of(tasks.begin(), tasks.end(), [&](auto& e) {
    return e.agent == fresh[1] && e.description == "stage 2 of raw data";
  }));
  succeed(fresh[1], "analyzed");
  succeed(fresh[2], "report");
  auto done = status(stored.id);
  CAF_CHECK_EQUAL(done.status, coord_status::completed);
  CAF_CHECK_EQUAL(done.steps_done, 3u);
  CAF_CHECK_EQUAL(done.result, "report");
  CAF_CHECK(done.checkpoint.empty());
}

CAF_TEST(a consensus resumed keeps its votes and asks only the open voters) {
  auto m = team(3);
  auto stored = stored_run(pattern::consensus,
                           {{m[0], "voter"}, {m[1], "voter"}, {m[2], "voter"}},
                           R"({"stepsDone":1,"stepsTotal":3,"timeoutMs":0,)"
                           R"("open":[1,2],"votes":[1,0,0]})");
  CAF_CHECK_EQUAL(resume(stored).steps_done, 1u);
  CAF_CHECK(info(m[0]).current_task.empty());
  CAF_CHECK(!info(m[1]).current_task.empty());
  CAF_CHECK(!info(m[2]).current_task.empty());
  succeed(m[1], "yes");
  auto done = status(stored.id);
  CAF_CHECK_EQUAL(done.status, coord_status::completed);
  CAF_CHECK_EQUAL(done.result, "accepted (2 yes, 0 no, 0 abstained)");
}

CAF_TEST(a resumed coordination whose participants are gone fails or replans) {
  auto m = team(2);
  auto failed
    = resume(stored_run(pattern::pipeline, {{m[0], "stage"}, {999, "stage"}},
                        R"({"stepsDone":1,"stepsTotal":2,)"
                        R"("timeoutMs":0,"open":[1],"input":"x"})"));
  CAF_CHECK_EQUAL(failed.status, coord_status::failed);
  CAF_CHECK_EQUAL(failed.reason, "stage agent 999 left the pipeline");
  CAF_CHECK(!failed.participants[1].active);
  // A mesh plans the missing peer out and finishes with the others.
  auto p = team(2);
  auto pair = [](num_id x, num_id y) {
    return "[" + std::to_string(x) + "," + std::to_string(y) + "]";
  };
  auto meshed = resume(stored_run(
    pattern::mesh, {{p[0], "peer"}, {p[1], "peer"}, {998, "peer"}},
    R"({"stepsDone":0,"stepsTotal":6,"timeoutMs":0,"open":[],"exchanges":[)"
      + pair(p[0], p[1]) + "," + pair(p[1], p[0]) + "," + pair(p[0], 998)
      + "]}"));
  CAF_CHECK_EQUAL(meshed.status, coord_status::completed);
  CAF_CHECK_EQUAL(meshed.steps_done, 2u);
}

CAF_TEST(a stored run without a checkpoint starts over under its id) {
  auto m = team(2);
  auto stored
    = stored_run(pattern::pipeline, {{m[0], "stage"}, {m[1], "stage"}}, "{}");
  stored.status = coord_status::forming;
  auto now = resume(stored);
  CAF_CHECK_EQUAL(now.status, coord_status::active);
  CAF_CHECK_EQUAL(now.steps_done, 0u);
  CAF_CHECK(!info(m[0]).current_task.empty());
  // The id is taken now.
  CAF_CHECK(!ask<coordination_info>(reg, atom::coordinate::value, stored));
}

CAF_TEST_FIXTURE_SCOPE_END()
