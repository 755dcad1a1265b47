#pragma once

#include <caf/all.hpp>
#include <caf/atom.hpp>
#include <caf/replies_to.hpp>
#include <caf/settings.hpp>
#include <caf/typed_actor.hpp>

#include "av/types.hpp"

/// Every actor interface of a node, in one place. Handlers are listed with a
/// line saying what they do; docs/architecture.md draws the map.
namespace av {

namespace atom {

using assign = caf::atom_constant<caf::atom("assign")>;
using complete = caf::atom_constant<caf::atom("complete")>;
using coordinate = caf::atom_constant<caf::atom("coordinate")>;
using crashed = caf::atom_constant<caf::atom("crashed")>;
using deliver = caf::atom_constant<caf::atom("deliver")>;
using done = caf::atom_constant<caf::atom("done")>;
using durable = caf::atom_constant<caf::atom("durable")>;
using fault = caf::atom_constant<caf::atom("fault")>;
using flush = caf::atom_constant<caf::atom("flush")>;
using get = caf::atom_constant<caf::atom("get")>;
using history = caf::atom_constant<caf::atom("history")>;
using leader = caf::atom_constant<caf::atom("leader")>;
using formation = caf::atom_constant<caf::atom("formation")>;
using list = caf::atom_constant<caf::atom("list")>;
using position = caf::atom_constant<caf::atom("position")>;
using receipt = caf::atom_constant<caf::atom("receipt")>;
using release = caf::atom_constant<caf::atom("release")>;
using metrics = caf::atom_constant<caf::atom("metrics")>;
using send = caf::atom_constant<caf::atom("send")>;
using spawn = caf::atom_constant<caf::atom("spawn")>;
using state = caf::atom_constant<caf::atom("state")>;
using status = caf::atom_constant<caf::atom("status")>;
using subscribe = caf::atom_constant<caf::atom("subscribe")>;
using task_done = caf::atom_constant<caf::atom("task_done")>;
using terminate = caf::atom_constant<caf::atom("terminate")>;
using tick = caf::atom_constant<caf::atom("tick")>;
using timeout = caf::atom_constant<caf::atom("timeout")>;
using topology = caf::atom_constant<caf::atom("topology")>;
using tuning = caf::atom_constant<caf::atom("tuning")>;
using unsub = caf::atom_constant<caf::atom("unsub")>;

} // namespace atom

/// The STATUS protocol every actor answers: kind, id, a summary, mailbox
/// depth and messages processed, more with higher verbosity. The inspection
/// shell and /health are clients of it.
using status_actor = caf::typed_actor<
  caf::replies_to<atom::status, status_verbosity>::with<caf::settings>>;

/// The EVENT SINK interface: whatever subscribes to the event bus.
using event_sink_actor = caf::typed_actor<caf::reacts_to<event_batch>>;

/// The DURABILITY interface of the PostgreSQL writer: answers with the
/// sequence number it has committed through, once every event published up
/// to the given one is committed. The API holds its answers to spawn,
/// terminate, coordinations and messages on it.
using durability_actor
  = caf::typed_actor<caf::replies_to<atom::durable, uint64_t>::with<uint64_t>>;

/// The EVENT BUS actor interface: fans batches of published events out to
/// subscribers. Publishing itself goes through `event_bus::publish`.
using bus_actor = caf::typed_actor<
  // Adds a subscriber for the event kinds in the mask (see kind_bit).
  caf::reacts_to<atom::subscribe, event_sink_actor, uint32_t>,
  // Removes a subscriber.
  caf::reacts_to<atom::unsub, event_sink_actor>,
  // Hands everything published since the last flush to the subscribers.
  caf::reacts_to<atom::flush>>::extend_with<status_actor>;

/// The AGENT actor interface: one actor per agent.
using agent_actor = caf::typed_actor<
  // Returns the agent's current info.
  caf::replies_to<atom::get>::with<agent_info>,
  // Moves to another state (ERROR, or back to IDLE from ERROR); the string is
  // the reason. Task-driven changes happen through assign and complete.
  caf::replies_to<atom::state, agent_state, std::string>::with<agent_info>,
  // Queues a task; an IDLE agent starts it at once and becomes BUSY.
  caf::replies_to<atom::assign, task_spec>::with<agent_info>,
  // Ends the running task with the given id: success flag and output.
  caf::replies_to<atom::complete, std::string, bool,
                  std::string>::with<task_result>,
  // Records a reported metrics sample and returns metrics with trends.
  caf::replies_to<atom::metrics, metrics_sample>::with<metrics_report>,
  // Returns current metrics, trends and history.
  caf::replies_to<atom::metrics>::with<metrics_report>,
  // Sends a message to another agent; answers once it was delivered.
  caf::replies_to<atom::send, outgoing_message>::with<message_receipt>,
  // Receives a message from another agent (the hot path: no answer).
  caf::reacts_to<atom::deliver, agent_message>,
  // Receives a message from another agent and confirms it.
  caf::replies_to<atom::deliver, atom::receipt,
                  agent_message>::with<message_receipt>,
  // Ends the agent for good; the string is the reason.
  caf::replies_to<atom::terminate, std::string>::with<agent_info>,
  // Throws from inside a handler (fault injection for supervision drills).
  caf::reacts_to<atom::fault, std::string>,
  // Internal: a simulated task with this id has run its course.
  caf::reacts_to<atom::done, std::string>>::extend_with<status_actor>;

/// The COORDINATION actor interface: one actor per coordination.
using coordination_actor = caf::typed_actor<
  // Returns the coordination's current info.
  caf::replies_to<atom::get>::with<coordination_info>,
  // A participant finished a task the coordination gave it.
  caf::reacts_to<atom::task_done, task_result>,
  // Internal: the deadline with this generation passed.
  caf::reacts_to<atom::timeout, uint64_t>>::extend_with<status_actor>;

/// A handle to an agent together with what the registry knows of it.
struct agent_ref {
  agent_summary summary;
  agent_actor handle;
};

/// A handle to a coordination together with its id.
struct coordination_ref {
  std::string id;
  coordination_actor handle;
};

/// The REGISTRY actor interface: owns the node's agents and coordinations,
/// spawns within limits, finds them by id, number or name, and supervises
/// agents.
using registry_actor = caf::typed_actor<
  // Spawns an agent.
  caf::replies_to<atom::spawn, agent_spec>::with<agent_info>,
  // Restores an agent with its UUID, number, state and metrics history (as
  // stored in PostgreSQL) at start-up.
  caf::replies_to<atom::spawn, agent_snapshot>::with<agent_info>,
  // Finds an agent by UUID, numeric id or name.
  caf::replies_to<atom::get, std::string>::with<agent_ref>,
  // Lists agents by type and state, one page at a time.
  caf::replies_to<atom::list, agent_filter>::with<agent_page>,
  // Terminates an agent (UUID, numeric id or name) with a reason.
  caf::replies_to<atom::terminate, std::string, std::string>::with<agent_info>,
  // Starts a coordination.
  caf::replies_to<atom::coordinate, coordination_spec>::with<coordination_info>,
  // Resumes a coordination stored in PostgreSQL at start-up, from its
  // checkpoint; participants that are gone count as having left.
  caf::replies_to<atom::coordinate, coordination_info>::with<coordination_info>,
  // Finds a coordination by id.
  caf::replies_to<atom::coordinate, atom::get,
                  std::string>::with<coordination_ref>,
  // Lists coordinations, optionally of one status ("" for all).
  caf::replies_to<atom::coordinate, atom::list,
                  std::string>::with<std::vector<coordination_info>>,
  // An agent's handler threw: its last state and what was thrown.
  caf::reacts_to<atom::crashed, agent_snapshot, std::string>,
  // Events from the bus keep the registry's index current.
  caf::reacts_to<event_batch>>::extend_with<status_actor>;

/// The FRAME SINK interface: whatever subscribes to position frames.
using frame_sink_actor = caf::typed_actor<caf::reacts_to<position_batch>>;

/// The PHYSICS actor interface: lays agents out in 3D and streams their
/// positions, one frame per tick.
using physics_actor = caf::typed_actor<
  // Agents join and leave, messages and coordinations add edges.
  caf::reacts_to<event_batch>,
  // Adds a subscriber for position frames.
  caf::reacts_to<atom::subscribe, frame_sink_actor>,
  // The node named runs the layout of the cluster (docs/cluster.md, "One
  // layout"): this actor follows that node's physics actor, or, when it is
  // null, runs the layout itself.
  caf::reacts_to<atom::leader, std::string, caf::actor>,
  // A follower's physics actor subscribes to this one's frames and setup.
  caf::reacts_to<atom::subscribe, atom::leader, caf::actor>,
  // A frame of the node that runs the layout, while this actor follows it.
  caf::reacts_to<position_batch>,
  // A follower has every part of this frame: it may be sent the next ones.
  caf::reacts_to<atom::receipt, uint64_t>,
  // The setup of the node that runs the layout, or of the one that ran it
  // before this one.
  caf::reacts_to<layout_setup>,
  // Pins an agent at a position until released; with `true`, the velocity
  // is honoured as well.
  caf::replies_to<atom::position, num_id, vec3f, bool,
                  vec3f>::with<agent_position>,
  // Releases an agent's pin.
  caf::replies_to<atom::position, atom::release, num_id>::with<agent_position>,
  // Moves agents into a formation.
  caf::replies_to<atom::formation, formation_spec>::with<formation_info>,
  // Releases a formation by id.
  caf::replies_to<atom::formation, atom::release,
                  std::string>::with<formation_info>,
  // Replaces the edges of a named group of agents.
  caf::replies_to<atom::topology, topology_spec>::with<uint32_t>,
  // Removes a group's edges (they fade like message edges).
  caf::replies_to<atom::topology, atom::release, std::string>::with<uint32_t>,
  // Returns every agent's position as one keyframe.
  caf::replies_to<atom::get>::with<position_batch>,
  // Sets the layout's repulsion, spring stiffness and damping (an empty
  // one keeps its value) and returns all three.
  caf::replies_to<atom::tuning, layout_tuning>::with<double, double, double>,
  // Internal: the tick of this generation is due.
  caf::reacts_to<atom::tick, uint64_t>>::extend_with<status_actor>;

/// The DEMO actor interface: keeps a simulated swarm busy.
using demo_actor = caf::typed_actor<
  // Internal: the periodic driver tick.
  caf::reacts_to<atom::tick>,
  // Coordination events tell the demo how many runs are active.
  caf::reacts_to<event_batch>>::extend_with<status_actor>;

// -- actors of the modules above: the WebSocket stream, the stores, the
// -- API's kept listings, MCP --------------------------------------------

/// What the hub hands a WebSocket connection, and a connection joining the
/// hub (net/ws, av/ws/hub.hpp). Node-local: they hold shared payloads and
/// weak handles to connections, so they never cross a node and have no
/// type ID.
struct ws_push;
struct ws_subscription;

/// The WS SESSION actor interface: one per WebSocket connection. Forwards
/// the hub's pushes to its connection, whose I/O thread does the writing.
using ws_session_actor
  = caf::typed_actor<caf::reacts_to<ws_push>>::extend_with<status_actor>;

/// The HUB actor interface: serializes every event batch and position
/// frame once and fans the payloads out to the WebSocket sessions.
using hub_actor = caf::typed_actor<
  // Events from the bus.
  caf::reacts_to<event_batch>,
  // A part of a position frame from the physics actor.
  caf::reacts_to<position_batch>,
  // A session subscribes, or changes its filter.
  caf::reacts_to<atom::subscribe, ws_subscription>,
  // A session leaves.
  caf::reacts_to<atom::unsub, uint64_t>,
  // Answers, with the newest sequence number handled, once every event up
  // to the given one was handed to the sessions.
  caf::replies_to<atom::flush,
                  uint64_t>::with<uint64_t>>::extend_with<status_actor>;

/// The PG WRITER actor interface: writes what the node publishes to
/// PostgreSQL, in order, through one connection it owns.
using pg_writer_actor = caf::typed_actor<
  // Events from the bus become upserts and inserts.
  caf::reacts_to<event_batch>,
  // Position frames from physics are sampled into agent_positions.
  caf::reacts_to<position_batch>,
  // Answers once everything published up to the sequence number is
  // committed (see durability_actor).
  caf::replies_to<atom::durable, uint64_t>::with<uint64_t>,
  // Internal: write what is buffered.
  caf::reacts_to<atom::flush>,
  // Internal: the periodic timer (positions, reconnection).
  caf::reacts_to<atom::tick>>::extend_with<status_actor>;

/// The PG MAINTENANCE actor interface: refreshes the summary view and keeps
/// the position partitions, on its own timer.
using pg_maintenance_actor
  = caf::typed_actor<caf::reacts_to<atom::tick>>::extend_with<status_actor>;

/// The REDIS WRITER actor interface: mirrors agents into Redis hashes,
/// metrics history into sorted sets, and publishes updates.
using redis_writer_actor = caf::typed_actor<
  // Events from the bus become HSET, ZADD and PUBLISH.
  caf::reacts_to<event_batch>,
  // Position frames from physics, sampled.
  caf::reacts_to<position_batch>,
  // Internal: write what is buffered.
  caf::reacts_to<atom::flush>,
  // Internal: the periodic timer (reconnection).
  caf::reacts_to<atom::tick>>::extend_with<status_actor>;

/// The HISTORY actor interface: answers a query over what PostgreSQL keeps
/// with a JSON document (as text). The node registers it in the actor
/// system's registry under `history_actor_name` when DATABASE_URL is set.
using history_actor = caf::typed_actor<caf::replies_to<
  atom::history, history_query>::with<std::string>>::extend_with<status_actor>;

constexpr caf::atom_value history_actor_name = caf::atom("history");

/// The registry of the whole cluster (net/cluster's view), registered in the
/// actor system's registry under this name: where an agent finds another
/// node's agent to message.
constexpr caf::atom_value cluster_registry_name = caf::atom("swarm");

/// The AGENT LIST WATCHER interface: follows the bus so that the API's kept
/// agent listings know when they are current.
using agent_list_watcher_actor = event_sink_actor::extend_with<status_actor>;

/// The DEADLINE TIMER interface of the MCP server: wakes when the earliest
/// deadline of the tool calls in flight is due (the time point in steady
/// clock ticks).
using deadline_timer_actor = caf::typed_actor<
  caf::reacts_to<atom::timeout, uint64_t>>::extend_with<status_actor>;

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, agent_ref& x) {
  return f(caf::meta::type_name("agent_ref"), x.summary, x.handle);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, coordination_ref& x) {
  return f(caf::meta::type_name("coordination_ref"), x.id, x.handle);
}

} // namespace av

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(av::ws_subscription)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(av::ws_push)

