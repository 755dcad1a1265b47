#pragma once

#include <string>
#include <vector>

#include "av/cluster/layout_leader.hpp"
#include "av/cluster/membership.hpp"
#include "av/cluster/swarm.hpp"
#include "av/node_context.hpp"

/// The cluster's registry as a node's API, MCP tools and WebSocket stream
/// use it (docs/cluster.md, "One swarm"): this node's agents and
/// coordinations and every other node's, found, listed and controlled
/// through one handle. A call on another node's agent goes to that node's
/// registry; a call on the agent of a node that is cut off answers
/// `node_unreachable`.
namespace av::cluster {

using relay_atom = caf::atom_constant<caf::atom("relay")>;
using inventory_atom = caf::atom_constant<caf::atom("inventory")>;
using lost_atom = caf::atom_constant<caf::atom("lost")>;

using view_actor = registry_actor::extend<
  // This node's inventory for the member named, whose view (the handle)
  // gets this node's events from now on.
  caf::replies_to<inventory_atom, std::string, caf::actor>::with<inventory>,
  // A member's inventory, when it joins or comes back: its agents are in
  // the view, and viewers get `node.joined`.
  caf::reacts_to<inventory_atom, member, inventory>,
  // Events a member relays, in its order.
  caf::reacts_to<relay_atom, std::string, std::vector<event>>,
  // Internal: relay what this node's bus published since the last relay.
  caf::reacts_to<relay_atom>,
  // Answers once everything the node named (this one when empty) published
  // so far is committed to PostgreSQL (at once without a database), with
  // that node's event sequence number: what the API waits for before it
  // says a change on another node's agent was stored.
  caf::replies_to<atom::durable, std::string>::with<uint64_t>,
  // A member is cut off, for the reason given: its agents are unreachable,
  // it gets no more events, and viewers get `node.left`.
  caf::reacts_to<lost_atom, member, std::string>>;

/// This node's layout, offered to the cluster: its physics actor and
/// whether its engine runs on a GPU. None in tests of the view alone.
struct layout_offer {
  physics_actor physics;
  bool gpu = false;
};

/// Spawns the view over the node's own registry. It relays what the
/// node's bus publishes to the members that asked for its inventory, and
/// tells the node's viewers (through the bus) what it learns of the other
/// nodes' agents. With a physics actor in `layout`, it tells that actor
/// which node runs the layout whenever that changes (layout_leader.hpp).
view_actor spawn_view(caf::actor_system& sys, node_context_ptr ctx,
                      registry_actor local, bus_actor bus,
                      layout_offer layout = {});

} // namespace av::cluster
