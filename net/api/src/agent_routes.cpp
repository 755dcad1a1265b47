#include <charconv>
#include <optional>

#include "av/api/agent_lists.hpp"
#include "av/api/json_mapping.hpp"
#include "av/api/json_text.hpp"
#include "av/api/routes.hpp"
#include "av/metrics.hpp"

namespace av::http {

namespace {

using json = nlohmann::json;

/// Reads an optional unsigned query parameter; answers 400 when bad.
std::optional<uint32_t> query_uint(const api_call& call, const char* name,
                                   uint32_t fallback, uint32_t lo,
                                   uint32_t hi) {
  auto text = call.query(name);
  if (!text)
    return fallback;
  uint32_t value = 0;
  auto first = text->data();
  auto last = first + text->size();
  auto res = std::from_chars(first, last, value);
  if (text->empty() || res.ec != std::errc{} || res.ptr != last || value < lo
      || value > hi) {
    fail_parse(call, field_error(name, "expected an integer from "
                                         + std::to_string(lo) + " to "
                                         + std::to_string(hi)));
    return std::nullopt;
  }
  return value;
}

std::string query_text(const api_call& call, const char* name) {
  auto x = call.query(name);
  return x ? *x : std::string{};
}

/// Browsers may keep a listing but must revalidate it (If-None-Match).
header_list listing_headers(const agent_lists::entry& kept) {
  return {{"ETag", kept.etag}, {"Cache-Control", "no-cache"}};
}

/// Asks the registry for a listing and answers it, keeping the rendering
/// for the next reader when `env.lists` is set.
void read_agents(caf::event_based_actor* self, const api_env& env,
                 const api_call& call, const agent_filter& filter) {
  auto lists = env.lists;
  // Read before asking: an answer is kept under the version it includes.
  auto at = lists ? lists->now() : std::nullopt;
  self->request(env.registry, env.timeout, atom::list::value, filter)
    .then(
      [call, filter, lists, at](agent_page& page) {
        auto body = agent_page_text(page, filter);
        if (!at)
          return call.reply_text(status::ok, std::move(body));
        auto kept = lists->store(agent_list_key(filter), *at, std::move(body));
        call.reply_text(status::ok, kept->body, listing_headers(*kept));
      },
      api_env::on_error(call));
}

void list_agents(const api_env& env, api_call call) {
  auto offset = query_uint(call, "offset", 0, 0, 1u << 31);
  if (!offset)
    return;
  auto limit = query_uint(call, "limit", 100, 1, 1000);
  if (!limit)
    return;
  agent_filter filter{query_text(call, "type"), query_text(call, "state"),
                      *offset, *limit};
  auto& lists = env.lists;
  if (lists) {
    if (auto kept = lists->find(agent_list_key(filter)))
      return call.reply_text(status::ok, kept->body, listing_headers(*kept));
  }
  env.act(call, [env, call, filter](caf::event_based_actor* self) {
    if (!env.lists || env.lists->settled())
      return read_agents(self, env, call, filter);
    // Events are waiting at the bus: have it hand them out first, so that a
    // state change answered before this request is in the listing.
    self->send(env.bus, atom::flush::value);
    self
      ->request(env.bus, env.timeout, atom::status::value,
                status_verbosity::terse)
      .then([self, env, call,
             filter](caf::settings&) { read_agents(self, env, call, filter); },
            api_env::on_error(call));
  });
}

void spawn_agent(const api_env& env, api_call call) {
  auto spec = agent_spec_from_json(call.body());
  if (!spec)
    return fail_parse(call, spec.failure());
  env.act(call, [env, call, spec = *spec](caf::event_based_actor* self) {
    self->request(env.registry, env.timeout, atom::spawn::value, spec)
      .then(reply_created<agent_info>(self, env, call, "/api/agents/"),
            api_env::on_error(call));
  });
}

void get_agent(const api_env& env, api_call call) {
  env.act(call, [env, call](caf::event_based_actor* self) {
    with_agent(self, env, call, [=](agent_ref& ref) {
      self->request(ref.handle, env.timeout, atom::get::value)
        .then([call](agent_info& info) { call.reply(status::ok, info); },
              api_env::on_error(call));
    });
  });
}

void delete_agent(const api_env& env, api_call call) {
  auto reason = query_text(call, "reason");
  if (reason.empty())
    reason = "terminated through the API";
  env.act(call, [env, call, reason](caf::event_based_actor* self) {
    self
      ->request(env.registry, env.timeout, atom::terminate::value,
                call.param("id"), reason)
      .then(
        [self, env, call](agent_info& info) {
          env.after_commit(
            self, call, [call, info] { call.reply(status::ok, info); },
            info.node);
        },
        api_env::on_error(call));
  });
}

void set_state(const api_env& env, api_call call) {
  auto& body = call.body();
  auto i = body.find("state");
  agent_state to = agent_state::idle;
  if (i == body.end() || !i->is_string()
      || !parse(i->get_ref<const std::string&>(), to))
    return fail_parse(
      call, field_error("state", "expected IDLE, BUSY, ERROR or TERMINATED"));
  std::string reason = "set through the API";
  if (auto j = body.find("reason"); j != body.end() && !j->is_null()) {
    if (!j->is_string() || j->get_ref<const std::string&>().size() > 1024)
      return fail_parse(call, field_error("reason",
                                          "expected a string of at most 1024 "
                                          "characters"));
    reason = j->get<std::string>();
  }
  env.act(call, [env, call, to, reason](caf::event_based_actor* self) {
    with_agent(self, env, call, [=](agent_ref& ref) {
      self->request(ref.handle, env.timeout, atom::state::value, to, reason)
        .then([call](agent_info& info) { call.reply(status::ok, info); },
              api_env::on_error(call));
    });
  });
}

void assign_task(const api_env& env, api_call call) {
  auto spec = task_spec_from_json(call.body());
  if (!spec)
    return fail_parse(call, spec.failure());
  auto task = *spec;
  // The agent's answer carries no task id, so the API picks one.
  if (task.id.empty())
    task.id = make_uuid();
  env.act(call, [env, call, task](caf::event_based_actor* self) {
    with_agent(self, env, call, [=](agent_ref& ref) {
      self->request(ref.handle, env.timeout, atom::assign::value, task)
        .then(
          [call, task](agent_info& info) {
            call.reply(status::created,
                       json{{"taskId", task.id}, {"agent", info}});
          },
          api_env::on_error(call));
    });
  });
}

void complete_task(const api_env& env, api_call call) {
  auto& body = call.body();
  bool success = true;
  std::string output;
  if (auto i = body.find("success"); i != body.end() && !i->is_null()) {
    if (!i->is_boolean())
      return fail_parse(call, field_error("success", "expected true or false"));
    success = i->get<bool>();
  }
  if (auto i = body.find("output"); i != body.end() && !i->is_null()) {
    if (!i->is_string() || i->get_ref<const std::string&>().size() > 65536)
      return fail_parse(
        call, field_error("output", "expected a string of at most 64 KiB"));
    output = i->get<std::string>();
  }
  env.act(call, [env, call, success, output](caf::event_based_actor* self) {
    with_agent(self, env, call, [=](agent_ref& ref) {
      self
        ->request(ref.handle, env.timeout, atom::complete::value,
                  call.param("task"), success, output)
        .then([call](task_result& res) { call.reply(status::ok, res); },
              api_env::on_error(call));
    });
  });
}

json report_json(const agent_ref& ref, const metrics_report& report,
                 bool history) {
  json result{{"agentId", ref.summary.id},
              {"numId", ref.summary.num},
              {"metrics", report.current},
              {"trends", report.trends}};
  if (history)
    result["history"] = report.history;
  return result;
}

void report_metrics(const api_env& env, api_call call) {
  auto sample = metrics_sample_from_json(call.body());
  if (!sample)
    return fail_parse(call, sample.failure());
  auto x = *sample;
  if (x.time_ms == 0)
    x.time_ms = now_ms();
  env.act(call, [env, call, x](caf::event_based_actor* self) {
    with_agent(self, env, call, [=](agent_ref& ref) {
      self->request(ref.handle, env.timeout, atom::metrics::value, x)
        .then(
          [call, ref](metrics_report& report) {
            call.reply(status::ok, report_json(ref, report, false));
          },
          api_env::on_error(call));
    });
  });
}

void get_metrics(const api_env& env, api_call call) {
  env.act(call, [env, call](caf::event_based_actor* self) {
    with_agent(self, env, call, [=](agent_ref& ref) {
      self->request(ref.handle, env.timeout, atom::metrics::value)
        .then(
          [call, ref](metrics_report& report) {
            call.reply(status::ok, report_json(ref, report, true));
          },
          api_env::on_error(call));
    });
  });
}

} // namespace

void add_agent_routes(router& r, const api_env& env) {
  r.add(verb::get, "/api/agents", bind_env(env, list_agents));
  r.add(verb::post, "/api/agents", bind_env(env, spawn_agent));
  r.add(verb::get, "/api/agents/{id}", bind_env(env, get_agent));
  r.add(verb::delete_, "/api/agents/{id}", bind_env(env, delete_agent));
  r.add(verb::put, "/api/agents/{id}/state", bind_env(env, set_state));
  r.add(verb::post, "/api/agents/{id}/tasks", bind_env(env, assign_task));
  r.add(verb::post, "/api/agents/{id}/tasks/{task}/complete",
        bind_env(env, complete_task));
  r.add(verb::post, "/api/agents/{id}/metrics", bind_env(env, report_metrics));
  r.add(verb::get, "/api/agents/{id}/metrics", bind_env(env, get_metrics));
}

} // namespace av::http
