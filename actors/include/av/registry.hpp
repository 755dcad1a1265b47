#pragma once

#include <deque>
#include <map>
#include <unordered_map>

#include "av/node_context.hpp"
#include "av/restart_policy.hpp"

namespace av {

/// State of the REGISTRY actor.
struct registry_data {
  static inline const char* name = "registry";

  struct agent_entry {
    agent_summary summary;
    agent_actor handle;
    restart_policy restarts;
  };

  struct coordination_entry {
    coordination_info info;
    coordination_actor handle;
  };

  node_context_ptr ctx;
  /// Ordered by numeric id so that listings page stably.
  std::map<num_id, agent_entry> agents;
  std::unordered_map<std::string, num_id> by_uuid;
  std::unordered_map<std::string, num_id> by_name;
  num_id next_num = 1;
  uint32_t pending_spawns = 0;
  std::unordered_map<std::string, coordination_entry> coordinations;
  /// Ids of finished coordinations, oldest first, trimmed to the limit.
  std::deque<std::string> finished;
  uint64_t processed = 0;
  uint64_t restarts = 0;
};

/// Behavior of the node's registry. It links to every agent and coordination
/// it spawns, so they end with it, and subscribes to the bus for state
/// changes.
registry_actor::behavior_type
registry(registry_actor::stateful_pointer<registry_data> self,
         node_context_ptr ctx, bus_actor bus);

} // namespace av
