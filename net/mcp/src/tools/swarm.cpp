#include <algorithm>

#include "tool.hpp"
#include "tool_schemas.hpp"

namespace av::mcp {

namespace {

using http::verb;
namespace s = schemas;
using num_list = std::vector<num_id>;

/// Turns agent references into numeric ids, asking the registry for those
/// given by UUID or name; the first unknown one ends the tool.
void resolve(const tool_env& env, const json& refs, tool_done done,
             std::function<void(num_list)> k) {
  auto nums = std::make_shared<num_list>();
  auto failed = std::make_shared<std::string>();
  sequence(
    refs.size(),
    [env, refs, nums, failed](size_t i, auto next) {
      rest(env, verb::get, "/api/agents/" + segment(agent_key(refs[i])), {},
           json::object(), [nums, failed, next](rest_reply r) {
             if (!r.ok()) {
               *failed = r.error_text();
               return next(false);
             }
             nums->push_back(r.body["numId"].get<num_id>());
             next(true);
           });
    },
    [nums, failed, done, k](bool completed) {
      if (!completed)
        return done(tool_result::fail(*failed));
      k(std::move(*nums));
    });
}

void coordinate(const tool_env& env, const json& args, tool_done done) {
  auto& refs = args["participants"];
  if (refs.size() > env.limits.max_participants)
    return done(tool_result::fail(
      "participants: at most " + std::to_string(env.limits.max_participants)
        + " allowed (maxParticipants)",
      "invalid"));
  resolve(env, refs, done, [env, args, done](num_list nums) {
    json body{{"pattern", args["pattern"]}, {"participants", nums}};
    if (args.contains("task"))
      body["task"] = args["task"];
    if (args.contains("timeoutMs"))
      body["timeoutMs"] = args["timeoutMs"];
    rest_then(env, verb::post, "/api/coordinations", {}, std::move(body), done,
              [](json& x) {
                return json{{"coordination", std::move(x)}};
              });
  });
}

/// How often, and how far apart, the physics actor is asked again while it
/// has not yet seen the spawn events of a new swarm's agents.
constexpr int topology_attempts = 200;
constexpr std::chrono::milliseconds topology_retry{5};

/// Has the physics actor draw the edges of `spec`, once it knows every
/// agent (it learns of new agents from the event bus, a moment after the
/// spawn answered).
void draw_topology(const tool_env& env, topology_spec spec,
                   std::function<void(uint32_t)> k, tool_done done) {
  env.api.sys->spawn([=](caf::event_based_actor* self) -> caf::behavior {
    work_under(self, env.trace);
    auto attempt = std::make_shared<int>(0);
    auto ask = [=] {
      self
        ->request(env.api.physics, env.api.timeout, atom::topology::value, spec)
        .then(
          [=](uint32_t edges) {
            k(edges);
            self->quit();
          },
          [=](caf::error& err) {
            auto api = http::from_caf(err);
            if (api.name == "not_found" && ++*attempt < topology_attempts) {
              self->delayed_send(self, topology_retry, atom::tick::value);
              return;
            }
            done(tool_result::fail(api.message));
            self->quit();
          });
    };
    ask();
    return {[=](atom::tick) {
      ask();
    }};
  });
}

void swarm_init(const tool_env& env, const json& args, tool_done done) {
  auto count = args["maxAgents"].get<size_t>();
  if (count > env.limits.max_agents)
    return done(tool_result::fail("maxAgents: at most "
                                    + std::to_string(env.limits.max_agents)
                                    + " allowed",
                                  "invalid"));
  auto types = args.contains("types") ? args["types"] : json{"worker"};
  auto id = make_uuid();
  auto name = args.value("name", "swarm-" + id.substr(0, 8));
  auto members = std::make_shared<json>(json::array());
  auto nums = std::make_shared<num_list>();
  auto failed = std::make_shared<std::string>();
  auto topology = args["topology"].get<std::string>();
  sequence(
    count,
    [=](size_t i, auto next) {
      json body{{"type", types[i % types.size()]},
                {"name", name + "-" + std::to_string(i + 1)},
                {"metadata", {{"swarm", id}}}};
      rest(env, verb::post, "/api/agents", {}, std::move(body),
           [=](rest_reply r) {
             if (!r.ok()) {
               *failed = r.error_text();
               return next(false);
             }
             nums->push_back(r.body["numId"].get<num_id>());
             members->push_back(std::move(r.body));
             next(true);
           });
    },
    [=](bool completed) {
      if (!nums->empty())
        env.swarms->put(swarm{id, name, topology, *nums, now_ms()});
      if (!completed)
        return done(tool_result::fail(
          "swarm " + id + ": spawned " + std::to_string(nums->size()) + " of "
          + std::to_string(count) + " agents, then: " + *failed));
      draw_topology(
        env, topology_spec{id, topology, *nums},
        [=](uint32_t edges) {
          done(tool_result::ok(json{{"swarmId", id},
                                    {"name", name},
                                    {"topology", topology},
                                    {"edges", edges},
                                    {"agents", *members}}));
        },
        done);
    });
}

json swarm_json(const swarm& x, const std::unordered_map<num_id, json>& live) {
  json by_state = json::object();
  json members = json::array();
  for (auto num : x.agents) {
    auto i = live.find(num);
    auto state = i == live.end() ? std::string{"TERMINATED"}
                                 : i->second["state"].get<std::string>();
    by_state[state] = by_state.value(state, 0) + 1;
    if (i != live.end())
      members.push_back(i->second);
  }
  return json{{"swarmId", x.id},        {"name", x.name},
              {"topology", x.topology}, {"agents", x.agents.size()},
              {"byState", by_state},    {"members", members}};
}

void swarm_status(const tool_env& env, const json& args, tool_done done) {
  std::vector<swarm> swarms;
  if (args.contains("swarmId")) {
    auto x = env.swarms->get(args["swarmId"].get<std::string>());
    if (!x)
      return done(tool_result::fail("swarmId: no swarm with id "
                                    + args["swarmId"].dump()));
    swarms.push_back(std::move(*x));
  } else {
    swarms = env.swarms->all();
  }
  rest(env, verb::get, "/api/snapshot", {}, json::object(),
       [swarms, done](rest_reply r) {
         if (!r.ok())
           return done(r.failure());
         std::unordered_map<num_id, json> live;
         for (auto& a : r.body["agents"])
           live.emplace(a["numId"].get<num_id>(), a);
         size_t active = 0;
         for (auto& c : r.body["coordinations"])
           active += c["status"] == "ACTIVE" || c["status"] == "FORMING";
         json out = json::array();
         for (auto& x : swarms)
           out.push_back(swarm_json(x, live));
         done(tool_result::ok(json{{"swarms", out},
                                   {"totalAgents", live.size()},
                                   {"activeCoordinations", active}}));
       });
}

/// Assigns the task to each agent in `nums`.
void assign_all(const tool_env& env, const json& args, num_list nums,
                tool_done done) {
  auto assignments = std::make_shared<json>(json::array());
  auto failed = std::make_shared<std::string>();
  auto description
    = args["kind"].get<std::string>() + ": " + args["task"].get<std::string>();
  sequence(
    nums.size(),
    [=](size_t i, auto next) {
      rest(env, verb::post, "/api/agents/" + std::to_string(nums[i]) + "/tasks",
           {}, json{{"description", description}}, [=](rest_reply r) {
             if (!r.ok()) {
               *failed = r.error_text();
               return next(false);
             }
             assignments->push_back(
               json{{"numId", nums[i]}, {"taskId", r.body["taskId"]}});
             next(true);
           });
    },
    [=](bool completed) {
      if (!completed)
        return done(tool_result::fail(
          "assigned to " + std::to_string(assignments->size()) + " of "
          + std::to_string(nums.size()) + " agents, then: " + *failed));
      done(tool_result::ok(
        json{{"strategy", args["strategy"]}, {"assignments", *assignments}}));
    });
}

/// Picks the agent that can start soonest and does best: idle first, then
/// the shortest queue, then the highest success rate.
void assign_best(const tool_env& env, const json& args, num_list nums,
                 tool_done done) {
  auto infos = std::make_shared<std::vector<json>>();
  sequence(
    nums.size(),
    [=](size_t i, auto next) {
      rest(env, verb::get, "/api/agents/" + std::to_string(nums[i]), {},
           json::object(), [=](rest_reply r) {
             if (r.ok())
               infos->push_back(std::move(r.body));
             next(true);
           });
    },
    [=](bool) {
      auto score = [](const json& a) {
        return std::make_tuple(a["state"] != "IDLE",
                               a["queuedTasks"].get<int64_t>(),
                               -a["metrics"]["successRate"].get<double>());
      };
      auto best = std::min_element(
        infos->begin(), infos->end(),
        [&](const json& a, const json& b) { return score(a) < score(b); });
      if (best == infos->end())
        return done(tool_result::fail("no live agent to assign the task to"));
      assign_all(env, args, {(*best)["numId"].get<num_id>()}, done);
    });
}

void orchestrate(const tool_env& env, const json& args, tool_done done) {
  auto run = [env, args, done](num_list nums) {
    if (nums.empty())
      return done(tool_result::fail("the swarm has no agents"));
    auto strategy = args["strategy"].get<std::string>();
    if (strategy == "parallel")
      return assign_all(env, args, std::move(nums), done);
    if (strategy == "adaptive")
      return assign_best(env, args, std::move(nums), done);
    // Sequential: a pipeline, each stage working on the previous output.
    json body{
      {"pattern", "pipeline"}, {"participants", nums}, {"task", args["task"]}};
    rest_then(env, verb::post, "/api/coordinations", {}, std::move(body), done,
              [](json& x) {
                return json{{"strategy", "sequential"},
                            {"coordinationId", x["id"]},
                            {"assignments", json::array()}};
              });
  };
  if (args.contains("agents"))
    return resolve(env, args["agents"], done, run);
  if (!args.contains("swarmId"))
    return done(
      tool_result::fail("swarmId or agents: one is required", "invalid"));
  auto x = env.swarms->get(args["swarmId"].get<std::string>());
  if (!x)
    return done(
      tool_result::fail("swarmId: no swarm with id " + args["swarmId"].dump()));
  run(x->agents);
}

void formation(const tool_env& env, const json& args, tool_done done) {
  rest_pass(env, verb::post, "/api/formations", {}, args, done);
}

} // namespace

void add_swarm_tools(std::vector<tool>& out) {
  auto agents = s::array_of(s::agent());
  out.push_back(
    {"agent_coordinate",
     "Start a coordination among agents: hierarchical (first leads), mesh, "
     "pipeline (in order) or consensus (vote on task).",
     s::object(json{{"pattern", s::choice({"hierarchical", "mesh", "pipeline",
                                           "consensus"})},
                    {"participants", s::agent_refs(100)},
                    {"task", s::text("task, topic or proposal", 4096)},
                    {"timeoutMs", s::integer("deadline", 100, 3600000, 30000)}},
               {"pattern", "participants"}),
     s::output(
       json{{"coordination", s::output(json{{"id", s::type("string")},
                                            {"status", s::type("string")}},
                                       {"id", "status"})}},
       {"coordination"}),
     true, coordinate});
  out.push_back(
    {"swarm_init",
     "Spawn a swarm of agents linked in a topology. Alias multi-agent_init.",
     s::object(
       json{{"topology", s::choice({"star", "ring", "mesh", "hierarchical"})},
            {"maxAgents", s::integer("agents to spawn", 1, 100, 5)},
            {"types", json{{"type", "array"},
                           {"items", s::text("agent type", 50)},
                           {"maxItems", 20},
                           {"description", "types, used in turn"}}},
            {"name", s::text("swarm name", 100)}},
       {"topology"}),
     s::output(json{{"swarmId", s::type("string")},
                    {"topology", s::type("string")},
                    {"agents", agents}},
               {"swarmId", "topology", "agents"}),
     true, swarm_init});
  out.push_back(
    {"swarm_status",
     "Swarms with their agents by state (all swarms when no swarmId).",
     s::object(json{{"swarmId", s::text("from swarm_init", 64)}}),
     s::output(json{{"swarms",
                     s::array_of(s::output(json{{"swarmId", s::type("string")},
                                                {"byState", s::type("object")}},
                                           {"swarmId", "byState"}))},
                    {"totalAgents", s::type("integer")}},
               {"swarms", "totalAgents"}),
     false, swarm_status});
  out.push_back(
    {"task_orchestrate",
     "Give a task to a swarm or agents: sequential (pipeline), parallel "
     "(each agent) or adaptive (the best available agent).",
     s::object(
       json{{"task", s::text("what to do", 4096)},
            {"swarmId", s::text("from swarm_init", 64)},
            {"agents", s::agent_refs(100)},
            {"strategy", s::choice({"sequential", "parallel", "adaptive"})},
            {"kind", s::text("task kind, e.g. review", 50)}},
       {"task"}),
     s::output(json{{"strategy", s::type("string")},
                    {"assignments", s::array_of(s::output(
                                      json{{"numId", s::type("integer")},
                                           {"taskId", s::type("string")}}))},
                    {"coordinationId", s::type("string")}},
               {"strategy", "assignments"}),
     true, orchestrate});
  out.back().input_schema["properties"]["strategy"]["default"] = "adaptive";
  out.back().input_schema["properties"]["kind"]["default"] = "work";
  out.push_back(
    {"coordinate_swarm_formation",
     "Move agents into a formation. Alias coordinate_multi-agent_formation.",
     s::object(json{{"pattern", s::choice({"circle", "grid", "sphere", "helix",
                                           "custom"})},
                    {"agents", s::agent_refs(1000)},
                    {"centerPoint", s::vec3()},
                    {"spacing",
                     {{"type", "number"},
                      {"minimum", 0.001},
                      {"maximum", 10000},
                      {"default", 5}}},
                    {"customPattern",
                     s::object(json{{"positions", s::array_of(s::vec3())}},
                               {"positions"})}},
               {"pattern", "agents"}),
     s::output(json{{"id", s::type("string")},
                    {"pattern", s::type("string")},
                    {"agents", s::array_of(s::type("integer"))},
                    {"targets", s::array_of(s::type("object"))}},
               {"id", "pattern", "agents", "targets"}),
     true, formation});
}

} // namespace av::mcp
