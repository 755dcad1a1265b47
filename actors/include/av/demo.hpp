#pragma once

#include <random>

#include "av/node_context.hpp"

namespace av {

/// State of the DEMO actor.
struct demo_data {
  static inline const char* name = "demo";

  node_context_ptr ctx;
  registry_actor registry;
  uint32_t target = 0;
  uint32_t spawned = 0;
  uint32_t in_flight = 0;
  std::vector<num_id> agents;
  uint32_t active_coordinations = 0;
  uint64_t started_coordinations = 0;
  uint64_t ticks = 0;
  uint64_t processed = 0;
  std::mt19937_64 rng;
};

/// Interval between driver ticks.
constexpr std::chrono::milliseconds demo_tick_interval{500};

/// Behavior of the demo driver: spawns `agents` simulated agents of the
/// realistic types, then on every tick hands work to idle agents, keeps
/// coordinations of all four patterns running, starts conversations, and
/// now and then injects a fault so supervision shows.
demo_actor::behavior_type demo(demo_actor::stateful_pointer<demo_data> self,
                               node_context_ptr ctx, registry_actor registry,
                               bus_actor bus, uint32_t agents);

} // namespace av
