#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "av/types.hpp"

namespace av::persistence {

/// Makes `node` the owner of the agents and coordinations written before
/// clustering (owner ''), in one transaction: the first node to start
/// takes them. Returns how many rows it took. Throws on database errors.
size_t claim_unowned(const std::string& database_url, const std::string& node);

/// The agents of `node` that PostgreSQL holds and are not terminated, in
/// order of their numbers, with their state, metadata and the newest
/// `history` metrics samples, ready for the registry to respawn. Throws on
/// database errors.
std::vector<agent_snapshot> load_agents(const std::string& database_url,
                                        const std::string& node,
                                        size_t history);

/// The coordinations of `node` that PostgreSQL holds as FORMING or ACTIVE,
/// oldest first, with their participants (by number, in order) and
/// checkpoints, ready for the registry to resume. Throws on database
/// errors.
std::vector<coordination_info>
load_coordinations(const std::string& database_url, const std::string& node);

} // namespace av::persistence
