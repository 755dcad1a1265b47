#pragma once

#include <array>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <unordered_map>
#include <unordered_set>

#include "av/layout.hpp"
#include "av/node_context.hpp"

namespace av {

/// How the physics actor ticks and what it sends.
struct physics_config {
  /// Ticks per second (PHYSICS_UPDATE_RATE).
  uint32_t rate_hz = 60;
  /// Most agents per position message (POSITION_BATCH_SIZE).
  uint32_t batch_size = 100;
  /// Every this many frames, a keyframe lists every agent.
  uint32_t keyframe_every = 60;
  /// Agents that moved less than this since they were last sent are left
  /// out of other frames.
  float move_threshold = 0.05f;
  /// Weight a message adds to the edge between its two agents.
  float message_weight = 0.5f;
  /// Cap of a message edge's weight.
  float max_message_weight = 4.0f;
  /// Time constant, in seconds, with which message edges fade.
  float edge_decay_s = 5.0f;
  /// Edges lighter than this are dropped.
  float min_edge_weight = 0.05f;
  /// Frames a follower on another node may have unconfirmed before it is
  /// sent no more until it catches up, then a keyframe: a slow node skips
  /// frames instead of piling them up.
  uint32_t follower_window = 30;
};

/// A physics actor of another node that shows this one's frames.
struct follower_link {
  caf::actor handle;
  /// The last frame it confirmed having in full.
  uint64_t confirmed = 0;
  /// It missed frames: the next one it gets lists every agent.
  bool behind = false;
};

/// Upper bounds, in milliseconds, of the tick time histogram's buckets; the
/// last bucket counts everything slower.
constexpr std::array<double, 8> tick_buckets_ms{1, 2, 4, 8, 16, 33, 66, 133};

/// An edge's weight as last given to the engine, and the part of it that
/// messages made (the rest is its topologies'), so that a message that
/// changes one pair's weight is judged against that pair alone.
struct pushed_edge {
  float weight;
  float message;
};

/// State of the PHYSICS actor.
struct physics_data {
  static inline const char* name = "physics";

  node_context_ptr ctx;
  physics_config cfg;
  std::shared_ptr<layout::engine> engine;
  /// Engine node index -> agent, and back.
  std::vector<num_id> nodes;
  std::unordered_map<num_id, uint32_t> index;
  /// Per node: position at the previous tick and as last sent.
  std::vector<vec3f> previous;
  std::vector<vec3f> sent;
  /// Message edges by agent pair (lower number in the high half), each
  /// weight divided by `message_scale`: a tick fades them all by scaling
  /// that alone, and the weights take the scale in now and then, when the
  /// faded pairs are dropped.
  std::unordered_map<uint64_t, float> message_edges;
  float message_scale = 1.0f;
  /// Edge weights as last given to the engine, to push only real changes.
  std::unordered_map<uint64_t, pushed_edge> pushed_edges;
  /// How low fading alone can have taken the ratio of a pair's weight to
  /// the one the engine has: the lowest ratio at the last push or
  /// comparison, times the fade since. At 3/4 or above, and with no message
  /// or change of the graph marking the edges, a tick compares nothing.
  float lowest_ratio = 1.0f;
  /// Named groups (swarms, coordinations) and their edges.
  std::unordered_map<std::string, std::vector<uint64_t>> topologies;
  /// Of those, the ones drawn on request (the others come from
  /// coordinations, which every node sees).
  std::unordered_set<std::string> drawn;
  /// The forces were set by a request, or taken from another node.
  bool tuned = false;
  std::unordered_map<std::string, formation_info> formations;
  /// Agent -> formation it is in.
  std::unordered_map<num_id, std::string> formation_of;
  std::unordered_set<num_id> pinned;
  std::vector<frame_sink_actor> sinks;
  /// Followers of this node's layout (empty while it follows).
  std::vector<follower_link> followers;
  /// Frames followers skipped for being behind.
  uint64_t skipped_frames = 0;
  /// While following: the leader's setup, to go on with if this node takes
  /// over.
  std::optional<layout_setup> setup;
  /// The physics actor of the node that runs the layout when that is
  /// another node: this one then forwards its frames and does not tick.
  caf::actor leader;
  /// That node's name; this node's own while it runs the layout.
  std::string leader_node;
  /// Requests handed to the leader and not answered yet: each fails at
  /// once when the leader changes (it was lost), rather than at the
  /// caller's timeout.
  std::map<uint64_t, std::function<void(const caf::error&)>> forwarded;
  uint64_t next_forward = 0;
  bool edges_dirty = false;
  bool ticking = false;
  uint64_t generation = 0;
  caf::actor_clock::time_point next_due;
  caf::actor_clock::time_point last_decay;
  caf::actor_clock::time_point last_sweep;
  uint64_t frame = 0;
  uint64_t ticks = 0;
  uint64_t skipped = 0;
  std::array<uint64_t, tick_buckets_ms.size() + 1> tick_histogram{};
  double tick_ms_sum = 0;
  uint64_t processed = 0;
};

/// Behavior of the node's physics actor: keeps one engine node per agent
/// (from the bus), derives edges from messages and coordinations, ticks at
/// `cfg.rate_hz` while anything moves and sends each frame to the
/// subscribers in parts of at most `cfg.batch_size` agents. A tick that
/// overruns its period skips the ticks it missed instead of queueing them;
/// at rest it stops ticking until something changes.
///
/// In a cluster one node runs the layout (docs/cluster.md, "One layout"):
/// the physics actors of the others follow it. A follower keeps its agents
/// and edges from its bus as the leader does, takes the positions from the
/// leader's frames and forwards those frames to its own subscribers, and
/// hands pins, formations, topologies and tuning to the leader, which sends
/// its followers its setup whenever that changes. Told to run the layout
/// itself, it goes on from the last positions and setup it had; a leader
/// told to follow another hands that one its setup.
physics_actor::behavior_type
physics(physics_actor::stateful_pointer<physics_data> self,
        node_context_ptr ctx, physics_config cfg,
        std::shared_ptr<layout::engine> engine, bus_actor bus);

} // namespace av
