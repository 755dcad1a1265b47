#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <caf/actor.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/optional.hpp>
#include <caf/variant.hpp>

#include "av/vec3f.hpp"

/// Values that travel between the actors of a node: agents, tasks, messages,
/// metrics, coordinations and events. Every type has an `inspect` overload so
/// that CAF can print, compare and (for clustering) serialize it.
namespace av {

/// Compact numeric id of an agent, unique in the cluster; used in position
/// frames and event streams instead of the UUID.
using num_id = uint32_t;

/// Each node of a cluster numbers its agents in its own slot (NODE_SLOT):
/// the top bits of every number it gives (docs/cluster.md, "Numbers").
/// Numbers stay below 2^31, PostgreSQL's `integer`.
constexpr uint32_t slot_shift = 22;
constexpr uint32_t max_slot = (1u << (31 - slot_shift)) - 1;

constexpr uint32_t slot_of(num_id x) {
  return x >> slot_shift;
}

// -- enumerations -------------------------------------------------------------

/// Lifecycle of an agent. Allowed transitions are listed in
/// docs/architecture.md and enforced by `transition_allowed`.
enum class agent_state : uint8_t { idle, busy, error, terminated };

/// Where an agent's activity comes from.
enum class provenance : uint8_t { measured, simulated };

/// Direction of a metric over the last 10 samples against the 10 before.
enum class trend : uint8_t { stable, increasing, decreasing };

/// Priority of an agent-to-agent message.
enum class priority : uint8_t { low, normal, high, critical };

/// How a coordination organizes its participants.
enum class pattern : uint8_t { hierarchical, mesh, pipeline, consensus };

/// Lifecycle of a coordination.
enum class coord_status : uint8_t { forming, active, completed, failed };

/// What happened to a task.
enum class task_phase : uint8_t { queued, started, completed, failed };

const char* to_string(agent_state x);
const char* to_string(provenance x);
const char* to_string(trend x);
const char* to_string(priority x);
const char* to_string(pattern x);
const char* to_string(coord_status x);
const char* to_string(task_phase x);

/// Parsers accept the names returned by `to_string`, case-insensitively.
bool parse(std::string_view str, agent_state& x);
bool parse(std::string_view str, provenance& x);
bool parse(std::string_view str, priority& x);
bool parse(std::string_view str, pattern& x);
bool parse(std::string_view str, coord_status& x);

/// Returns whether an agent may move from `from` to `to`.
bool transition_allowed(agent_state from, agent_state to);

// -- agents -------------------------------------------------------------------

/// What a caller asks for when spawning an agent.
struct agent_spec {
  /// UUID to use; empty for a fresh one (set when restoring an agent).
  std::string id;
  /// Display name; empty for "<type>-<numeric id>".
  std::string name;
  /// Role of the agent, e.g. "coder"; 1 to 50 of [a-z0-9_-].
  std::string type;
  /// A JSON object; empty means "{}".
  std::string metadata;
  provenance origin = provenance::measured;
  /// In a cluster, the node to spawn it on; empty for the least loaded
  /// (docs/cluster.md, "One swarm").
  std::string node;
};

/// One metrics sample, as reported by an agent or derived from its tasks.
struct metrics_sample {
  /// Wall-clock time of the sample in milliseconds since the epoch.
  int64_t time_ms = 0;
  double tasks_completed = 0;
  /// Share of successful tasks, 0 to 1.
  double success_rate = 0;
  double avg_response_ms = 0;
  /// Share of time spent working, 0 to 1.
  double resource_utilization = 0;
};

/// Trends of the three metrics the seed's dashboard shows.
struct metric_trends {
  trend success_rate = trend::stable;
  trend response_time = trend::stable;
  trend utilization = trend::stable;
};

/// Current metrics, their trends, and the bounded history behind them.
struct metrics_report {
  metrics_sample current;
  metric_trends trends;
  std::vector<metrics_sample> history;
};

/// A unit of work for an agent.
struct task_spec {
  /// Unique id; empty for one assigned by the agent.
  std::string id;
  /// What kind of work: "work", "split", "gather", "stage" or "vote";
  /// simulated agents shape their output by it.
  std::string kind = "work";
  std::string description;
  /// Input text, e.g. the previous pipeline stage's output.
  std::string input;
  /// For simulated agents: how long the task takes; 0 picks a duration from
  /// the agent type's profile.
  int64_t simulated_ms = 0;
  /// Receives `(task_done, task_result)` when the task ends; may be null.
  caf::actor owner;
};

/// The outcome of a task.
struct task_result {
  std::string task_id;
  num_id agent = 0;
  bool success = false;
  int64_t duration_ms = 0;
  /// The result text, or why the task failed.
  std::string output;
};

/// Everything known about an agent at one instant.
struct agent_info {
  std::string id;
  num_id num = 0;
  std::string name;
  std::string type;
  agent_state state = agent_state::idle;
  provenance origin = provenance::measured;
  std::string metadata;
  int64_t created_ms = 0;
  int64_t last_seen_ms = 0;
  /// Id of the running task; empty when none.
  std::string current_task;
  uint32_t queued_tasks = 0;
  uint64_t tasks_completed = 0;
  uint64_t tasks_failed = 0;
  uint64_t messages_sent = 0;
  uint64_t messages_received = 0;
  uint32_t restarts = 0;
  metrics_sample metrics;
  /// NODE_NAME of the node that owns it, in a cluster.
  std::string node;
};

/// The part of an agent's info the registry indexes for listings.
struct agent_summary {
  std::string id;
  num_id num = 0;
  std::string name;
  std::string type;
  agent_state state = agent_state::idle;
  provenance origin = provenance::measured;
  /// NODE_NAME of the node that owns it.
  std::string node;
  /// False while the node that owns it is cut off from this one.
  bool reachable = true;
};

/// What an agent carries over a restart.
struct agent_snapshot {
  agent_info info;
  std::vector<metrics_sample> history;
  /// The running task followed by the queued ones.
  std::vector<task_spec> tasks;
  /// Sum of task durations and busy time, for derived metrics.
  int64_t total_task_ms = 0;
};

/// Filter and page for agent listings; empty strings match everything.
struct agent_filter {
  std::string type;
  std::string state;
  uint32_t offset = 0;
  uint32_t limit = 100;
};

/// One page of an agent listing.
struct agent_page {
  std::vector<agent_summary> agents;
  uint32_t total = 0;
};

// -- messages -----------------------------------------------------------------

/// A message an agent is asked to send.
struct outgoing_message {
  num_id to = 0;
  std::string type = "inform";
  priority prio = priority::normal;
  std::string content;
  /// Simulated agents answer a message while its budget is above zero, each
  /// answer carrying one less; gives conversations of a known length.
  uint32_t reply_budget = 0;
};

/// A message between two agents as delivered.
struct agent_message {
  uint64_t id = 0;
  num_id from = 0;
  num_id to = 0;
  std::string type;
  priority prio = priority::normal;
  std::string content;
  /// Wall-clock send time in nanoseconds since the epoch.
  int64_t sent_ns = 0;
  uint32_t reply_budget = 0;
};

/// Proof of delivery of one message.
struct message_receipt {
  uint64_t id = 0;
  num_id from = 0;
  num_id to = 0;
  int64_t latency_ns = 0;
};

// -- coordinations ------------------------------------------------------------

/// What a caller asks for when starting a coordination.
struct coordination_spec {
  /// Empty for a fresh UUID.
  std::string id;
  pattern kind = pattern::mesh;
  /// Order matters: hierarchical takes the first as leader, pipeline runs the
  /// stages in this order.
  std::vector<num_id> participants;
  /// The task (hierarchical, pipeline), topic (mesh) or proposal (consensus).
  std::string task;
  /// Consensus: how long votes are awaited; others: an overall deadline.
  /// 0 picks the default (30 s).
  int64_t timeout_ms = 0;
  std::string metadata;
};

/// A participant of a coordination.
struct participant {
  num_id agent = 0;
  /// "leader", "worker", "stage", "peer" or "voter".
  std::string role;
  /// False once the agent left (terminated) during the run.
  bool active = true;
};

/// Everything known about a coordination at one instant.
struct coordination_info {
  std::string id;
  pattern kind = pattern::mesh;
  coord_status status = coord_status::forming;
  /// Steps done over steps planned, 0 to 1.
  double progress = 0;
  uint32_t steps_done = 0;
  uint32_t steps_total = 0;
  std::vector<participant> participants;
  std::string task;
  /// The gathered result, final stage output or decision.
  std::string result;
  /// Why it failed, or how it was re-planned.
  std::string reason;
  int64_t started_ms = 0;
  int64_t completed_ms = 0;
  std::string metadata;
  /// What the run needs to go on after a restart of the node (a JSON
  /// object, by pattern; empty before it starts). Stored, never shown.
  std::string checkpoint;
  /// NODE_NAME of the node that runs it.
  std::string node;
};

// -- layout -------------------------------------------------------------------

// `vec3f`, a point or velocity in layout space, is the layout engine's own
// (av/vec3f.hpp); its `inspect` is below.

/// Where one agent is and how fast it moves.
struct agent_position {
  num_id agent = 0;
  vec3f pos;
  vec3f vel;
};

/// One part of a position frame: the physics actor splits each tick's frame
/// into parts of at most POSITION_BATCH_SIZE agents.
struct position_batch {
  /// Frame sequence number, one per tick.
  uint64_t frame = 0;
  /// This part's index and the frame's number of parts.
  uint32_t part = 0;
  uint32_t parts = 1;
  /// A keyframe lists every agent; other frames only those that moved.
  bool keyframe = false;
  /// Wall-clock time of the tick in milliseconds since the epoch.
  int64_t time_ms = 0;
  std::vector<agent_position> agents;
};

/// A request to arrange agents in a shape.
struct formation_spec {
  /// Empty for a fresh UUID.
  std::string id;
  /// circle, grid, sphere, helix or custom.
  std::string kind = "circle";
  std::vector<num_id> agents;
  vec3f center;
  float spacing = 5;
  /// Custom only: one position per agent, relative to `center`.
  std::vector<vec3f> custom;
};

/// A formation as placed.
struct formation_info {
  std::string id;
  std::string kind;
  std::vector<num_id> agents;
  std::vector<vec3f> targets;
};

/// Edges between a group of agents in a named shape: star (first agent at
/// the centre), ring, mesh, hierarchical (first agent on top, a tree below)
/// or pipeline (a chain).
struct topology_spec {
  std::string id;
  std::string shape = "mesh";
  std::vector<num_id> agents;
};

/// New values of the layout's tunable forces; an empty one keeps its value.
struct layout_tuning {
  caf::optional<double> repulsion;
  caf::optional<double> spring_k;
  caf::optional<double> damping;
};

/// What the node that runs the layout was told besides the agents and their
/// positions: its followers keep it, so that the one taking over goes on
/// with the same pins, formations, topologies and forces (docs/cluster.md,
/// "Failover").
struct layout_setup {
  /// Pinned agents where they are pinned.
  std::vector<agent_position> pinned;
  std::vector<formation_info> formations;
  /// Topologies by id, as agent pairs (lower number in the high half).
  std::map<std::string, std::vector<uint64_t>> topologies;
  double repulsion = 0;
  double spring_k = 0;
  double damping = 0;
};

// -- events -------------------------------------------------------------------

/// An agent appeared (spawned or restored).
struct agent_spawned {
  agent_summary agent;
  /// Its metadata (a JSON object) and creation time, for the stores.
  std::string metadata;
  int64_t created_ms = 0;
};

/// An agent changed state.
struct agent_state_changed {
  num_id agent = 0;
  agent_state from = agent_state::idle;
  agent_state to = agent_state::idle;
  std::string reason;
};

/// A task was queued, started, completed or failed.
struct task_event {
  num_id agent = 0;
  std::string task_id;
  task_phase phase = task_phase::queued;
  std::string description;
  int64_t duration_ms = 0;
};

/// An agent recorded a metrics sample.
struct metrics_event {
  num_id agent = 0;
  metrics_sample sample;
  metric_trends trends;
};

/// A message between agents was delivered, or failed to be.
struct message_event {
  uint64_t id = 0;
  num_id from = 0;
  num_id to = 0;
  std::string type;
  priority prio = priority::normal;
  bool success = true;
  int64_t latency_ns = 0;
  /// The message text, for the stores.
  std::string content;
};

/// A coordination changed status or made progress.
struct coordination_event {
  std::string id;
  pattern kind = pattern::mesh;
  coord_status status = coord_status::forming;
  double progress = 0;
  uint32_t steps_done = 0;
  uint32_t steps_total = 0;
  std::string detail;
  /// Set when the run becomes ACTIVE, empty otherwise.
  std::vector<num_id> participants;
  /// The whole coordination after the change, for the stores.
  coordination_info snapshot;
};

/// An agent ended for good.
struct agent_terminated {
  num_id agent = 0;
  std::string id;
  std::string reason;
};

/// An MCP client called a tool, so viewers see what an orchestrator does.
struct tool_called {
  std::string tool;
  /// ok, error, invalid, denied, rate_limited, busy or timeout.
  std::string outcome;
  int64_t duration_us = 0;
  /// The client's name from `initialize` (clientInfo.name).
  std::string client;
};

/// Agents were put into a formation, or let go of one.
struct formation_event {
  std::string id;
  /// circle, grid, sphere, helix or custom.
  std::string kind;
  /// formed or released.
  std::string phase;
  std::vector<num_id> agents;
};

/// A store writer lost or regained its connection (`node.store`).
struct store_event {
  /// postgres or redis.
  std::string store;
  bool connected = false;
  /// Writes waiting in the writer's buffer at the change.
  uint64_t buffered = 0;
  /// The error that broke the connection, or "reconnected".
  std::string reason;
};

/// The node is shutting down gracefully (`node.stopping`): viewers know to
/// reconnect.
struct node_stopping {
  /// What stops it: "shutdown" for a signal or the end of stdin.
  std::string reason;
};

/// A node joined the cluster, or came back (`node.joined`).
struct node_joined {
  /// Its NODE_NAME.
  std::string node;
  /// Where its cluster port is reached, host:port.
  std::string address;
};

/// A node's connection was lost (`node.left`): it died, stopped or was cut
/// off. Its agents are unreachable until it comes back.
struct node_left {
  std::string node;
  std::string address;
  /// What CAF said of the lost connection.
  std::string reason;
};

/// Kinds of events, in the order of `event_payload`'s alternatives.
enum class event_kind : uint8_t {
  agent_spawned,
  agent_state,
  task,
  metrics,
  message,
  coordination,
  agent_terminated,
  tool_called,
  formation,
  node_store,
  node_stopping,
  node_joined,
  node_left,
};

/// The last kind: every kind is at most this one.
constexpr event_kind last_event_kind = event_kind::node_left;

const char* to_string(event_kind x);

using event_payload
  = caf::variant<agent_spawned, agent_state_changed, task_event, metrics_event,
                 message_event, coordination_event, agent_terminated,
                 tool_called, formation_event, store_event, node_stopping,
                 node_joined, node_left>;

/// A change in the node, numbered in the order it was published.
struct event {
  /// Node-wide sequence number, without gaps.
  uint64_t seq = 0;
  int64_t time_ms = 0;
  event_payload payload;
  /// The node it happened on when that is another node of the cluster
  /// (relayed); empty for this node's own. Stores skip relayed events: the
  /// node they happened on writes them.
  std::string node;

