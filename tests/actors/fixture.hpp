#pragma once

#include "caf_checks.hpp"
#include <caf/test/dsl.hpp>

#include "av/agent.hpp"
#include "av/bus.hpp"
#include "av/error.hpp"
#include "av/registry.hpp"

namespace av::test {

/// A node on CAF's deterministic scheduler: context, bus and registry, plus a
/// sink that records every event.
struct node_fixture : test_coordinator_fixture<> {
  node_context_ptr ctx = std::make_shared<node_context>();
  bus_actor bus;
  registry_actor reg;
  std::shared_ptr<std::vector<event>> events
    = std::make_shared<std::vector<event>>();
  caf::actor sink;

  explicit node_fixture(node_limits limits = {}) {
    ctx->limits = limits;
    bus = sys.spawn(av::bus, ctx);
    reg = sys.spawn(av::registry, ctx, bus);
    auto log = events;
    sink = sys.spawn([log](caf::event_based_actor*) -> caf::behavior {
      return {[log](const event_batch& batch) {
        log->insert(log->end(), batch.events->begin(), batch.events->end());
      }};
    });
    caf::anon_send(bus, atom::subscribe::value,
                   caf::actor_cast<event_sink_actor>(sink), all_event_kinds);
    settle();
  }

  ~node_fixture() override {
    caf::anon_send_exit(reg, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(bus, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(sink, caf::exit_reason::user_shutdown);
    run();
  }

  /// Processes every pending message but fires no timer; tests move time
  /// on explicitly (advance_time) or let every timer fire (run).
  void settle() { consume_messages(); }

  /// Sends a request, settles and returns the answer or error.
  template <class T, class Handle, class... Ts>
  caf::expected<T> ask(const Handle& dest, Ts&&... xs) {
    caf::expected<T> result{caf::sec::bad_function_call};
    auto rh = self->request(dest, caf::infinite, std::forward<Ts>(xs)...);
    settle();
    rh.receive([&](T& x) { result = std::move(x); },
               [&](caf::error& err) { result = std::move(err); });
    return result;
  }

  agent_info spawn(std::string type, std::string name = {},
                   provenance origin = provenance::measured) {
    agent_spec spec;
    spec.type = std::move(type);
    spec.name = std::move(name);
    spec.origin = origin;
    auto info = ask<agent_info>(reg, atom::spawn::value, spec);
    if (!info)
      CAF_FAIL("spawn failed: " << describe(info.error()));
    return *info;
  }

  agent_actor handle(num_id num) {
    auto ref = ask<agent_ref>(reg, atom::get::value, std::to_string(num));
    if (!ref)
      CAF_FAIL("no agent " << num);
    return ref->handle;
  }

  agent_info info(num_id num) {
    auto x = ask<agent_info>(handle(num), atom::get::value);
    if (!x)
      CAF_FAIL("get failed: " << describe(x.error()));
    return *x;
  }

  /// Completes the running task of agent `num`.
  caf::expected<task_result> complete(num_id num, bool success,
                                      std::string output = "ok") {
    auto current = info(num).current_task;
    return ask<task_result>(handle(num), atom::complete::value, current,
                            success, std::move(output));
  }

  template <class T>
  std::vector<T> events_of() {
    std::vector<T> result;
    for (auto& ev : *events)
      if (auto x = caf::get_if<T>(&ev.payload))
        result.push_back(*x);
    return result;
  }
};

} // namespace av::test
