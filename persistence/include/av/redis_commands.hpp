#pragma once

#include <cstdint>
#include <deque>
#include <string>

#include "av/redis_client.hpp"
#include "av/types.hpp"

/// The seed's Redis keys and channels (docs/persistence.md), as commands.
namespace av::persistence::detail {

/// What the Redis writer remembers of an agent, to rewrite it after an
/// outage.
struct agent_mirror {
  std::string id;
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

/// HSET agent:{id} with every field.
command agent_hash(const agent_mirror& a);

/// HSET agent:{id} of the state, and PUBLISH agent:state:update.
void state_commands(const agent_mirror& a, const std::string& previous,
                    std::deque<command>& out);

/// HSET agent:{id}:metrics, ZADD to the history trimmed to `history`
/// entries, PUBLISH agent:metrics:update.
void metrics_commands(const agent_mirror& a, size_t history,
                      std::deque<command>& out);

/// HSET agent:{id}:metrics alone (for rewriting after an outage).
command metrics_hash(const agent_mirror& a);

/// HSET of the position in agent:{id}, PUBLISH agent:position:update.
void position_commands(const agent_mirror& a, std::deque<command>& out);

} // namespace av::persistence::detail
