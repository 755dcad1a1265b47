#include <memory>

#include "api.hpp"
#include "av/error.hpp"
#include "av/hooks.hpp"
#include "av/json_mapping.hpp"

namespace av::http {

namespace {

using json = nlohmann::json;

/// The answer to a hook: what became of it.
json hook_answer(const hook_plan& plan, const agent_ref& ref) {
  return json{{"event", plan.event},
              {"agent",
               {{"id", ref.summary.id},
                {"numId", ref.summary.num},
                {"name", ref.summary.name}}}};
}

/// Runs the plan's task step on the agent and answers.
void apply(caf::event_based_actor* self, const api_env& env,
           const api_call& call, const hook_plan& plan, agent_ref ref) {
  auto answer = hook_answer(plan, ref);
  switch (plan.what) {
    case hook_plan::action::none: call.reply(status::ok, answer); return;
    case hook_plan::action::start_task: {
      task_spec task;
      task.id = plan.task_id;
      task.kind = plan.task_kind;
      task.description = plan.description;
      self->request(ref.handle, env.timeout, atom::assign::value, task)
        .then(
          [call, answer, plan](agent_info&) mutable {
            answer["task"] = {{"id", plan.task_id}, {"started", true}};
            call.reply(status::ok, answer);
          },
          [call, answer, plan](caf::error& err) mutable {
            // A hook must never hold up its caller: report, don't fail.
            answer["task"] = {{"id", plan.task_id},
                              {"started", false},
                              {"reason", describe(err)}};
            call.reply(status::ok, answer);
          });
      return;
    }
    case hook_plan::action::finish_task:
      self
        ->request(ref.handle, env.timeout, atom::complete::value, plan.task_id,
                  plan.success, plan.output)
        .then(
          [call, answer, plan](task_result& res) mutable {
            answer["task"] = {{"id", plan.task_id},
                              {"completed", true},
                              {"success", res.success}};
            call.reply(status::ok, answer);
          },
          [call, answer, plan](caf::error& err) mutable {
            answer["task"] = {{"id", plan.task_id},
                              {"completed", false},
                              {"reason", describe(err)}};
            call.reply(status::ok, answer);
          });
      return;
  }
}

/// Finds the plan's agent, creating it on first sight; `then(ref)` follows.
void with_hook_agent(caf::event_based_actor* self, const api_env& env,
                     const api_call& call, const hook_plan& plan,
                     std::function<void(agent_ref&)> then) {
  self->request(env.registry, env.timeout, atom::get::value, plan.agent_name)
    .then([then](agent_ref& ref) { then(ref); },
          [=](caf::error& err) {
            if (code_of(err) != ec::not_found)
              return call.fail(err);
            agent_spec spec;
            spec.name = plan.agent_name;
            spec.type = plan.agent_type;
            spec.metadata = plan.agent_metadata.dump();
            spec.origin = provenance::measured;
            self->request(env.registry, env.timeout, atom::spawn::value, spec)
              .then(
                [=](agent_info&) {
                  self
                    ->request(env.registry, env.timeout, atom::get::value,
                              plan.agent_name)
                    .then([then](agent_ref& ref) { then(ref); },
                          api_env::on_error(call));
                },
                [=](caf::error& err) {
                  // Another hook of the session created it first.
                  if (code_of(err) != ec::conflict)
                    return call.fail(err);
                  self
                    ->request(env.registry, env.timeout, atom::get::value,
                              plan.agent_name)
                    .then([then](agent_ref& ref) { then(ref); },
                          api_env::on_error(call));
                });
          });
}

void ingest(const api_env& env, api_call call) {
  auto event = call.param("event");
  auto plan = hook_plan_from_json(event, call.body());
  if (!plan) {
    if (!known_hook_event(event)) {
      api_error err;
      err.code = status::not_found;
      err.name = "unknown_hook";
      err.message = plan.error();
      return call.fail(err);
    }
    return fail_parse(call, plan.error());
  }
  if (env.tel)
    env.tel->hook_event(event);
  env.act(call, [env, call, plan = *plan](caf::event_based_actor* self) {
    with_hook_agent(self, env, call, plan,
                    [=](agent_ref& ref) { apply(self, env, call, plan, ref); });
  });
}

} // namespace

void add_hook_routes(router& r, const api_env& env) {
  r.add(verb::post, "/api/hooks/{event}",
        [env](api_call call) { ingest(env, std::move(call)); });
}

} // namespace av::http
