#include <algorithm>
#include <unordered_set>

#include "av/api/json_mapping.hpp"
#include "av/api/routes.hpp"
#include "av/cluster/node.hpp"
#include "av/error.hpp"

namespace av::http {

namespace {

using json = nlohmann::json;

/// Probes answer quickly even when MCP_TIMEOUT is long.
std::chrono::milliseconds probe_timeout(const api_env& env) {
  return std::min(env.timeout, std::chrono::milliseconds{5000});
}

api_error unavailable(std::string message) {
  api_error err;
  err.code = status::service_unavailable;
  err.name = "unavailable";
  err.message = std::move(message);
  return err;
}

/// The node actor of this node's cluster; none in a server started without
/// one (tests of the API alone).
cluster::node_actor cluster_node(const api_env& env) {
  return caf::actor_cast<cluster::node_actor>(
    env.sys->registry().get(cluster::node_actor_name));
}

json member_json(const cluster::member& x, bool self) {
  return json{{"name", x.name},      {"address", x.address()},
              {"slot", x.slot},      {"state", cluster::to_string(x.state)},
              {"since", x.since_ms}, {"self", self}};
}

/// Every member, this node first, as GET /api/nodes and /health list them.
json members_json(const std::vector<cluster::member>& xs) {
  auto result = json::array();
  for (size_t i = 0; i < xs.size(); ++i)
    result.push_back(member_json(xs[i], i == 0));
  return result;
}

struct health_state {
  json components = json::object();
  json physics = json::object();
  json nodes = json::array();
  std::string node;
  int pending = 3;
  bool ok = true;
};

void health(const api_env& env, api_call call) {
  env.act(call, [env, call](caf::event_based_actor* self) {
    auto st = std::make_shared<health_state>();
    auto done = [env, call, st](const char* name, const caf::error* err) {
      if (err) {
        st->ok = false;
        st->components[name]
          = json{{"status", "down"}, {"error", describe(*err)}};
      } else {
        st->components[name] = json{{"status", "up"}};
      }
      if (--st->pending > 0)
        return;
      for (const auto& store : env.ctx->stores) {
        auto up = store->up.load();
        st->ok = st->ok && up;
        st->components[store->name]
          = json{{"status", up ? "up" : "down"},
                 {"buffered", store->buffered.load()},
                 {"full", store->full.load()},
                 {"droppedSamples", store->dropped_samples.load()},
                 {"reconnects", store->reconnects.load()}};
      }
      st->components["api"]
        = json{{"status", "up"},
               {"connections", env.connections ? env.connections->load() : 0}};
      json body{{"status", st->ok ? "ok" : "degraded"},
                {"components", st->components},
                {"agents", env.ctx->agents.size()},
                {"eventSeq", env.ctx->bus.last_seq()},
                {"physics", st->physics},
                {"uptimeMs", now_ms() - env.started_ms},
                {"time", now_ms()}};
      if (!st->node.empty()) {
        body["node"] = st->node;
        body["nodes"] = st->nodes;
      }
      if (env.ports && env.ports->viewers)
        body["viewers"] = env.ports->viewers->load();
      call.reply(st->ok ? status::ok : status::service_unavailable, body);
    };
    auto timeout = probe_timeout(env);
    // A node whose other members are unreachable is still healthy: they
    // are listed with their state.
    if (auto node = cluster_node(env)) {
      ++st->pending;
      self->request(node, timeout, atom::list::value)
        .then(
          [done, st](std::vector<cluster::member>& xs) {
            st->node = xs.empty() ? std::string{} : xs.front().name;
            st->nodes = members_json(xs);
            done("cluster", nullptr);
          },
          [done](caf::error& err) { done("cluster", &err); });
    }
    self
      ->request(env.registry, timeout, atom::status::value,
                status_verbosity::terse)
      .then([done](caf::settings&) { done("registry", nullptr); },
            [done](caf::error& err) { done("registry", &err); });
    self
      ->request(env.bus, timeout, atom::status::value, status_verbosity::terse)
      .then([done](caf::settings&) { done("bus", nullptr); },
            [done](caf::error& err) { done("bus", &err); });
    // The dashboard's system panel shows the mean time of a layout tick.
    self
      ->request(env.physics, timeout, atom::status::value,
                status_verbosity::terse)
      .then(
        [done, st](caf::settings& xs) {
          auto ticks = caf::get_or(xs, "ticks", int64_t{0});
          auto sum = caf::get_or(xs, "tick_ms_sum", 0.0);
          st->physics = json{
            {"ticks", ticks},
            {"tickMs", ticks > 0 ? sum / static_cast<double>(ticks) : 0.0}};
          done("physics", nullptr);
        },
        [done](caf::error& err) { done("physics", &err); });
  });
}

void nodes(const api_env& env, api_call call) {
  auto node = cluster_node(env);
  if (!node)
    return call.fail(unavailable("this server runs no cluster node"));
  env.act(call, [env, call, node](caf::event_based_actor* self) {
    self->request(node, env.timeout, atom::list::value)
      .then(
        [call](std::vector<cluster::member>& xs) {
          call.reply(status::ok,
                     json{{"node", xs.empty() ? "" : xs.front().name},
                          {"nodes", members_json(xs)}});
        },
        api_env::on_error(call));
  });
}

void ready(const api_env& env, api_call call) {
  env.act(call, [env, call](caf::event_based_actor* self) {
    self
      ->request(env.registry, probe_timeout(env), atom::status::value,
                status_verbosity::terse)
      .then(
        [call](caf::settings&) {
          call.reply(status::ok, {{"ready", true}});
        },
        [call](caf::error& err) {
          call.fail(
            unavailable("the registry does not answer: " + describe(err)));
        });
  });
}

struct snapshot_state {
  uint64_t seq = 0;
  std::vector<agent_summary> agents;
  std::unordered_set<num_id> seen;
};

void fetch_coordinations(caf::event_based_actor* self, const api_env& env,
                         const api_call& call,
                         std::shared_ptr<snapshot_state> st) {
  self
    ->request(env.registry, env.timeout, atom::coordinate::value,
              atom::list::value, std::string{})
    .then(
      [call, st, ports = env.ports](std::vector<coordination_info>& xs) {
        json body{{"seq", st->seq},
                  {"time", now_ms()},
                  {"agents", st->agents},
                  {"coordinations", xs}};
        // The dashboard learns here where the event stream listens. Callers
        // inside the node (the MCP tools) have no listener ports.
        if (ports)
          body["stream"] = json{{"path", "/ws"},
                                {"port", ports->ws},
                                {"apiPort", ports->api.load()}};
        call.reply(status::ok, std::move(body));
      },
      api_env::on_error(call));
}

void fetch_agents(caf::event_based_actor* self, const api_env& env,
                  const api_call& call, std::shared_ptr<snapshot_state> st,
                  uint32_t offset) {
  constexpr uint32_t page_size = 1000;
  agent_filter filter{{}, {}, offset, page_size};
  self->request(env.registry, env.timeout, atom::list::value, filter)
    .then(
      [=](agent_page& page) {
        // Pages are read one after the other while agents come and go; an
        // agent seen twice is listed once.
        for (auto& x : page.agents)
          if (st->seen.insert(x.num).second)
            st->agents.push_back(std::move(x));
        auto next = offset + static_cast<uint32_t>(page.agents.size());
        if (page.agents.empty() || next >= page.total)
          fetch_coordinations(self, env, call, st);
        else
          fetch_agents(self, env, call, st, next);
      },
      api_env::on_error(call));
}

void snapshot(const api_env& env, api_call call) {
  env.act(call, [env, call](caf::event_based_actor* self) {
    auto st = std::make_shared<snapshot_state>();
    // Read first: every change after `seq` is in the event stream, so a
    // client applies the snapshot and then the events that follow it.
    st->seq = env.ctx->bus.last_seq();
    fetch_agents(self, env, call, st, 0);
  });
}

} // namespace

void add_system_routes(router& r, const api_env& env) {
  r.add(
    verb::get, "/health",
    [env](api_call call) { health(env, std::move(call)); }, access::open);
  r.add(
    verb::get, "/ready", [env](api_call call) { ready(env, std::move(call)); },
    access::open);
  r.add(verb::get, "/api/snapshot",
        [env](api_call call) { snapshot(env, std::move(call)); });
  r.add(verb::get, "/api/nodes",
        [env](api_call call) { nodes(env, std::move(call)); });
}

void add_api_routes(router& r, const api_env& env) {
  add_system_routes(r, env);
  add_agent_routes(r, env);
  add_coordination_routes(r, env);
  add_message_routes(r, env);
  add_layout_routes(r, env);
  add_hook_routes(r, env);
  add_history_routes(r, env);
}

} // namespace av::http
