#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "av/actors.hpp"

namespace av {

/// Limits a node enforces; all configurable (docs/configuration.md).
struct node_limits {
  uint32_t max_agents = 10000;
  uint32_t max_concurrent_spawns = 50;
  /// Restarts allowed within `restart_window` before an agent is given up.
  uint32_t max_restarts = 3;
  std::chrono::milliseconds restart_window{60000};
  /// Tasks an agent holds (running plus queued).
  uint32_t task_queue = 64;
  /// Metrics samples kept per agent.
  uint32_t history = 100;
  /// Finished coordinations kept for listing and lookup.
  uint32_t finished_coordinations = 256;
};

/// Wall-clock milliseconds since the epoch.
int64_t now_ms();

/// Whether `ev` changes what an agent listing shows beyond what the
/// directory's generation says: a state, another node's agent coming or
/// going, a node of the cluster lost or back.
bool changes_listings(const event& ev);

/// Publishing side of the event bus: assigns sequence numbers and queues
/// events until the bus actor flushes them. A plain object rather than an
/// actor so that publishing costs one short lock instead of a message per
/// event; the bus actor is woken once per batch.
class event_bus {
public:
  /// Sets the actor woken when events are waiting (null to detach) and
  /// wakes it at once if events were published before.
  void attach(bus_actor wake);

  /// Appends an event with the next sequence number, stamped `time_ms`
  /// (callers on hot paths pass a clock reading they already have); `node`
  /// names another node of the cluster the event happened on.
  void publish(event_payload payload, int64_t time_ms = now_ms(),
               std::string node = {});

  /// Takes every queued event, in sequence order.
  std::vector<event> take();

  /// Sequence number of the last published event (0 before the first).
  uint64_t last_seq() const;

  /// Sequence number of the last published event that changes an agent
  /// listing (changes_listings; 0 before the first): a reader that has seen
  /// it knows every state there is.
  uint64_t last_state_seq() const;

private:
  mutable std::mutex mtx_;
  std::vector<event> pending_;
  uint64_t seq_ = 0;
  uint64_t state_seq_ = 0;
  bus_actor wake_;
};

/// Numeric id to agent handle, readable from any actor. Only the registry
/// writes; agents route messages through it without asking the registry
/// actor for every message.
class directory {
public:
  void put(num_id id, agent_actor handle);
  void erase(num_id id);
  agent_actor find(num_id id) const;

  /// Changes whenever an entry does; lets readers keep a local cache.
  uint64_t generation() const {
    return generation_.load(std::memory_order_acquire);
  }

  size_t size() const;

  /// The numbers of every agent, in no particular order.
  std::vector<num_id> numbers() const;

private:
  mutable std::shared_mutex mtx_;
  std::unordered_map<num_id, agent_actor> map_;
  std::atomic<uint64_t> generation_{0};
};

/// A reader's cache over the directory, valid while its generation holds.
class route_cache {
public:
  agent_actor find(const directory& dir, num_id id);

private:
  uint64_t generation_ = ~uint64_t{0};
  std::unordered_map<num_id, agent_actor> cache_;
};

/// Health and counters of a store writer (PostgreSQL, Redis), written by
/// the writer and read by /health, the API and /metrics.
struct store_status {
  explicit store_status(std::string store) : name(std::move(store)) {}

  /// "postgres" or "redis".
  const std::string name;
  /// Connected and writing.
  std::atomic<bool> up{false};
  /// The buffer is full: changes through the API get 503.
  std::atomic<bool> full{false};
  /// Writes waiting in the buffer, position samples included.
  std::atomic<uint64_t> buffered{0};
  std::atomic<uint64_t> written{0};
  std::atomic<uint64_t> dropped_samples{0};
  std::atomic<uint64_t> reconnects{0};
  std::atomic<uint64_t> failed_writes{0};
  /// Writes tried again because the connection broke under them.
  std::atomic<uint64_t> retries{0};
  /// Where losing and regaining the connection is published (`node.store`
  /// events); none when null (a writer under test). Set before the writer
  /// starts; the bus outlives the node's writers.
  event_bus* events = nullptr;

  /// Upper bounds of the flush latency buckets, in seconds.
  static constexpr std::array<double, 11> flush_buckets{
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1};
  /// Flushes (transactions, pipelines) by latency bucket; the last counts
  /// those slower than every bound.
  std::array<std::atomic<uint64_t>, flush_buckets.size() + 1> flushes{};
  std::atomic<uint64_t> flush_us_sum{0};

  /// Adds `n` writes of `kind` ("agent", "position", "hset", ...) to
  /// `written` and to the count by kind.
  void count_written(const std::string& kind, uint64_t n);

  /// Counts one flush that took `seconds`.
  void count_flush(double seconds);

  /// Writes so far by kind.
  std::map<std::string, uint64_t> written_by_kind() const;

private:
  mutable std::mutex kinds_mtx_;
  std::map<std::string, uint64_t> kinds_;
};

using store_status_ptr = std::shared_ptr<store_status>;

/// What every actor of a node shares: the bus, the directory, id counters
/// and limits.
struct node_context {
  /// NODE_NAME: the owner written on this node's agents and coordinations.
  std::string node_name;
  /// NODE_SLOT: the top bits of every agent number this node gives.
  uint32_t slot = 0;
  event_bus bus;
  directory agents;
  node_limits limits;
  /// Seed for the simulated agents' random choices.
  uint64_t seed = 42;
  /// The writers of the configured stores; set before the API starts.
  std::vector<store_status_ptr> stores;
  /// The PostgreSQL writer when DATABASE_URL is set; null otherwise.
  durability_actor durability;
};

using node_context_ptr = std::shared_ptr<node_context>;

/// Wall-clock nanoseconds since the epoch.
int64_t now_ns();

/// The part of a status answer every actor gives: kind, id, summary,
/// mailbox depth and messages processed.
template <class Self>
caf::settings status_header(Self* self, const char* kind, const std::string& id,
                            std::string summary, uint64_t processed) {
  caf::settings result;
  caf::put(result, "kind", kind);
  caf::put(result, "id", id);
  caf::put(result, "summary", std::move(summary));
  caf::put(result, "mailbox", static_cast<uint64_t>(self->mailbox().size()));
  caf::put(result, "processed", processed);
  return result;
}

/// A random (version 4) UUID in canonical lower-case form.
std::string make_uuid();

/// Returns whether `str` is a UUID in canonical form (any case).
bool is_uuid(std::string_view str);

} // namespace av

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(av::event_batch)
