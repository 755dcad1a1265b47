#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <unordered_map>

#include <caf/actor_system.hpp>

#include "av/actors.hpp"

namespace av::mcp {

/// The deadlines of the tool calls in flight. One timer message is pending
/// at a time, for the earliest deadline: a call that ends before its
/// deadline costs no message and no thread switch, and a steady stream of
/// calls with one timeout wakes the timer about once per timeout rather
/// than once per call. Thread-safe.
class call_deadlines {
public:
  using clock = std::chrono::steady_clock;

  explicit call_deadlines(caf::actor_system& sys);

  /// Runs `expire` at `at` unless `remove(call)` comes first.
  void add(uint64_t call, clock::time_point at, std::function<void()> expire);

  /// Forgets a call that ended; nothing when it has no deadline.
  void remove(uint64_t call);

  /// Calls with a deadline.
  size_t size() const;

  /// Ends the timer; call before the actor system stops.
  void stop();

private:
  struct entry {
    std::multimap<clock::time_point, uint64_t>::iterator due;
    std::function<void()> expire;
  };

  /// The timer fired for `at`: runs what is due, arms it for what is next.
  void wake(clock::time_point at);
  /// Arms the timer for the earliest deadline unless it is armed for it or
  /// for an earlier one already. Needs `mtx_`.
  void arm(clock::time_point now);

  deadline_timer_actor timer_;
  mutable std::mutex mtx_;
  std::multimap<clock::time_point, uint64_t> order_;
  std::unordered_map<uint64_t, entry> calls_;
  /// When the pending timer message fires; none when none is pending.
  std::optional<clock::time_point> armed_;
};

} // namespace av::mcp
