#pragma once

#include <functional>

#include "av/memory_store.hpp"

namespace av {

/// The in-process store reading time from `clock_ms` (milliseconds since
/// the epoch), so that tests can expire entries without waiting.
memory_store_ptr make_local_memory_store(uint64_t max_bytes,
                                         std::function<int64_t()> clock_ms);

} // namespace av
