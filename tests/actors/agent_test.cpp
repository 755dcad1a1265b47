#define CAF_SUITE actors.agent
#include "fixture.hpp"

using namespace av;
using namespace std::chrono_literals;

CAF_TEST_FIXTURE_SCOPE(agent_tests, test::node_fixture)

CAF_TEST(a new agent is idle and announced) {
  auto x = spawn("coder");
  CAF_CHECK_EQUAL(x.num, 1u);
  CAF_CHECK_EQUAL(x.name, "coder-1");
  CAF_CHECK(is_uuid(x.id));
  CAF_CHECK_EQUAL(x.state, agent_state::idle);
  CAF_CHECK_EQUAL(x.metadata, "{}");
  auto spawned = events_of<agent_spawned>();
  CAF_REQUIRE_EQUAL(spawned.size(), 1u);
  CAF_CHECK_EQUAL(spawned[0].agent.id, x.id);
}

CAF_TEST(tasks drive idle and busy and are timed) {
  auto x = spawn("coder");
  task_spec t1;
  t1.description = "first";
  auto a = ask<agent_info>(handle(x.num), atom::assign::value, t1);
  CAF_REQUIRE(a);
  CAF_CHECK_EQUAL(a->state, agent_state::busy);
  task_spec t2;
  t2.description = "second";
  auto b = ask<agent_info>(handle(x.num), atom::assign::value, t2);
  CAF_REQUIRE(b);
  CAF_CHECK_EQUAL(b->queued_tasks, 2u);
  advance_time(250ms);
  auto r1 = complete(x.num, true, "done 1");
  CAF_REQUIRE(r1);
  CAF_CHECK_EQUAL(r1->duration_ms, 250);
  CAF_CHECK_EQUAL(r1->output, "done 1");
  CAF_CHECK_EQUAL(info(x.num).state, agent_state::busy);
  auto r2 = complete(x.num, false, "broke");
  CAF_REQUIRE(r2);
  CAF_CHECK(!r2->success);
  auto after = info(x.num);
  CAF_CHECK_EQUAL(after.state, agent_state::idle);
  CAF_CHECK_EQUAL(after.tasks_completed, 1u);
  CAF_CHECK_EQUAL(after.tasks_failed, 1u);
  // Derived metrics: one of two tasks succeeded.
  CAF_CHECK_EQUAL(after.metrics.success_rate, 0.5);
  CAF_CHECK_EQUAL(after.metrics.tasks_completed, 1.0);
  auto states = events_of<agent_state_changed>();
  CAF_REQUIRE_EQUAL(states.size(), 2u);
  CAF_CHECK_EQUAL(states[0].to, agent_state::busy);
  CAF_CHECK_EQUAL(states[1].to, agent_state::idle);
}

CAF_TEST(completing a task that is not running is an error) {
  auto x = spawn("tester");
  auto r = ask<task_result>(handle(x.num), atom::complete::value,
                            std::string{"nope"}, true, std::string{});
  CAF_REQUIRE(!r);
  CAF_CHECK_EQUAL(code_of(r.error()), ec::not_found);
}

CAF_TEST(invalid transitions are answered with errors) {
  auto x = spawn("analyst");
  auto h = handle(x.num);
  auto same = ask<agent_info>(h, atom::state::value, agent_state::idle,
                              std::string{"again"});
  CAF_REQUIRE(!same);
  CAF_CHECK_EQUAL(code_of(same.error()), ec::invalid_transition);
  auto busy = ask<agent_info>(h, atom::state::value, agent_state::busy,
                              std::string{"by hand"});
  CAF_REQUIRE(!busy);
  CAF_CHECK_EQUAL(code_of(busy.error()), ec::invalid_transition);
  auto err = ask<agent_info>(h, atom::state::value, agent_state::error,
                             std::string{"disk full"});
  CAF_REQUIRE(err);
  CAF_CHECK_EQUAL(err->state, agent_state::error);
  auto assign = ask<agent_info>(h, atom::assign::value, task_spec{});
  CAF_REQUIRE(!assign);
  CAF_CHECK_EQUAL(code_of(assign.error()), ec::invalid_transition);
  auto back = ask<agent_info>(h, atom::state::value, agent_state::idle,
                              std::string{"fixed"});
  CAF_REQUIRE(back);
  CAF_CHECK_EQUAL(back->state, agent_state::idle);
  auto gone = ask<agent_info>(h, atom::terminate::value, std::string{"bye"});
  CAF_REQUIRE(gone);
  CAF_CHECK_EQUAL(gone->state, agent_state::terminated);
  auto term = events_of<agent_terminated>();
  CAF_REQUIRE_EQUAL(term.size(), 1u);
  CAF_CHECK_EQUAL(term[0].reason, "bye");
  // The registry forgot it.
  auto ref = ask<agent_ref>(reg, atom::get::value, x.id);
  CAF_REQUIRE(!ref);
  CAF_CHECK_EQUAL(code_of(ref.error()), ec::not_found);
}

