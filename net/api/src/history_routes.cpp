#include "av/api/routes.hpp"

#include <charconv>
#include <optional>

#include <caf/actor_registry.hpp>

#include "av/actors.hpp"

namespace av::http {

namespace {

using json = nlohmann::json;

/// Default range when `from` is absent: the last hour.
constexpr int64_t default_span_ms = 3600 * 1000;

/// Answers 400 naming the query parameter (or path part) `name`.
void fail_param(const api_call& call, const std::string& name,
                const std::string& expected) {
  call.fail(bad_request(field_error(name, expected)));
}

/// Reads an integer query parameter in [lo, hi]; answers 400 and returns
/// nothing when it is malformed.
template <class T>
std::optional<T> query_number(const api_call& call, const char* name,
                              T fallback, T lo, T hi) {
  auto text = call.query(name);
  if (!text)
    return fallback;
  T value = 0;
  auto last = text->data() + text->size();
  auto res = std::from_chars(text->data(), last, value);
  if (text->empty() || res.ec != std::errc{} || res.ptr != last || value < lo
      || value > hi) {
    fail_param(call, name,
               "expected an integer from " + std::to_string(lo) + " to "
                 + std::to_string(hi));
    return std::nullopt;
  }
  return value;
}

/// An agent id in a path or query: a UUID (history outlives numbers).
bool valid_agent(const api_call& call, const std::string& id,
                 const char* field) {
  if (id.empty() || is_uuid(id))
    return true;
  fail_param(call, field, "expected an agent UUID");
  return false;
}

/// Fills the range and limits of `q` from the query; false after a 400.
bool read_range(const api_call& call, history_query& q) {
  constexpr int64_t max_ms = int64_t{1} << 50;
  auto to = query_number<int64_t>(call, "to", now_ms() + 1, 0, max_ms);
  if (!to)
    return false;
  auto from
    = query_number<int64_t>(call, "from", *to - default_span_ms, 0, max_ms);
  if (!from)
    return false;
  if (*from > *to) {
    fail_param(call, "from", "must not be after to");
    return false;
  }
  auto limit = query_number<uint32_t>(call, "limit", 1000, 1, 10000);
  if (!limit)
    return false;
  auto points = query_number<uint32_t>(call, "points", 500, 1, 10000);
  if (!points)
    return false;
  q.from_ms = *from;
  q.to_ms = *to;
  q.limit = *limit;
  q.points = *points;
  return true;
}

void answer(const api_env& env, api_call call, history_query q) {
  auto ptr = env.sys->registry().get(history_actor_name);
  if (!ptr) {
    api_error err;
    err.code = status::service_unavailable;
    err.name = "no_history";
    err.message = "history needs PostgreSQL (DATABASE_URL)";
    return call.fail(err);
  }
  auto reader = caf::actor_cast<history_actor>(ptr);
  env.act(call, [env, call, q, reader](caf::event_based_actor* self) {
    self->request(reader, env.timeout, atom::history::value, q)
      .then([call](
              std::string& text) { call.reply(status::ok, json::parse(text)); },
            [call](caf::error&) {
              api_error err;
              err.code = status::service_unavailable;
              err.name = "history_unavailable";
              err.message = "PostgreSQL cannot answer now; retry later";
              err.retry_after_s = 1;
              call.fail(err);
            });
  });
}

void agent_history(const api_env& env, api_call call, const char* kind) {
  history_query q;
  q.kind = kind;
  q.agent = call.param("id");
  if (!valid_agent(call, q.agent, "id") || !read_range(call, q))
    return;
  answer(env, std::move(call), std::move(q));
}

void message_history(const api_env& env, api_call call) {
  history_query q;
  q.kind = "messages";
  if (auto x = call.query("agent"))
    q.agent = *x;
  if (auto x = call.query("peer"))
    q.peer = *x;
  if (!valid_agent(call, q.agent, "agent") || !valid_agent(call, q.peer, "peer")
      || !read_range(call, q))
    return;
  answer(env, std::move(call), std::move(q));
}

void coordination_history(const api_env& env, api_call call) {
  history_query q;
  q.kind = "coordinations";
  if (auto x = call.query("status")) {
    coord_status parsed_status;
    if (!parse(*x, parsed_status))
      return fail_param(call, "status",
                        "expected FORMING, ACTIVE, COMPLETED or FAILED");
    q.status = to_string(parsed_status);
  }
  if (!read_range(call, q))
    return;
  answer(env, std::move(call), std::move(q));
}

} // namespace

void add_history_routes(router& r, const api_env& env) {
  r.add(verb::get, "/api/history/agents/{id}/positions", [env](api_call call) {
    agent_history(env, std::move(call), "positions");
  });
  r.add(verb::get, "/api/history/agents/{id}/metrics", [env](api_call call) {
    agent_history(env, std::move(call), "metrics");
  });
  r.add(verb::get, "/api/history/messages",
        [env](api_call call) { message_history(env, std::move(call)); });
  r.add(verb::get, "/api/history/coordinations",
        [env](api_call call) { coordination_history(env, std::move(call)); });
}

} // namespace av::http