// Type IDs of the values actors exchange, so that an actor system can name,
// (de)serialize and, between nodes, send them: `node_config` loads the block
// (add_message_types). Node-local values (event_batch, ws_push,
// ws_subscription) hold shared or weak pointers and are allowed unsafe
// instead.
CAF_BEGIN_TYPE_ID_BLOCK(av, caf::first_custom_type_id)
CAF_ADD_TYPE_ID(av, (av::agent_filter))
CAF_ADD_TYPE_ID(av, (av::agent_info))
CAF_ADD_TYPE_ID(av, (av::agent_message))
CAF_ADD_TYPE_ID(av, (av::agent_page))
CAF_ADD_TYPE_ID(av, (av::agent_position))
CAF_ADD_TYPE_ID(av, (av::agent_ref))
CAF_ADD_TYPE_ID(av, (av::agent_snapshot))
CAF_ADD_TYPE_ID(av, (av::agent_spec))
CAF_ADD_TYPE_ID(av, (av::agent_state))
CAF_ADD_TYPE_ID(av, (av::coordination_info))
CAF_ADD_TYPE_ID(av, (av::coordination_ref))
CAF_ADD_TYPE_ID(av, (av::coordination_spec))
CAF_ADD_TYPE_ID(av, (av::event))
CAF_ADD_TYPE_ID(av, (av::formation_info))
CAF_ADD_TYPE_ID(av, (av::formation_spec))
CAF_ADD_TYPE_ID(av, (av::history_query))
CAF_ADD_TYPE_ID(av, (av::layout_setup))
CAF_ADD_TYPE_ID(av, (av::layout_tuning))
CAF_ADD_TYPE_ID(av, (av::message_receipt))
CAF_ADD_TYPE_ID(av, (av::metrics_report))
CAF_ADD_TYPE_ID(av, (av::metrics_sample))
CAF_ADD_TYPE_ID(av, (av::outgoing_message))
CAF_ADD_TYPE_ID(av, (av::position_batch))
CAF_ADD_TYPE_ID(av, (av::status_verbosity))
CAF_ADD_TYPE_ID(av, (av::task_result))
CAF_ADD_TYPE_ID(av, (av::task_spec))
CAF_ADD_TYPE_ID(av, (av::topology_spec))
CAF_ADD_TYPE_ID(av, (av::vec3f))
// Subscribers of a physics actor.
CAF_ADD_TYPE_ID(av, (av::frame_sink_actor))
CAF_END_TYPE_ID_BLOCK(av)
