#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "av/types.hpp"

namespace av {

/// What a viewer asked to see. Empty lists match everything.
struct ws_filter {
  std::vector<std::string> types;
  std::vector<agent_state> states;
  /// Only agents taking part in one of these coordinations, and only these
  /// coordinations' updates.
  std::vector<std::string> coordinations;
  /// Most agents shown (clamped to MAX_VISIBLE_AGENTS).
  uint32_t max_agents = 500;
  /// Position frames per second (clamped to PHYSICS_UPDATE_RATE).
  uint32_t fps = 60;
  /// Event kinds streamed, as `kind_bit`s: a viewer that draws only
  /// positions asks for none.
  uint32_t events = all_event_kinds;

  /// Sessions with equal keys share a filter group.
  std::string key() const;
};

} // namespace av
