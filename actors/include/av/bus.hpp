#pragma once

#include <array>

#include "av/node_context.hpp"

namespace av {

/// State of the EVENT BUS actor.
struct bus_data {
  static inline const char* name = "bus";

  struct subscriber {
    event_sink_actor sink;
    uint32_t mask;
  };

  node_context_ptr ctx;
  std::vector<subscriber> subscribers;
  uint64_t processed = 0;
  uint64_t batches = 0;
  uint64_t events = 0;
  /// Events handed on, by kind (agentviz_events_total).
  std::array<uint64_t, static_cast<size_t>(last_event_kind) + 1> by_kind{};
};

/// Behavior of the node's event bus: attaches itself to `ctx->bus` and hands
/// each flushed batch to the subscribers whose mask matches any of its
/// events. Subscribers that end are dropped.
bus_actor::behavior_type bus(bus_actor::stateful_pointer<bus_data> self,
                             node_context_ptr ctx);

} // namespace av