CAF_TEST(entering error fails held tasks) {
  auto x = spawn("coder");
  auto h = handle(x.num);
  ask<agent_info>(h, atom::assign::value, task_spec{});
  ask<agent_info>(h, atom::state::value, agent_state::error,
                  std::string{"lost connection"});
  auto after = info(x.num);
  CAF_CHECK_EQUAL(after.tasks_failed, 1u);
  CAF_CHECK(after.current_task.empty());
}

CAF_TEST(task queue is bounded) {
  ctx->limits.task_queue = 2;
  auto x = spawn("coder");
  auto h = handle(x.num);
  CAF_CHECK(ask<agent_info>(h, atom::assign::value, task_spec{}));
  CAF_CHECK(ask<agent_info>(h, atom::assign::value, task_spec{}));
  auto third = ask<agent_info>(h, atom::assign::value, task_spec{});
  CAF_REQUIRE(!third);
  CAF_CHECK_EQUAL(code_of(third.error()), ec::queue_full);
}

CAF_TEST(reported metrics are validated and trended) {
  auto x = spawn("optimizer");
  auto h = handle(x.num);
  for (int i = 0; i < 20; ++i) {
    metrics_sample s;
    s.tasks_completed = i;
    s.success_rate = i < 10 ? 0.5 : 0.8;
    s.avg_response_ms = 100;
    s.resource_utilization = 0.5;
    CAF_REQUIRE(ask<metrics_report>(h, atom::metrics::value, s));
  }
  auto r = ask<metrics_report>(h, atom::metrics::value);
  CAF_REQUIRE(r);
  CAF_CHECK_EQUAL(r->history.size(), 20u);
  CAF_CHECK_EQUAL(r->trends.success_rate, trend::increasing);
  CAF_CHECK_EQUAL(r->trends.response_time, trend::stable);
  CAF_CHECK_EQUAL(r->current.success_rate, 0.8);
  metrics_sample bad;
  bad.success_rate = 2;
  auto e = ask<metrics_report>(h, atom::metrics::value, bad);
  CAF_REQUIRE(!e);
  CAF_CHECK_EQUAL(code_of(e.error()), ec::invalid_argument);
  CAF_CHECK(describe(e.error()).find("successRate") != std::string::npos);
}

CAF_TEST(history keeps the last hundred samples) {
  auto x = spawn("monitor");
  auto h = handle(x.num);
  for (int i = 0; i < 130; ++i) {
    metrics_sample s;
    s.tasks_completed = i;
    ask<metrics_report>(h, atom::metrics::value, s);
  }
  auto r = ask<metrics_report>(h, atom::metrics::value);
  CAF_REQUIRE(r);
  CAF_CHECK_EQUAL(r->history.size(), 100u);
  CAF_CHECK_EQUAL(r->history.front().tasks_completed, 30.0);
}

