#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include <caf/actor_system.hpp>

#include "av/actors.hpp"
#include "av/node_context.hpp"

namespace av::persistence {

/// Settings of the Redis writer (docs/persistence.md).
struct redis_writer_config {
  /// REDIS_URL.
  std::string redis_url;
  /// Position samples per agent and second written and published.
  uint32_t position_hz = 5;
  /// Commands the buffer holds during an outage before the API gets 503;
  /// position updates beyond it are dropped.
  size_t buffer_size = 100000;
  /// Entries kept in agent:{id}:metrics:history.
  size_t history = 100;
  /// Commands per pipeline at most.
  size_t max_pipeline = 2000;
  /// Longest wait between reconnection attempts.
  std::chrono::milliseconds max_backoff{2000};
};

/// Spawns the writer in a thread of its own and subscribes it to the bus.
redis_writer_actor spawn_redis_writer(caf::actor_system& sys,
                                      redis_writer_config cfg, bus_actor bus,
                                      store_status_ptr status);

} // namespace av::persistence
