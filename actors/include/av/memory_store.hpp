#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

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

/// Why a memory operation failed.
class memory_error : public std::runtime_error {
public:
  enum class kind {
    /// A namespace, key, pattern or TTL that is not allowed.
    invalid,
    /// Storing the value would exceed MEMORY_MAX_BYTES.
    full,
    /// The backing store (Redis) cannot be reached.
    unavailable,
  };

  memory_error(kind k, const std::string& what)
    : std::runtime_error(what), kind_(k) {}

  kind which() const { return kind_; }

private:
  kind kind_;
};

/// Namespaced key-value memory with a TTL per entry and a cap on the total
/// size (keys plus values). Thread-safe; calls may block on I/O, so actors
/// call it from a detached actor or a thread of their own. Throws
/// memory_error.
class memory_store {
public:
  static constexpr std::chrono::seconds default_ttl{86400};

  virtual ~memory_store() = default;

  /// Stores or replaces a value. A TTL of zero means default_ttl.
  virtual void store(const std::string& ns, const std::string& key,
                     const std::string& value, std::chrono::seconds ttl)
    = 0;

  /// The value, or nothing when it is absent or expired.
  virtual std::optional<memory_entry> retrieve(const std::string& ns,
                                               const std::string& key)
    = 0;

  /// Removes a value; false when there was none.
  virtual bool remove(const std::string& ns, const std::string& key) = 0;

  /// Entries of a namespace whose key starts with `prefix`, sorted by key,
  /// at most `limit`.
  virtual std::vector<memory_entry>
  list(const std::string& ns, const std::string& prefix, size_t limit) = 0;

  /// Entries of a namespace whose key matches a glob pattern (`*`, `?`) or
  /// whose value contains `pattern` when it has no wildcard; sorted by key,
  /// at most `limit`.
  virtual std::vector<memory_entry>
  search(const std::string& ns, const std::string& pattern, size_t limit) = 0;

  virtual memory_totals totals() = 0;

  /// "memory" or "redis", for answers and logs.
  virtual std::string backend() const = 0;
};

using memory_store_ptr = std::shared_ptr<memory_store>;

/// The in-process store used when no REDIS_URL is configured.
memory_store_ptr make_local_memory_store(uint64_t max_bytes);

} // namespace av
