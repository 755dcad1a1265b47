#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "av/memory_store.hpp"

namespace av::persistence {

/// The memory store behind `memory_usage` in Redis (REDIS_URL): each entry
/// is the hash `memory:{ns}:{key}` (fields `value`, `stored`) with a TTL;
/// `memory:__sizes` and `memory:__expiry` (sorted sets) and
/// `memory:__bytes` account for the size cap. Stores run as one Lua script,
/// so the cap holds with several servers. Calls fail with the errors of
/// memory_store (`unreachable` when Redis cannot be reached); a bad URL is
/// an `invalid_argument` naming REDIS_URL. Calls from several threads
/// run at once on up to `connections` connections (REDIS_POOL_SIZE, named
/// `agentviz-memory`, opened as needed); more wait for one to be free.
caf::expected<memory_store_ptr>
make_redis_memory_store(const std::string& redis_url, uint64_t max_bytes,
                        size_t connections = 1);

} // namespace av::persistence
