#pragma once

#include <string>

#include <caf/actor_system.hpp>

#include "av/history.hpp"

namespace av::persistence {

/// Spawns the history actor (detached, its own connection, reconnecting on
/// the next query after a failure). Errors answer `ec::unavailable`-like
/// CAF errors whose context names the cause.
history_actor spawn_history_reader(caf::actor_system& sys,
                                   std::string database_url);

} // namespace av::persistence
