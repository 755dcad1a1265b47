#pragma once

#include <chrono>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include <caf/io/middleman_actor.hpp>
#include <caf/typed_actor.hpp>

#include "av/actors.hpp"
#include "av/cluster/membership.hpp"
#include "av/cluster/view.hpp"

/// The node actor: the one actor a node publishes on its cluster port
/// (docs/cluster.md). Nodes peer through it, learn each other from it and
/// watch each other's connections through it.
namespace av::cluster {

using join_atom = caf::atom_constant<caf::atom("join")>;
using retry_atom = caf::atom_constant<caf::atom("retry")>;
using shell_atom = caf::atom_constant<caf::atom("shell")>;

/// The SHELL GATE interface (net/shell, docs/shell.md): opens a console for
/// a shell that shows its credential (empty for none) and names itself.
/// Answers the console, or a null handle and why the shell is refused.
using shell_gate_actor = caf::typed_actor<
  caf::replies_to<shell_atom, std::string, std::string>::with<
    caf::actor, std::string>>::extend_with<status_actor>;

/// The name the shell gate is registered under in its actor system's
/// registry, where the node actor finds it.
constexpr caf::atom_value shell_gate_name = caf::atom("shellgate");

/// How a node reaches another's published actor: the connect part of CAF's
/// middleman (caf::io::middleman_actor), or a stand-in in tests.
using dialer_actor = caf::typed_actor<
  caf::replies_to<caf::connect_atom, std::string, std::uint16_t>::with<
    caf::node_id, caf::strong_actor_ptr, std::set<std::string>>>;

using node_actor = caf::typed_actor<
  // A node peers: answers every member this node knows, itself first, or
  // an error naming why it is refused.
  caf::replies_to<join_atom, hello,
                  caf::strong_actor_ptr>::with<std::vector<member>>,
  // Every member, itself first.
  caf::replies_to<atom::list>::with<std::vector<member>>,
  // A shell asks for a console on the node named (this one when empty),
  // with its credential and its name: the answer of that node's shell gate
  // (the console, or a null handle and why not).
  caf::replies_to<shell_atom, std::string, std::string,
                  std::string>::with<caf::actor, std::string>,
  // This node's actor is published at the port: it takes that port as its
  // own and joins through its seeds.
  caf::reacts_to<caf::publish_atom, std::uint16_t>,
  // Connect to the node at host:port and peer with it.
  caf::reacts_to<caf::connect_atom, std::string, std::uint16_t>,
  // Connect again to seeds and members that are not up.
  caf::reacts_to<retry_atom>,
  // Internal: ask the member named for its inventory (after the answer to
  // its join is out, so that it knows this node when the request comes).
  caf::reacts_to<inventory_atom, std::string>,
  // A member asks for this node's agents and coordinations, and names its
  // view to relay this node's events to (view_actor).
  caf::replies_to<inventory_atom, std::string,
                  caf::actor>::with<inventory>>::extend_with<status_actor>;

/// What the node actor is started with.
struct node_settings {
  /// This node: NODE_NAME and the address others reach its cluster port at.
  member self;
  /// CLUSTER_SECRET; empty: no proof asked or given.
  std::string secret;
  /// Nodes to join through (CLUSTER_SEEDS).
  std::vector<std::pair<std::string, std::uint16_t>> seeds;
  /// Pause before connecting again to a seed or member that is not up.
  std::chrono::milliseconds retry{1000};
  /// Bound of a connect and of a join.
  std::chrono::milliseconds timeout{5000};
  /// This node's view of the cluster's agents (view.hpp): it answers the
  /// members' inventory requests and learns theirs; none in tests of
  /// membership alone.
  view_actor view;
  /// Called on each change of a member (joined, left, back), with what CAF
  /// said of a lost connection (empty for a join).
  std::function<void(const member&, const std::string& reason)> on_change;
};

/// The name the node actor is registered under in its actor system's
/// registry, where the API and the shell find it.
constexpr caf::atom_value node_actor_name = caf::atom("cluster");

/// Spawns the node actor; it joins through its seeds once told where it is
/// published (`publish_atom`).
node_actor spawn_node(caf::actor_system& sys, dialer_actor dialer,
                      node_settings cfg);

} // namespace av::cluster

// The values nodes exchange, after the node's own (actors.hpp).
CAF_BEGIN_TYPE_ID_BLOCK(av_cluster, caf::id_block::av::end)
CAF_ADD_TYPE_ID(av_cluster, (av::cluster::hello))
CAF_ADD_TYPE_ID(av_cluster, (av::cluster::member))
CAF_ADD_TYPE_ID(av_cluster, (std::vector<av::cluster::member>))
CAF_ADD_TYPE_ID(av_cluster, (av::cluster::inventory))
CAF_ADD_TYPE_ID(av_cluster, (std::vector<av::event>))
CAF_END_TYPE_ID_BLOCK(av_cluster)