CAF_TEST(messages are routed and recorded) {
  auto a = spawn("coordinator");
  auto b = spawn("researcher");
  outgoing_message out{b.num, "request", priority::high, "ping", 0};
  auto receipt = ask<message_receipt>(handle(a.num), atom::send::value, out);
  CAF_REQUIRE(receipt);
  CAF_CHECK_EQUAL(receipt->from, a.num);
  CAF_CHECK_EQUAL(receipt->to, b.num);
  CAF_CHECK_GREATER_OR_EQUAL(receipt->latency_ns, 0);
  CAF_CHECK_EQUAL(info(a.num).messages_sent, 1u);
  CAF_CHECK_EQUAL(info(b.num).messages_received, 1u);
  auto msgs = events_of<message_event>();
  CAF_REQUIRE_EQUAL(msgs.size(), 1u);
  CAF_CHECK(msgs[0].success);
  CAF_CHECK_EQUAL(msgs[0].prio, priority::high);
  CAF_CHECK_EQUAL(msgs[0].type, "request");
}

CAF_TEST(messages to unknown agents fail and are recorded) {
  auto a = spawn("coder");
  outgoing_message out{999, "inform", priority::normal, "hello", 0};
  auto receipt = ask<message_receipt>(handle(a.num), atom::send::value, out);
  CAF_REQUIRE(!receipt);
  CAF_CHECK_EQUAL(code_of(receipt.error()), ec::unreachable);
  auto msgs = events_of<message_event>();
  CAF_REQUIRE_EQUAL(msgs.size(), 1u);
  CAF_CHECK(!msgs[0].success);
}

CAF_TEST(simulated agents answer until the budget is spent) {
  auto a = spawn("coder", "", provenance::simulated);
  auto b = spawn("tester", "", provenance::simulated);
  outgoing_message out{b.num, "request", priority::normal, "review?", 3};
  CAF_REQUIRE(ask<message_receipt>(handle(a.num), atom::send::value, out));
  run();
  // One request and three answers back and forth.
  CAF_CHECK_EQUAL(events_of<message_event>().size(), 4u);
  CAF_CHECK_EQUAL(info(a.num).messages_received, 2u);
  CAF_CHECK_EQUAL(info(b.num).messages_received, 2u);
}

CAF_TEST(simulated tasks finish on their own) {
  auto a = spawn("monitor", "", provenance::simulated);
  task_spec t;
  t.simulated_ms = 300;
  auto x = ask<agent_info>(handle(a.num), atom::assign::value, t);
  CAF_REQUIRE(x);
  CAF_CHECK_EQUAL(x->state, agent_state::busy);
  run(); // triggers the task's timer
  auto after = info(a.num);
  CAF_CHECK_EQUAL(after.state, agent_state::idle);
  CAF_CHECK_EQUAL(after.tasks_completed + after.tasks_failed, 1u);
  CAF_CHECK_EQUAL(after.origin, provenance::simulated);
}

CAF_TEST(events are numbered without gaps) {
  auto a = spawn("coder");
  auto b = spawn("coder");
  ask<agent_info>(handle(a.num), atom::assign::value, task_spec{});
  complete(a.num, true);
  ask<agent_info>(handle(b.num), atom::terminate::value, std::string{"done"});
  CAF_REQUIRE_GREATER(events->size(), 5u);
  for (size_t i = 0; i < events->size(); ++i)
    CAF_CHECK_EQUAL((*events)[i].seq, i + 1);
  CAF_CHECK_EQUAL(ctx->bus.last_seq(), events->size());
}

CAF_TEST(every agent answers status) {
  auto a = spawn("coder");
  auto st = ask<caf::settings>(handle(a.num), atom::status::value,
                               status_verbosity::detailed);
  CAF_REQUIRE(st);
  CAF_CHECK_EQUAL(caf::get_or(*st, "kind", std::string{}), "agent");
  CAF_CHECK_EQUAL(caf::get_or(*st, "id", std::string{}), a.id);
  CAF_CHECK(caf::get_if(&*st, "processed") != nullptr);
  CAF_CHECK(caf::get_if(&*st, "mailbox") != nullptr);
  auto r
    = ask<caf::settings>(reg, atom::status::value, status_verbosity::detailed);
  CAF_REQUIRE(r);
  CAF_CHECK_EQUAL(caf::get_or(*r, "kind", std::string{}), "registry");
  auto b
    = ask<caf::settings>(bus, atom::status::value, status_verbosity::terse);
  CAF_REQUIRE(b);
  CAF_CHECK_EQUAL(caf::get_or(*b, "kind", std::string{}), "bus");
}

CAF_TEST_FIXTURE_SCOPE_END()
