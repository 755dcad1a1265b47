#pragma once

#include <array>
#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "av/actors.hpp"
#include "av/node_context.hpp"
#include "av/ws/filter.hpp"
#include "av/ws/frame.hpp"
#include "av/ws/stats.hpp"

namespace av {

/// A serialized message, shared by every session that sends it.
using ws_payload = std::shared_ptr<const std::string>;

class ws_lane;
struct ws_push;

/// Where the hub delivers a session's payloads. Implemented by the
/// WebSocket session; callable from any thread.
class ws_outlet {
public:
  virtual ~ws_outlet();

  /// The lane that serves this connection; none: the hub's pushes go
  /// through the session actor.
  virtual ws_lane* lane() { return nullptr; }

  /// Events in sequence order; `last_seq` is the newest event handled,
  /// whether or not it passed the filter.
  virtual void push_events(std::vector<ws_payload> xs, uint64_t last_seq) = 0;

  /// One part of position frame `frame`.
  virtual void push_frame(uint64_t frame, ws_payload x) = 0;

  /// A control message (never dropped by the event bound).
  virtual void push_control(ws_payload x) = 0;

  /// A push, from a task of this connection's lane (on its thread); by
  /// default through the functions above.
  virtual void take(const ws_push& x);

  /// After a lane's task has handed over all its pushes (`take`).
  virtual void flush() {}
};

/// What the hub hands a session: events, one frame part, or a control
/// message, as shared payloads.
struct ws_push {
  enum class what : uint8_t { events, frame, control };
  what kind = what::events;
  std::vector<ws_payload> payloads;
  /// Events: the newest event handled; frames: the frame number.
  uint64_t seq = 0;
};

/// The connections served by one I/O thread: a push reaches all of them in
/// one task on that thread rather than one message and one task per
/// connection. Pushes to one connection arrive in the order made.
class ws_lane {
public:
  virtual ~ws_lane();

  /// Hands `x` to every connection in `to`; callable from any thread.
  virtual void push(std::vector<std::shared_ptr<ws_outlet>> to, ws_push x) = 0;
};

/// State of a WS SESSION actor.
struct ws_session_data {
  static inline const char* name = "ws_session";

  std::weak_ptr<ws_outlet> connection;
  uint64_t id = 0;
  uint64_t pushes = 0;
  uint64_t processed = 0;
};

/// Behavior of a session actor; it ends when its connection is gone.
ws_session_actor::behavior_type
ws_session(ws_session_actor::stateful_pointer<ws_session_data> self,
           std::weak_ptr<ws_outlet> connection, uint64_t id);

/// A session joining the hub or changing its filter.
struct ws_subscription {
  uint64_t id = 0;
  ws_session_actor session;
  ws_filter filter;
  /// The connection itself: when it has a lane, the hub's pushes go
  /// through the lane, sparing a mailbox hop and a task per viewer and
  /// push. Without one they go through `session`.
  std::weak_ptr<ws_outlet> outlet;
  /// How the session's position frames are encoded. Not part of the
  /// filter: viewers that see the same agents share a group whatever the
  /// format.
  ws::frame_format format = ws::frame_format::float32;
};

/// State of the HUB actor.
struct hub_data {
  static inline const char* name = "hub";

  /// What the hub knows of an agent, for filters.
  struct agent_entry {
    std::string type;
    agent_state state = agent_state::idle;
  };

  /// Sessions with the same filter, and the agents they see.
  struct group {
    ws_filter filter;
    std::unordered_set<num_id> visible;
    std::vector<uint64_t> members;
  };

  struct member {
    ws_session_actor session;
    std::weak_ptr<ws_outlet> outlet;
    std::string group;
    ws::frame_format format = ws::frame_format::float32;
    /// Frame pacing: the frame being sent and whether this member gets it.
    uint64_t frame = ~uint64_t{0};
    bool frame_on = false;
  };

  node_context_ptr ctx;
  ws_stats_ptr stats;
  uint32_t max_visible = 500;
  uint32_t max_fps = 60;
  std::map<num_id, agent_entry> agents;
  std::unordered_map<std::string, std::unordered_set<num_id>> coordinations;
  std::unordered_map<std::string, group> groups;
  std::unordered_map<uint64_t, member> members;
  /// Agents that ended, so that a late registry listing does not bring
  /// them back.
  std::unordered_set<num_id> gone;
  uint64_t last_seq = 0;
  /// Index loads from the registry (agent pages, coordinations) not yet
  /// answered. Subscriptions wait in `waiting` until none is left: a
  /// viewer who joined earlier would miss the events of agents the index
  /// does not know yet, gaps in its sequence without a resync.
  uint32_t loads_pending = 0;
  std::vector<ws_subscription> waiting;
  /// Flush requests waiting for their sequence number.
  std::multimap<uint64_t, caf::typed_response_promise<uint64_t>> flushes;
  uint64_t batches = 0;
  uint64_t frames = 0;
  uint64_t processed = 0;
};

/// Behavior of the node's hub: subscribes to the bus (every kind) and the
/// physics actor, keeps an index of agents for filters (seeded from the
/// registry, then kept by events), and hands shared payloads to the
/// subscribed sessions.
hub_actor::behavior_type hub(hub_actor::stateful_pointer<hub_data> self,
                             node_context_ptr ctx, ws_stats_ptr stats,
                             registry_actor registry, bus_actor bus,
                             physics_actor physics, uint32_t max_visible,
                             uint32_t max_fps);

} // namespace av
