#pragma once

#include <cstdint>
#include <string>

#include "av/memory_store.hpp"

namespace av::persistence {

/// The memory store behind `memory_usage` in Redis (REDIS_URL): each entry
/// is the hash `memory:{ns}:{key}` (fields `value`, `stored`) with a TTL;
/// `memory:__sizes` and `memory:__expiry` (sorted sets) and
/// `memory:__bytes` account for the size cap. Stores run as one Lua script,
/// so the cap holds with several servers. Throws memory_error
/// (`unavailable` when Redis cannot be reached).
memory_store_ptr make_redis_memory_store(const std::string& redis_url,
                                         uint64_t max_bytes);

} // namespace av::persistence
