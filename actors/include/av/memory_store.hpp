#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <caf/error.hpp>
#include <caf/expected.hpp>

namespace av {

/// One value of the shared memory behind the `memory_usage` tool, stored as
/// `memory:{ns}:{key}`.
struct memory_entry {
  std::string ns;
  std::string key;
  std::string value;
  /// Seconds until it expires; -1 when it never does.
  int64_t ttl_s = -1;
  /// When it was stored, in milliseconds since the epoch.
  int64_t stored_at_ms = 0;
};

/// Totals of a store, for the tool's answers and for metrics.
struct memory_totals {
  uint64_t entries = 0;
  uint64_t bytes = 0;
  uint64_t max_bytes = 0;
};

/// What an entry counts against MEMORY_MAX_BYTES: its key and its value.
inline uint64_t memory_size(const std::string& key, const std::string& value) {
  return key.size() + value.size();
}

/// The `store_full` error of a store that would exceed its cap.
caf::error memory_full(uint64_t size, uint64_t max_bytes);

/// Namespaced key-value memory with a TTL per entry and a cap on the total
/// size (keys plus values). Thread-safe; calls may block on I/O, so actors
/// call it from a detached actor or a thread of their own.
///
/// The public calls apply the rules every store shares (the MCP schema of
/// `memory_usage` says the same), then hand the request to the store: a
/// namespace of 1 to 128 of [A-Za-z0-9_.-] (no `:`, which separates it from
/// the key in Redis), a key of 1 to 512 bytes without control characters, a
/// TTL of 0 (the default, default_ttl) to 366 days. Failures are errors:
/// `invalid_argument` naming the field the rules refuse, `store_full`, and
/// `unreachable` when the backing store (Redis) cannot be reached.
class memory_store {
public:
  static constexpr std::chrono::seconds default_ttl{86400};

  virtual ~memory_store() = default;

  /// Stores or replaces a value.
  caf::error store(const std::string& ns, const std::string& key,
                   const std::string& value, std::chrono::seconds ttl);

  /// The value, or nothing when it is absent or expired.
  caf::expected<std::optional<memory_entry>> retrieve(const std::string& ns,
                                                      const std::string& key);

  /// Removes a value; false when there was none.
  caf::expected<bool> remove(const std::string& ns, const std::string& key);

  /// Entries of a namespace whose key starts with `prefix`, sorted by key,
  /// at most `limit`.
  caf::expected<std::vector<memory_entry>>
  list(const std::string& ns, const std::string& prefix, size_t limit);

  /// Entries of a namespace whose key matches a glob pattern (`*`, `?`) or,
  /// when it has no wildcard, whose key or value contains `pattern`; sorted
  /// by key, at most `limit`.
  caf::expected<std::vector<memory_entry>>
  search(const std::string& ns, const std::string& pattern, size_t limit);

  virtual caf::expected<memory_totals> totals() = 0;

  /// "memory" or "redis", for answers and logs.
  virtual std::string backend() const = 0;

protected:
  /// The calls above after the rules passed; `ttl` is positive.
  virtual caf::error do_store(const std::string& ns, const std::string& key,
                              const std::string& value,
                              std::chrono::seconds ttl)
    = 0;
  virtual caf::expected<std::optional<memory_entry>>
  do_retrieve(const std::string& ns, const std::string& key) = 0;
  virtual caf::expected<bool> do_remove(const std::string& ns,
                                        const std::string& key)
    = 0;
  virtual caf::expected<std::vector<memory_entry>>
  do_list(const std::string& ns, const std::string& prefix, size_t limit) = 0;
  virtual caf::expected<std::vector<memory_entry>>
  do_search(const std::string& ns, const std::string& pattern, size_t limit)
    = 0;
};

using memory_store_ptr = std::shared_ptr<memory_store>;

/// The in-process store used when no REDIS_URL is configured.
memory_store_ptr make_local_memory_store(uint64_t max_bytes);

} // namespace av
