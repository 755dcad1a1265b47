#include <functional>
#include <memory>

#include "av/api/hooks.hpp"
#include "av/api/json_mapping.hpp"
#include "av/api/routes.hpp"
#include "av/error.hpp"

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

using error_fn = std::function<void(caf::error&)>;

/// Finds agent `name`, creating it with `type` and `metadata` on first
/// sight, then calls `then(ref)`; `fail(err)` when neither works.
void ensure_agent(caf::event_based_actor* self, const api_env& env,
                  const std::string& name, const std::string& type,
                  const json& metadata, std::function<void(agent_ref&)> then,
                  error_fn fail) {
  auto lookup = [=] {
    self->request(env.registry, env.timeout, atom::get::value, name)
      .then([then](agent_ref& ref) { then(ref); }, fail);
  };
  self->request(env.registry, env.timeout, atom::get::value, name)
    .then([then](agent_ref& ref) { then(ref); },
          [=](caf::error& err) {
            if (code_of(err) != ec::not_found)
              return fail(err);
            agent_spec spec;
            spec.name = name;
            spec.type = type;
            spec.metadata = metadata.dump();
            spec.origin = provenance::measured;
            self->request(env.registry, env.timeout, atom::spawn::value, spec)
              .then([lookup](agent_info&) { lookup(); },
                    [lookup, fail](caf::error& err) {
                      // Another hook of the session created it first.
                      if (code_of(err) != ec::conflict)
                        return fail(err);
                      lookup();
                    });
          });
}

/// Answers the hook with `answer` plus what became of the subagent step.
error_fn report_subagent(const api_call& call, const json& answer) {
  return [call, answer](caf::error& err) {
    auto x = answer;
    x["subagent"] = {{"done", false}, {"reason", describe(err)}};
    call.reply(status::ok, x);
  };
}

/// `from` sends `to` a message of `type`, then `next` runs.
void send_message(caf::event_based_actor* self, const api_env& env,
                  const agent_ref& from, const agent_ref& to, const char* type,
                  const std::string& content, std::function<void()> next,
                  const error_fn& report) {
  outgoing_message msg;
  msg.to = to.summary.num;
  msg.type = type;
  msg.content = content;
  self->request(from.handle, env.timeout, atom::send::value, msg)
    .then([next](message_receipt&) { next(); }, report);
}

json subagent_answer(const agent_ref& ref) {
  return {
    {"done", true}, {"name", ref.summary.name}, {"numId", ref.summary.num}};
}

/// PreToolUse of `Task`: the subagent's agent and task, and the session's
/// request to it.
void start_subagent(caf::event_based_actor* self, const api_env& env,
                    const api_call& call, const hook_plan& plan,
                    const agent_ref& session, json answer) {
  auto& sub = *plan.subagent;
  auto report = report_subagent(call, answer);
  auto on_agent = [=](agent_ref& ref) {
    task_spec task;
    task.id = sub.task_id;
    task.description = sub.description;
    self->request(ref.handle, env.timeout, atom::assign::value, task)
      .then(
        [=](agent_info&) {
          send_message(
            self, env, session, ref, "request", sub.description,
            [=]() mutable {
              answer["subagent"] = subagent_answer(ref);
              call.reply(status::ok, answer);
            },
            report);
        },
        report);
  };
  ensure_agent(self, env, sub.name, sub.type, sub.metadata, on_agent, report);
}

/// PostToolUse of `Task`: the subagent completes its task, answers the
/// session and ends.
void end_subagent(caf::event_based_actor* self, const api_env& env,
                  const api_call& call, const hook_plan& plan,
                  const agent_ref& session, json answer) {
  auto& sub = *plan.subagent;
  auto report = report_subagent(call, answer);
  auto finish = [=](const agent_ref& ref) {
    self
      ->request(env.registry, env.timeout, atom::terminate::value,
                ref.summary.name, std::string{"subagent finished"})
      .then(
        [=](agent_info&) mutable {
          answer["subagent"] = subagent_answer(ref);
          call.reply(status::ok, answer);
        },
        report);
  };
  auto on_agent = [=](agent_ref& ref) {
    self
      ->request(ref.handle, env.timeout, atom::complete::value, sub.task_id,
                plan.success, plan.output)
      .then(
        [=](task_result&) {
          send_message(
            self, env, ref, session, "inform", plan.output,
            [=] { finish(ref); }, report);
        },
        report);
  };
  self->request(env.registry, env.timeout, atom::get::value, sub.name)
    .then(on_agent, report);
}

/// Answers the hook, after the subagent step when there is one.
void conclude(caf::event_based_actor* self, const api_env& env,
              const api_call& call, const hook_plan& plan,
              const agent_ref& session, json answer) {
  if (!plan.subagent)
    return call.reply(status::ok, answer);
  if (plan.what == hook_plan::action::start_task)
    start_subagent(self, env, call, plan, session, std::move(answer));
  else
    end_subagent(self, env, call, plan, session, std::move(answer));
}

/// Runs the plan's task step on the agent and answers.
void apply(caf::event_based_actor* self, const api_env& env,
           const api_call& call, const hook_plan& plan, agent_ref ref) {
  auto answer = hook_answer(plan, ref);
  // A hook must never hold up its caller: failed steps are reported in the
  // answer, not as errors.
  auto step_failed = [=](const char* done, caf::error& err) mutable {
    answer["task"]
      = {{"id", plan.task_id}, {done, false}, {"reason", describe(err)}};
    conclude(self, env, call, plan, ref, answer);
  };
  switch (plan.what) {
    case hook_plan::action::none: call.reply(status::ok, answer); return;
    case hook_plan::action::start_task: {
      task_spec task;
      task.id = plan.task_id;
      task.kind = plan.task_kind;
      task.description = plan.description;
      self->request(ref.handle, env.timeout, atom::assign::value, task)
        .then(
          [=](agent_info&) mutable {
            answer["task"] = {{"id", plan.task_id}, {"started", true}};
            conclude(self, env, call, plan, ref, answer);
          },
          [step_failed](caf::error& err) mutable {
            step_failed("started", err);
          });
      return;
    }
    case hook_plan::action::finish_task:
      self
        ->request(ref.handle, env.timeout, atom::complete::value, plan.task_id,
                  plan.success, plan.output)
        .then(
          [=](task_result& res) mutable {
            answer["task"] = {{"id", plan.task_id},
                              {"completed", true},
                              {"success", res.success}};
            conclude(self, env, call, plan, ref, answer);
          },
          [step_failed](caf::error& err) mutable {
            step_failed("completed", err);
          });
      return;
  }
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
    return fail_parse(call, plan.failure());
  }
  if (env.tel)
    env.tel->hook_event(event);
  env.act(call, [env, call, plan = *plan](caf::event_based_actor* self) {
    ensure_agent(
      self, env, plan.agent_name, plan.agent_type, plan.agent_metadata,
      [=](agent_ref& ref) { apply(self, env, call, plan, ref); },
      [call](caf::error& err) { call.fail(err); });
  });
}

} // namespace

void add_hook_routes(router& r, const api_env& env) {
  r.add(verb::post, "/api/hooks/{event}",
        [env](api_call call) { ingest(env, std::move(call)); });
}

} // namespace av::http
