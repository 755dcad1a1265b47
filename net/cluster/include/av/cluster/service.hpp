#pragma once

#include <cstdint>
#include <string>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>

#include "av/cluster/node.hpp"
#include "av/config.hpp"
#include "av/node_context.hpp"

/// The cluster as a node runs it (docs/cluster.md): its node actor published
/// on the cluster port, plain or TLS, and its view of the cluster's agents
/// (view.hpp), which publishes the members' changes as `node.joined` and
/// `node.left` events.
namespace av::cluster {

/// CAF's part of a node of the cluster, before its actor system starts: the
/// middleman (and the OpenSSL manager with CLUSTER_TLS_*), heartbeats and
/// the connection timeout, the protocol's app identifier and the values
/// nodes exchange.
void configure(caf::actor_system_config& caf_cfg, const config::settings& cfg);

/// NODE_NAME, else the host name.
std::string node_name(const config::settings& cfg);

/// NODE_SLOT; else 0 for a node without seeds (the first node of a
/// cluster, or a node alone), else one derived from `name` (1 to
/// max_slot).
std::uint32_t node_slot(const config::settings& cfg, const std::string& name);

/// CLUSTER_ADVERTISE, else the cluster bind address, else (for a wildcard
/// bind address) the host name.
std::string advertised_host(const config::settings& cfg);

/// The node actor of a running node, published and registered as
/// `node_actor_name`, named `ctx->node_name` (node_name()), and its view of
/// the cluster's agents over the node's registry. Throws when the cluster
/// port cannot be bound.
class service {
public:
  service(const config::settings& cfg, caf::actor_system& sys,
          node_context_ptr ctx, registry_actor registry, bus_actor bus,
          layout_offer layout = {});
  ~service();

  service(const service&) = delete;
  service& operator=(const service&) = delete;

  /// The bound cluster port (the real one when CLUSTER_PORT is 0).
  std::uint16_t port() const { return port_; }

  const std::string& name() const { return name_; }

  bool tls() const { return tls_; }

  node_actor actor() const { return actor_; }

  /// The registry of the whole cluster: what the API, MCP and the
  /// WebSocket stream ask.
  registry_actor view() const { return view_; }

  /// Leaves the cluster: the other nodes see this one go.
  void stop();

private:
  caf::actor_system& sys_;
  std::string name_;
  bool tls_ = false;
  std::uint16_t port_ = 0;
  node_actor actor_;
  view_actor view_;
};

} // namespace av::cluster
