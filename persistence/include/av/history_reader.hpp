#pragma once

#include <cstddef>
#include <string>

#include <caf/actor_system.hpp>

#include "av/actors.hpp"

namespace av::persistence {

/// Spawns the history actor: a pool of up to `connections` readers
/// (DATABASE_POOL_SIZE), each a detached actor with a connection of its own
/// (application_name `agentviz-history`), reconnecting on the next query
/// after a failure. Readers are started as queries arrive while every
/// reader is busy; beyond `connections`, queries wait in order. Errors
/// answer CAF errors whose context names the cause.
history_actor spawn_history_reader(caf::actor_system& sys,
                                   std::string database_url,
                                   size_t connections = 1);

} // namespace av::persistence
