#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <caf/typed_actor.hpp>

#include "av/actors.hpp"
#include "av/cluster/node.hpp"
#include "av/http/router.hpp"
#include "av/net/auth.hpp"
#include "av/node_context.hpp"

/// The node's side of the actor inspection shell (docs/shell.md): the gate
/// the node actor hands shells to, and one console actor per shell and
/// node. A console runs the HTTP API's own handlers in-process, under the
/// shell's credential, and reads the status of the node's actors.
namespace av::shell {

using api_atom = caf::atom_constant<caf::atom("api")>;
using actors_atom = caf::atom_constant<caf::atom("actors")>;
using inspect_atom = caf::atom_constant<caf::atom("inspect")>;
using tail_atom = caf::atom_constant<caf::atom("tail")>;

/// The CONSOLE actor interface: a shell's session on one node. It ends when
/// the shell goes (its connection closes) or the node stops.
using console_actor = caf::typed_actor<
  // Runs a request of the HTTP API (docs/api.md) with the shell's rights:
  // the shell command (for the record of control actions), the method, the
  // target (path and query) and the JSON body (empty for none). Answers the
  // status code and the JSON body, as the API would.
  caf::replies_to<api_atom, std::string, std::string, std::string,
                  std::string>::with<uint16_t, std::string>,
  // This node's actors as a JSON array of {kind, id, node, summary,
  // mailbox, processed}: agents, coordinations, WebSocket sessions and the
  // node's own actors.
  caf::replies_to<actors_atom>::with<std::string>,
  // One actor of this node by id or kind (an agent by UUID, number or name,
  // a coordination by id): its whole status answer as JSON, at debug
  // verbosity when asked to be verbose.
  caf::replies_to<inspect_atom, std::string, bool>::with<std::string>,
  // A supervised restart (`restart`) or the supervision drill (`fault`) of
  // an agent of any node: answers the agent as GET /api/agents/{id} shows
  // it once it is back.
  caf::replies_to<atom::fault, std::string, std::string>::with<uint16_t,
                                                               std::string>,
  // From now on, sends the sink `(tail_atom, lines)`: the node's events of
  // the kinds in the mask (kind_bit), those of one agent when the number
  // is not 0, one JSON text per line as the WebSocket stream shows them.
  caf::replies_to<tail_atom, caf::actor, uint32_t, num_id>::with<bool>,
  // Stops sending events.
  caf::reacts_to<tail_atom>,
  // Internal: the answer of the API request with this number.
  caf::reacts_to<api_atom, uint64_t, uint16_t, std::string>,
  // Events from the bus, while a sink takes them.
  caf::reacts_to<event_batch>>::extend_with<status_actor>;

/// What consoles reach the node through.
struct gate_env {
  node_context_ptr ctx;
  /// The node's own registry, and the cluster's (the view).
  registry_actor local;
  registry_actor swarm;
  bus_actor bus;
  /// The HTTP API's handlers (http_server::routes).
  std::shared_ptr<const http::router> routes;
  /// API_KEY, JWT_SECRET and READ_AUTH, as the API checks them.
  std::shared_ptr<const net::authenticator> auth;
  /// The node's actors besides agents, coordinations and sessions.
  std::vector<status_actor> actors;
  /// The open WebSocket sessions; may be empty.
  std::function<std::vector<status_actor>()> sessions;
};

/// Spawns the gate and registers it under `cluster::shell_gate_name`,
/// where the node actor finds it. Stop it with an exit message; its
/// consoles end with it.
cluster::shell_gate_actor spawn_gate(caf::actor_system& sys, gate_env env);

} // namespace av::shell
