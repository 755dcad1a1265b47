#pragma once

#include <memory>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>

#include "av/actors.hpp"
#include "av/config.hpp"
#include "av/node_context.hpp"

namespace av {

/// The limits of a node as configured.
node_limits limits_from(const config::settings& cfg);

/// CAF's configuration for a node: scheduler threads and the project's
/// error category.
class node_config : public caf::actor_system_config {
public:
  explicit node_config(const config::settings& cfg);
};

/// One running node: the actor system with its bus, registry and, when
/// asked for, the demo swarm. Destroying it stops every actor.
class node {
public:
  explicit node(const config::settings& cfg);
  ~node();

  caf::actor_system& system() { return system_; }

  const node_context_ptr& context() const { return ctx_; }

  registry_actor registry() const { return registry_; }

  bus_actor bus() const { return bus_; }

  /// Logs a one-line summary of the node (agents by state, coordinations,
  /// events published).
  void log_summary();

  /// Stops the actors and waits for them.
  void shutdown();

private:
  node_config config_;
  caf::actor_system system_;
  node_context_ptr ctx_;
  bus_actor bus_;
  registry_actor registry_;
  demo_actor demo_;
  bool stopped_ = false;
};

/// Runs `agent-server serve` until SIGINT or SIGTERM; returns the exit code.
int serve(const config::settings& cfg);

} // namespace av
