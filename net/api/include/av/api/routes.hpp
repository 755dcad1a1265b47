#pragma once

#include <chrono>
#include <exception>
#include <utility>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>

#include "av/actors.hpp"
#include "av/cluster/view.hpp"
#include "av/http/router.hpp"
#include "av/node_context.hpp"
#include "av/telemetry/telemetry.hpp"
#include "av/traced.hpp"

namespace av::http {

class agent_lists;

/// Where browsers reach the node's listeners, for the dashboard: the bound
/// API port (known once the listener is bound), the WebSocket port and how
/// many viewers it has.
struct listener_ports {
  std::atomic<uint16_t> api{0};
  uint16_t ws = 0;
  /// Open WebSocket sessions; null without a WebSocket server.
  std::shared_ptr<const std::atomic<uint64_t>> viewers;
};

/// What handlers reach the node through.
struct api_env {
  caf::actor_system* sys = nullptr;
  registry_actor registry;
  bus_actor bus;
  /// Positions and formations.
  physics_actor physics;
  /// Prometheus counters; null when PROMETHEUS_ENABLED is off.
  std::shared_ptr<telemetry> tel;
  node_context_ptr ctx;
  /// Bound of every request to an actor (MCP_TIMEOUT).
  std::chrono::milliseconds timeout{30000};
  /// Wall-clock start of the server, for /health.
  int64_t started_ms = 0;
  /// Open connections, kept by the server.
  std::shared_ptr<std::atomic<size_t>> connections;
  /// The node's ports, announced in /api/snapshot.
  std::shared_ptr<listener_ports> ports;
  /// Kept renderings of GET /api/agents; null where answers are not kept.
  std::shared_ptr<agent_lists> lists;

  /// Runs `body(self)` in a short-lived actor so that the Asio thread never
  /// waits on CAF. The actor lives while it awaits responses; anything it
  /// throws answers 500. It works under the call's trace (av/traced.hpp).
  template <class F>
  void act(const api_call& call, F body) const {
    sys->spawn([call, body](caf::event_based_actor* self) mutable {
      work_under(self, call.trace());
      self->set_exception_handler([call](std::exception_ptr&) -> caf::error {
        call.fail(internal_error());
        return caf::exit_reason::unhandled_exception;
      });
      try {
        body(self);
      } catch (...) {
        call.fail(internal_error());
      }
    });
  }

  /// Calls `answer` once everything the node published so far is committed
  /// to PostgreSQL (at once without DATABASE_URL): the answers to spawn,
  /// terminate, coordinations and messages promise that it was stored. A
  /// change made on another node of the cluster (`node`) waits for that
  /// node's commit, through the cluster's view.
  template <class F>
  void after_commit(caf::event_based_actor* self, const api_call& call,
                    F answer, const std::string& node = {}) const {
    if (!node.empty() && node != ctx->node_name) {
      self
        ->request(caf::actor_cast<cluster::view_actor>(registry), timeout,
                  atom::durable::value, node)
        .then([answer](uint64_t) mutable { answer(); }, on_error(call));
      return;
    }
    if (!ctx->durability)
      return answer();
    self
      ->request(ctx->durability, timeout, atom::durable::value,
                ctx->bus.last_seq())
      .then([answer](uint64_t) mutable { answer(); }, on_error(call));
  }

  /// Error handler for `.then`: answers with the mapped error.
  static auto on_error(const api_call& call) {
    return [call](caf::error& err) {
      call.fail(err);
    };
  }
};

/// A route's handler: `fn` run with the node's environment.
inline handler bind_env(const api_env& env,
                        void (*fn)(const api_env&, api_call)) {
  return [env, fn](api_call call) {
    fn(env, std::move(call));
  };
}

/// Handler for `.then`: answers 201 with the created `Info` and its Location
/// (`prefix` + id) once what the node published is committed.
template <class Info>
auto reply_created(caf::event_based_actor* self, const api_env& env,
                   const api_call& call, std::string prefix) {
  return [self, env, call, prefix](Info& info) {
    env.after_commit(
      self, call,
      [call, info, prefix] {
        call.reply(status::created, info, {{"Location", prefix + info.id}});
      },
      info.node);
  };
}

/// Looks the agent of `{id}` up by UUID, numeric id or name, then calls
/// `f(ref)`; answers the registry's error (404, 503) otherwise.
template <class F>
void with_agent(caf::event_based_actor* self, const api_env& env,
                const api_call& call, F f) {
  self->request(env.registry, env.timeout, atom::get::value, call.param("id"))
    .then([f](agent_ref& ref) mutable { f(ref); }, api_env::on_error(call));
}

/// Answers 400 naming the field of a parser's message.
inline void fail_parse(const api_call& call, const parse_error& err) {
  call.fail(bad_request(err));
}

void add_system_routes(router& r, const api_env& env);
void add_agent_routes(router& r, const api_env& env);
void add_coordination_routes(router& r, const api_env& env);
void add_message_routes(router& r, const api_env& env);
void add_layout_routes(router& r, const api_env& env);
void add_hook_routes(router& r, const api_env& env);
/// GET /api/history/...: positions, metrics, messages and coordinations
/// from PostgreSQL (docs/api.md); 503 without DATABASE_URL.
void add_history_routes(router& r, const api_env& env);

/// Every route of the HTTP API, all of the above: the HTTP server,
/// WebSocket commands, MCP tools and the shell run the same ones.
void add_api_routes(router& r, const api_env& env);

} // namespace av::http