  event_kind kind() const { return static_cast<event_kind>(payload.index()); }
};

/// Bit of `kind` in a subscription mask.
constexpr uint32_t kind_bit(event_kind kind) {
  return 1u << static_cast<uint8_t>(kind);
}

constexpr uint32_t all_event_kinds = (kind_bit(last_event_kind) << 1) - 1;

/// Events as the bus hands them to subscribers: in sequence order, shared by
/// every receiver (node-local; cross-node fan-out goes through Redis).
struct event_batch {
  std::shared_ptr<const std::vector<event>> events;
};

// -- status -------------------------------------------------------------------

/// How much a status answer should say.
enum class status_verbosity : uint8_t { terse, detailed, debug };

// -- inspection ---------------------------------------------------------------

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, agent_spec& x) {
  return f(caf::meta::type_name("agent_spec"), x.id, x.name, x.type, x.metadata,
           x.origin, x.node);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, metrics_sample& x) {
  return f(caf::meta::type_name("metrics_sample"), x.time_ms, x.tasks_completed,
           x.success_rate, x.avg_response_ms, x.resource_utilization);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, metric_trends& x) {
  return f(caf::meta::type_name("metric_trends"), x.success_rate,
           x.response_time, x.utilization);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, metrics_report& x) {
  return f(caf::meta::type_name("metrics_report"), x.current, x.trends,
           x.history);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, task_spec& x) {
  return f(caf::meta::type_name("task_spec"), x.id, x.kind, x.description,
           x.input, x.simulated_ms, x.owner);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, task_result& x) {
  return f(caf::meta::type_name("task_result"), x.task_id, x.agent, x.success,
           x.duration_ms, x.output);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, agent_info& x) {
  return f(caf::meta::type_name("agent_info"), x.id, x.num, x.name, x.type,
           x.state, x.origin, x.metadata, x.created_ms, x.last_seen_ms,
           x.current_task, x.queued_tasks, x.tasks_completed, x.tasks_failed,
           x.messages_sent, x.messages_received, x.restarts, x.metrics, x.node);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, agent_summary& x) {
  return f(caf::meta::type_name("agent_summary"), x.id, x.num, x.name, x.type,
           x.state, x.origin, x.node, x.reachable);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, agent_snapshot& x) {
  return f(caf::meta::type_name("agent_snapshot"), x.info, x.history, x.tasks,
           x.total_task_ms);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, agent_filter& x) {
  return f(caf::meta::type_name("agent_filter"), x.type, x.state, x.offset,
           x.limit);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, agent_page& x) {
  return f(caf::meta::type_name("agent_page"), x.agents, x.total);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, outgoing_message& x) {
  return f(caf::meta::type_name("outgoing_message"), x.to, x.type, x.prio,
           x.content, x.reply_budget);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, agent_message& x) {
  return f(caf::meta::type_name("agent_message"), x.id, x.from, x.to, x.type,
           x.prio, x.content, x.sent_ns, x.reply_budget);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, message_receipt& x) {
  return f(caf::meta::type_name("message_receipt"), x.id, x.from, x.to,
           x.latency_ns);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, coordination_spec& x) {
  return f(caf::meta::type_name("coordination_spec"), x.id, x.kind,
           x.participants, x.task, x.timeout_ms, x.metadata);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, participant& x) {
  return f(caf::meta::type_name("participant"), x.agent, x.role, x.active);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, coordination_info& x) {
  return f(caf::meta::type_name("coordination_info"), x.id, x.kind, x.status,
           x.progress, x.steps_done, x.steps_total, x.participants, x.task,
           x.result, x.reason, x.started_ms, x.completed_ms, x.metadata,
           x.checkpoint, x.node);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, vec3f& x) {
  return f(caf::meta::type_name("vec3f"), x.x, x.y, x.z);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, agent_position& x) {
  return f(caf::meta::type_name("agent_position"), x.agent, x.pos, x.vel);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, position_batch& x) {
  return f(caf::meta::type_name("position_batch"), x.frame, x.part, x.parts,
           x.keyframe, x.time_ms, x.agents);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, formation_spec& x) {
  return f(caf::meta::type_name("formation_spec"), x.id, x.kind, x.agents,
           x.center, x.spacing, x.custom);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, formation_info& x) {
  return f(caf::meta::type_name("formation_info"), x.id, x.kind, x.agents,
           x.targets);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, topology_spec& x) {
  return f(caf::meta::type_name("topology_spec"), x.id, x.shape, x.agents);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, layout_tuning& x) {
  return f(caf::meta::type_name("layout_tuning"), x.repulsion, x.spring_k,
           x.damping);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, layout_setup& x) {
  return f(caf::meta::type_name("layout_setup"), x.pinned, x.formations,
           x.topologies, x.repulsion, x.spring_k, x.damping);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, agent_spawned& x) {
  return f(caf::meta::type_name("agent_spawned"), x.agent, x.metadata,
           x.created_ms);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, agent_state_changed& x) {
  return f(caf::meta::type_name("agent_state_changed"), x.agent, x.from, x.to,
           x.reason);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, task_event& x) {
  return f(caf::meta::type_name("task_event"), x.agent, x.task_id, x.phase,
           x.description, x.duration_ms);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, metrics_event& x) {
  return f(caf::meta::type_name("metrics_event"), x.agent, x.sample, x.trends);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, message_event& x) {
  return f(caf::meta::type_name("message_event"), x.id, x.from, x.to, x.type,
           x.prio, x.success, x.latency_ns, x.content);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, coordination_event& x) {
  return f(caf::meta::type_name("coordination_event"), x.id, x.kind, x.status,
           x.progress, x.steps_done, x.steps_total, x.detail, x.participants,
           x.snapshot);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, agent_terminated& x) {
  return f(caf::meta::type_name("agent_terminated"), x.agent, x.id, x.reason);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, tool_called& x) {
  return f(caf::meta::type_name("tool_called"), x.tool, x.outcome,
           x.duration_us, x.client);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, formation_event& x) {
  return f(caf::meta::type_name("formation_event"), x.id, x.kind, x.phase,
           x.agents);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, store_event& x) {
  return f(caf::meta::type_name("store_event"), x.store, x.connected,
           x.buffered, x.reason);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, node_stopping& x) {
  return f(caf::meta::type_name("node_stopping"), x.reason);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, node_joined& x) {
  return f(caf::meta::type_name("node_joined"), x.node, x.address);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, node_left& x) {
  return f(caf::meta::type_name("node_left"), x.node, x.address, x.reason);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, event& x) {
  return f(caf::meta::type_name("event"), x.seq, x.time_ms, x.payload, x.node);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, event_batch& x) {
  // Node-local only: printable for tests and logs, never shipped.
  auto size = x.events ? x.events->size() : size_t{0};
  return f(caf::meta::type_name("event_batch"), size);
}

/// What a history query asks for; times are milliseconds since the epoch,
/// the range is [from_ms, to_ms).
struct history_query {
  /// "positions", "metrics", "messages" or "coordinations".
  std::string kind;
  /// UUID of the agent (positions, metrics; messages: one side, optional).
  std::string agent;
  /// Messages: UUID of the other side, optional.
  std::string peer;
  /// Coordinations: only those of this status; empty for all.
  std::string status;
  int64_t from_ms = 0;
  int64_t to_ms = 0;
  /// Rows at most, newest first before they are put in time order.
  uint32_t limit = 1000;
  /// Positions: points to downsample the range to.
  uint32_t points = 500;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, history_query& x) {
  return f(caf::meta::type_name("history_query"), x.kind, x.agent, x.peer,
           x.status, x.from_ms, x.to_ms, x.limit, x.points);
}

} // namespace av
