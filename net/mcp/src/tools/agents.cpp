#include "av/api/agent_lists.hpp"
#include "av/api/json_mapping.hpp"
#include "av/api/json_text.hpp"
#include "tool.hpp"
#include "tool_schemas.hpp"

namespace av::mcp {

namespace {

using http::verb;
namespace s = schemas;

std::string agent_path(const json& args, const char* suffix = "") {
  return "/api/agents/" + segment(agent_key(args["agentId"])) + suffix;
}

/// Straight to the registry, one agent after the other, in one actor: no
/// REST round trip, so no JSON text rendered and parsed back.
void spawn(const tool_env& env, const json& args, tool_done done) {
  auto count = args["count"].get<size_t>();
  auto agents = std::make_shared<json>(json::array());
  auto failed = std::make_shared<std::string>();
  auto one = [env, args, count, agents, failed](caf::event_based_actor* self,
                                                size_t i, auto next) {
    json body{{"type", args["type"]}};
    if (args.contains("name"))
      body["name"] = count == 1 ? args["name"].get<std::string>()
                                : args["name"].get<std::string>() + "-"
                                    + std::to_string(i + 1);
    if (args.contains("metadata"))
      body["metadata"] = args["metadata"];
    if (args.contains("node"))
      body["node"] = args["node"];
    auto spec = agent_spec_from_json(body);
    if (!spec) {
      *failed = spec.error();
      return next(false);
    }
    self->request(env.api.registry, env.api.timeout, atom::spawn::value, *spec)
      .then(
        [agents, next](agent_info& info) {
          agents->push_back(info);
          next(true);
        },
        [failed, next](caf::error& err) {
          *failed = http::from_caf(err).message;
          next(false);
        });
  };
  auto finish = [agents, failed, count, done](bool completed) {
    if (completed)
      return done(tool_result::ok(
        json{{"spawned", agents->size()}, {"agents", *agents}}));
    if (agents->empty())
      return done(tool_result::fail(*failed));
    // Name what exists, so the caller can go on from there.
    std::string ids;
    for (auto& a : *agents)
      ids += (ids.empty() ? "" : ", ") + a["id"].get<std::string>();
    done(tool_result::fail("spawned " + std::to_string(agents->size()) + " of "
                           + std::to_string(count) + " agents (" + ids
                           + "), then: " + *failed));
  };
  env.api.sys->spawn([one, count, finish,
                      trace = env.trace](caf::event_based_actor* self) {
    work_under(self, trace);
    sequence(
      count, [self, one](size_t i, auto next) { one(self, i, next); }, finish);
  });
}

/// The most frequent call of orchestrators, with the largest answer: a
/// page kept since no agent came, went or changed state is answered at
/// once, on the caller's thread; else the registry's page straight to text,
/// kept for the next call.
void list(const tool_env& env, const json& args, tool_done done) {
  agent_filter filter{args.value("type", ""), args.value("state", ""),
                      args["offset"].get<uint32_t>(),
                      args["limit"].get<uint32_t>()};
  auto lists = env.api.lists;
  auto key = lists ? http::agent_list_key(filter) : std::string{};
  if (lists)
    if (auto kept = lists->find(key))
      return done(tool_result::ok_raw(kept->body));
  // Read before asking: a page is kept under the version it includes.
  auto at = lists ? lists->now() : std::nullopt;
  env.api.sys->spawn([env, filter, lists, key, at,
                      done](caf::event_based_actor* self) {
    work_under(self, env.trace);
    self->request(env.api.registry, env.api.timeout, atom::list::value, filter)
      .then(
        [filter, lists, key, at, done](agent_page& page) {
          auto body = agent_page_text(page, filter);
          if (at)
            body = lists->store(key, *at, std::move(body))->body;
          done(tool_result::ok_raw(std::move(body)));
        },
        [done](caf::error& err) { done(tool_result::from(err)); });
  });
}

void status(const tool_env& env, const json& args, tool_done done) {
  bool history = args["history"].get<bool>();
  rest(env, verb::get, agent_path(args), {}, json::object(),
       [env, args, history, done](rest_reply r) {
         if (!r.ok())
           return done(r.failure());
         rest(env, verb::get, agent_path(args, "/metrics"), {}, json::object(),
              [agent = std::move(r.body), history, done](rest_reply m) {
                if (!m.ok())
                  return done(m.failure());
                json result{{"agent", agent}, {"trends", m.body["trends"]}};
                if (history)
                  result["history"] = m.body["history"];
                done(tool_result::ok(std::move(result)));
              });
       });
}

void terminate(const tool_env& env, const json& args, tool_done done) {
  http::param_list query;
  query.emplace_back("reason", args.value("reason", "terminated over MCP"));
  rest_then(env, verb::delete_, agent_path(args), std::move(query),
            json::object(), done, [](json& body) {
              return json{{"agent", std::move(body)}};
            });
}

void position(const tool_env& env, const json& args, tool_done done) {
  json body{{"position", args["position"]}};
  if (args.contains("velocity"))
    body["velocity"] = args["velocity"];
  rest_pass(env, verb::put, agent_path(args, "/position"), {}, std::move(body),
            done);
}

void monitor(const tool_env& env, const json& args, tool_done done) {
  auto read = [env, args, done] {
    rest_pass(env, verb::get, agent_path(args, "/metrics"), {}, json::object(),
              done);
  };
  if (!args.contains("metrics"))
    return read();
  rest(env, verb::post, agent_path(args, "/metrics"), {}, args["metrics"],
       [read, done](rest_reply r) {
         if (!r.ok())
           return done(r.failure());
         read();
       });
}

json metrics_schema(bool input) {
  auto share = json{{"type", "number"}, {"minimum", 0}, {"maximum", 1}};
  auto count = json{{"type", "number"}, {"minimum", 0}};
  auto props = json{{"tasksCompleted", count},
                    {"successRate", share},
                    {"averageResponseTime", count},
                    {"resourceUtilization", share}};
  if (input)
    return s::object(props, {"tasksCompleted", "successRate",
                             "averageResponseTime", "resourceUtilization"});
  return s::output(props);
}

json trends_schema() {
  return s::output(json{{"successRateTrend", s::type("string")},
                        {"responseTrend", s::type("string")},
                        {"utilizationTrend", s::type("string")}});
}

} // namespace

void add_agent_tools(std::vector<tool>& out) {
  out.push_back(
    {"agent_spawn", "Spawn live agents (count of one type).",
     s::object(
       json{
         {"type", s::text("role, 1-50 of [a-z0-9_-], e.g. coder", 50)},
         {"name", s::text("display name; -N suffix when count>1", 200)},
         {"metadata", s::type("object")},
         {"node",
          s::text("cluster node to spawn on; default: the least loaded", 63)},
         {"count", s::integer("agents to spawn", 1, 100, 1)}},
       {"type"}),
     s::output(json{{"spawned", s::type("integer")},
                    {"agents", s::array_of(s::agent())}},
               {"spawned", "agents"}),
     true, spawn});
  out.push_back(
    {"agent_list",
     "List agents, filtered by type and state, one page at a time.",
     s::object(json{{"type", s::text("agent type", 50)},
                    {"state", s::choice({"IDLE", "BUSY", "ERROR"})},
                    {"offset", s::integer("first row", 0, 1 << 30, 0)},
                    {"limit", s::integer("rows", 1, 1000, 100)}}),
     s::output(
       json{{"agents", s::array_of(s::agent())}, {"total", s::type("integer")}},
       {"agents", "total"}),
     false, list});
  out.push_back(
    {"agent_status", "An agent's state, task counts, metrics and trends.",
     s::object(json{{"agentId", s::agent_ref()},
                    {"history", {{"type", "boolean"}, {"default", false}}}},
               {"agentId"}),
     s::output(json{{"agent", s::agent()},
                    {"trends", trends_schema()},
                    {"history", s::array_of(metrics_schema(false))}},
               {"agent", "trends"}),
     false, status});
  out.push_back({"agent_terminate", "Terminate an agent for good.",
                 s::object(json{{"agentId", s::agent_ref()},
                                {"reason", s::text("why", 1024)}},
                           {"agentId"}),
                 s::output(json{{"agent", s::agent()}}, {"agent"}), true,
                 terminate});
  out.push_back(
    {"update_agent_position",
     "Pin an agent at a 3D position; with velocity it moves on from there.",
     s::object(json{{"agentId", s::agent_ref()},
                    {"position", s::vec3()},
                    {"velocity", s::vec3()}},
               {"agentId", "position"}),
     s::output(json{{"numId", s::type("integer")},
                    {"position", s::output(json::object())},
                    {"pinned", s::type("boolean")}},
               {"numId", "position"}),
     true, position});
  out.push_back(
    {"monitor_agent_performance",
     "Record an agent's metrics (optional) and return current values, "
     "history and trends (last 10 vs previous 10 samples, +-10%).",
     s::object(
       json{{"agentId", s::agent_ref()}, {"metrics", metrics_schema(true)}},
       {"agentId"}),
     s::output(json{{"agentId", s::type("string")},
                    {"metrics", metrics_schema(false)},
                    {"trends", trends_schema()},
                    {"history", s::array_of(metrics_schema(false))}},
               {"agentId", "metrics", "trends"}),
     true, monitor});
}

} // namespace av::mcp
