#pragma once

#include <memory>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>

#include "av/actors.hpp"
#include "av/api/http_server.hpp"
#include "av/cluster/service.hpp"
#include "av/config.hpp"
#include "av/mcp/server.hpp"
#include "av/memory_store.hpp"
#include "av/node_context.hpp"
#include "av/physics.hpp"
#include "av/telemetry/telemetry.hpp"
#include "av/telemetry/tracing.hpp"
#include "av/ws/server.hpp"

namespace av {

/// The limits of a node as configured.
node_limits limits_from(const config::settings& cfg);

/// The physics actor's settings as configured.
physics_config physics_from(const config::settings& cfg);

/// CAF's configuration for a node: scheduler threads, the project's error
/// category and the cluster's middleman.
class node_config : public caf::actor_system_config {
public:
  explicit node_config(const config::settings& cfg);
};

/// One running node: the actor system with its bus, registry, the HTTP API
/// and, when asked for, the demo swarm. Destroying it stops every actor.
/// Throws when the API port cannot be bound.
class node {
public:
  /// With `mcp_http` false the MCP tools are served only through `mcp()`
  /// (the stdio transport), not on MCP_PORT.
  explicit node(const config::settings& cfg, bool mcp_http = true);
  ~node();

  caf::actor_system& system() { return system_; }

  const node_context_ptr& context() const { return ctx_; }

  registry_actor registry() const { return registry_; }

  bus_actor bus() const { return bus_; }

  physics_actor physics() const { return physics_; }

  /// Port of `/metrics` (the real one when METRICS_PORT is 0); 0 when
  /// PROMETHEUS_ENABLED is off.
  uint16_t metrics_port() const { return telemetry_ ? telemetry_->port() : 0; }

  /// The node's Prometheus metrics; null when off.
  const std::shared_ptr<telemetry>& metrics() const { return telemetry_; }

  /// Port the HTTP API listens on (the real one when API_PORT is 0).
  uint16_t api_port() const { return http_ ? http_->port() : 0; }

  /// Port of the WebSocket stream (the real one when WS_PORT is 0).
  uint16_t ws_port() const { return ws_ ? ws_->port() : 0; }

  /// Port of the cluster (the real one when CLUSTER_PORT is 0).
  uint16_t cluster_port() const { return cluster_ ? cluster_->port() : 0; }

  /// Port of the MCP endpoint (the real one when MCP_PORT is 0); 0 when
  /// not served over HTTP.
  uint16_t mcp_port() const { return mcp_ ? mcp_->port() : 0; }

  /// The MCP server.
  mcp_server& mcp() { return *mcp_; }

  /// The memory behind the `memory_usage` tool.
  const memory_store_ptr& memory() const { return memory_; }

  /// The WebSocket hub and the stream's counters.
  hub_actor hub() const { return ws_ ? ws_->hub() : hub_actor{}; }

  ws_stats_ptr ws_stats() const { return ws_ ? ws_->stats() : nullptr; }

  /// Logs a one-line summary of the node (agents by state, coordinations,
  /// events published).
  void log_summary();

  /// Stops the HTTP API, then the actors, and waits for them.
  void shutdown();

private:
  node_config config_;
  caf::actor_system system_;
  node_context_ptr ctx_;
  bus_actor bus_;
  registry_actor registry_;
  physics_actor physics_;
  demo_actor demo_;
  /// Writers and maintenance of PostgreSQL and Redis.
  std::vector<caf::actor> stores_;
  std::shared_ptr<telemetry> telemetry_;
  /// The trace exporter this node installed; null while tracing is off.
  std::shared_ptr<tracing::exporter> tracer_;
  std::unique_ptr<http_server> http_;
  std::unique_ptr<ws_server> ws_;
  std::unique_ptr<cluster::service> cluster_;
  cluster::shell_gate_actor shell_;
  memory_store_ptr memory_;
  std::unique_ptr<mcp_server> mcp_;
  bool stopped_ = false;
};

/// Runs `agent-server serve` until SIGINT or SIGTERM; returns the exit code.
int serve(const config::settings& cfg);

/// Runs `agent-server mcp --stdio`: a node whose MCP tools are served on
/// stdin/stdout until stdin ends; returns the exit code.
int serve_mcp_stdio(const config::settings& cfg);

} // namespace av
