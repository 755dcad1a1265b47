#pragma once

#include <cstdint>
#include <string>

#include "av/redis_command_queue.hpp"
#include "av/types.hpp"

/// The seed's Redis keys and channels (docs/persistence.md), as commands.
namespace av::persistence::detail {

/// What the Redis writer remembers of an agent, to rewrite it after an
/// outage.
struct agent_mirror {
  std::string id;
  /// "agent:{id}", and the id as a JSON string: made once, used per update.
  std::string key;
  std::string id_json;
  num_id num = 0;
  std::string name;
  std::string type;
  std::string state;
  vec3f pos;
  vec3f vel;
  int64_t updated_ms = 0;
  bool has_metrics = false;
  metrics_sample metrics;
  metric_trends trends;
};

/// Sets the id of `a` and what is made of it.
void set_id(agent_mirror& a, const std::string& id);

/// HSET agent:{id} with every field.
void agent_hash(const agent_mirror& a, command_queue& out);

/// HSET agent:{id} of the state, and PUBLISH agent:state:update.
void state_commands(const agent_mirror& a, const std::string& previous,
                    command_queue& out);

/// HSET agent:{id}:metrics, ZADD to the history trimmed to `history`
/// entries, PUBLISH agent:metrics:update.
void metrics_commands(const agent_mirror& a, size_t history,
                      command_queue& out);

/// HSET agent:{id}:metrics alone (for rewriting after an outage).
void metrics_hash(const agent_mirror& a, command_queue& out);

/// HSET of the position in agent:{id}, PUBLISH agent:position:update; the
/// message is built in `scratch`, reused between updates.
void position_commands(const agent_mirror& a, std::string& scratch,
                       command_queue& out);

} // namespace av::persistence::detail
