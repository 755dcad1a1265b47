#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include <caf/actor_system.hpp>

#include "av/actors.hpp"
#include "av/node_context.hpp"

namespace av::persistence {

/// Settings of the PostgreSQL writer (docs/persistence.md).
struct pg_writer_config {
  /// DATABASE_URL.
  std::string database_url;
  /// NODE_NAME: the owner written with this node's agents and
  /// coordinations.
  std::string node;
  /// Position samples per agent and second; 0 writes none.
  uint32_t position_hz = 5;
  /// Writes other than position samples the buffer holds before the API
  /// gets 503; position samples beyond it are dropped.
  size_t buffer_size = 100000;
  /// Writes per transaction at most.
  size_t max_batch = 5000;
  /// Position rows per COPY at most.
  size_t max_copy_rows = 50000;
  /// How often buffered position samples are written.
  std::chrono::milliseconds position_flush{250};
  /// Longest wait between reconnection attempts (the wait doubles from
  /// 100 ms up to this).
  std::chrono::milliseconds max_backoff{2000};
};

/// Spawns the writer in a thread of its own and subscribes it to every event
/// of `bus`; `status` is kept current for /health and the API.
pg_writer_actor spawn_pg_writer(caf::actor_system& sys, pg_writer_config cfg,
                                bus_actor bus, store_status_ptr status);

/// Spawns the MAINTENANCE actor: refreshes agent_performance_summary every
/// `summary_refresh`, and daily creates position partitions ahead, drops
/// those past `retention_days` and prunes old writer_batches rows.
pg_maintenance_actor spawn_pg_maintenance(caf::actor_system& sys,
                                          std::string database_url,
                                          std::chrono::seconds summary_refresh,
                                          int retention_days);

} // namespace av::persistence
