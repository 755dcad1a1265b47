#pragma once

#include <deque>
#include <random>
#include <unordered_map>

#include "av/node_context.hpp"

namespace av {

/// State of the AGENT actor.
struct agent_data {
  static inline const char* name = "agent";

  node_context_ptr ctx;
  /// Receives a snapshot when a handler throws; may be null.
  registry_actor supervisor;
  agent_info info;
  /// Bounded, oldest first.
  std::vector<metrics_sample> history;
  /// The running task (front) followed by the queued ones.
  std::deque<task_spec> tasks;
  caf::actor_clock::time_point task_started;
  uint64_t task_seq = 0;
  /// Low half of this agent's message ids; the high half is its number.
  uint32_t message_seq = 0;
  /// Sum of finished tasks' durations, for derived metrics.
  int64_t total_task_ms = 0;
  /// Once an agent reports metrics itself, none are derived from tasks.
  bool reports_metrics = false;
  uint64_t processed = 0;
  route_cache routes;
  /// Other nodes' agents this one sent to, by number; watched, and
  /// forgotten when they end or their node is lost.
  std::unordered_map<num_id, agent_actor> remote_routes;
  /// The cluster's registry (`cluster_registry_name`), once looked up.
  registry_actor cluster;
  std::minstd_rand rng;
};

/// Behavior of an agent restored from `snap` (a fresh agent has an empty
/// history and task list). `restarted` marks a restart after a crash: the
/// task that was running then fails and the agent comes back IDLE.
agent_actor::behavior_type agent(agent_actor::stateful_pointer<agent_data> self,
                                 node_context_ptr ctx, agent_snapshot snap,
                                 registry_actor supervisor, bool restarted);

/// Tells `task.owner`, if any, that the task failed for `reason`.
void notify_task_failed(const task_spec& task, num_id agent,
                        const std::string& reason);

} // namespace av
