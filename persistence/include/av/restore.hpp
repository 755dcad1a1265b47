#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "av/types.hpp"

namespace av::persistence {

/// The agents PostgreSQL holds that are not terminated, in order of their
/// numbers, with their state, metadata and the newest `history` metrics
/// samples, ready for the registry to respawn. Throws on database errors.
std::vector<agent_snapshot> load_agents(const std::string& database_url,
                                        size_t history);

/// The coordinations PostgreSQL holds as FORMING or ACTIVE, oldest first,
/// with their participants (by number, in order) and checkpoints, ready for
/// the registry to resume. Throws on database errors.
std::vector<coordination_info>
load_coordinations(const std::string& database_url);

} // namespace av::persistence
