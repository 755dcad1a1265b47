#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "av/actors.hpp"
#include "av/node_context.hpp"

namespace av::http {

/// Rendered answers of `GET /api/agents`, reused while no agent came, went
/// or changed state, so that a read costs no actor round trip and no JSON
/// rendering.
///
/// An answer is kept with the version it was read at: the directory's
/// generation (the registry bumps it whenever it admits or forgets an agent)
/// and the number of state changes seen on the bus. State changes reach the
/// registry through the bus; a watcher subscribed after the registry counts
/// them, so the count moves only once the change is queued at the registry,
/// and an answer read after the count moved includes it. An answer is
/// trusted only while the watcher has seen every published state change
/// (other events, such as the `tool.called` of every MCP call, change no
/// listing and must not keep answers from being reused).
class agent_lists {
public:
  struct version {
    uint64_t agents = 0;
    uint64_t states = 0;

    friend bool operator==(const version& x, const version& y) {
      return x.agents == y.agents && x.states == y.states;
    }
  };

  struct entry {
    version at;
    std::string body;
    /// A strong validator for If-None-Match.
    std::string etag;
  };

  explicit agent_lists(node_context_ptr ctx);

  /// Spawns the watcher: it waits for the registry, subscribes to the bus
  /// behind it and then turns reuse on.
  static void watch(const std::shared_ptr<agent_lists>& self,
                    caf::actor_system& sys, registry_actor registry,
                    bus_actor bus);

  /// Ends the watcher; reuse stops. Idempotent.
  void stop();

  /// The watcher, for /metrics (kind `agent_lists`); null before `watch`.
  status_actor status() const;

  /// Whether the watcher follows the bus and has seen every state change
  /// published so far; only then may a kept answer be reused.
  bool settled() const;

  /// The version to tag an answer with, read before asking the registry;
  /// nullopt before the watcher follows the bus.
  std::optional<version> now() const;

  /// The kept answer for `key` when it is still current.
  std::shared_ptr<const entry> find(const std::string& key) const;

  /// Keeps an answer read at `at`; returns it with its ETag.
  std::shared_ptr<const entry> store(const std::string& key, version at,
                                     std::string body);

  // -- the watcher's side ----------------------------------------------------

  /// Events through `seq` are seen; `states_changed` when one of them changed
  /// an agent's state.
  void saw(uint64_t seq, bool states_changed);

  /// The watcher follows the bus; events through `seq` reached the registry
  /// before it did.
  void follow(uint64_t seq);

private:
  node_context_ptr ctx_;
  std::atomic<bool> following_{false};
  std::atomic<uint64_t> seen_{0};
  std::atomic<uint64_t> states_{0};
  mutable std::mutex mtx_;
  std::unordered_map<std::string, std::shared_ptr<const entry>> entries_;
  agent_list_watcher_actor watcher_;
};

/// The cache key of a listing's query.
std::string agent_list_key(const agent_filter& filter);

} // namespace av::http
