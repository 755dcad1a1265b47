#pragma once

#include <map>
#include <unordered_map>

#include "av/node_context.hpp"

namespace av {

/// State of the COORDINATION actor. Each pattern runs as steps; progress is
/// the share of planned steps done. See docs/architecture.md for what each
/// pattern does and how it reacts to a participant leaving.
struct coordination_data {
  static inline const char* name = "coordination";

  node_context_ptr ctx;
  registry_actor registry;
  coordination_spec spec;
  coordination_info info;
  /// Handles of the participants, by numeric id (re-resolved on restart).
  std::unordered_map<num_id, agent_actor> handles;
  /// Outstanding tasks: task id -> what the task stands for (a part index,
  /// stage index or voter).
  std::unordered_map<std::string, size_t> open_tasks;
  /// Hierarchical: part outputs and retries.
  std::vector<std::string> outputs;
  std::vector<uint32_t> retries;
  /// Hierarchical: parts done; consensus: votes counted (for checkpoints).
  std::vector<bool> done;
  size_t next_worker = 0;
  /// Pipeline: the input of the stage that runs.
  std::string stage_input;
  /// Consensus tallies.
  uint32_t yes = 0;
  uint32_t no = 0;
  uint32_t abstain = 0;
  /// Mesh: exchanges still planned, by (from, to).
  std::map<std::pair<num_id, num_id>, bool> exchanges;
  uint64_t task_seq = 0;
  uint64_t deadline_generation = 0;
  uint64_t processed = 0;
};

/// Behavior of a coordination running `spec`; `registry` resolves
/// participants again after one of them was restarted.
coordination_actor::behavior_type
coordination(coordination_actor::stateful_pointer<coordination_data> self,
             node_context_ptr ctx, coordination_spec spec,
             registry_actor registry);

/// Behavior of a coordination resumed from `info` as stored (at start-up,
/// after a restart of the node): it goes on from `info.checkpoint`, giving
/// the tasks that were running when the node stopped again; participants
/// that are gone count as having left. Without a checkpoint the run starts
/// over.
coordination_actor::behavior_type resumed_coordination(
  coordination_actor::stateful_pointer<coordination_data> self,
  node_context_ptr ctx, coordination_info info, registry_actor registry);

/// The participants of `spec` with their roles ("leader" and "worker",
/// "peer", "stage" or "voter" by pattern), all active.
std::vector<participant> participants_of(const coordination_spec& spec);

} // namespace av
