#pragma once

#include <chrono>
#include <cstdint>
#include <deque>

namespace av {

/// Erlang-style restart intensity: at most `max_restarts` restarts within
/// any `window`; one more means giving up.
class restart_policy {
public:
  using clock = std::chrono::steady_clock;

  restart_policy(uint32_t max_restarts, std::chrono::milliseconds window)
    : max_restarts_(max_restarts), window_(window) {
    // nop
  }

  /// Records a crash at `now`; returns whether a restart is allowed.
  template <class TimePoint>
  bool permit(TimePoint now) {
    auto t = std::chrono::duration_cast<std::chrono::milliseconds>(
      now.time_since_epoch());
    while (!crashes_.empty() && t - crashes_.front() >= window_)
      crashes_.pop_front();
    if (crashes_.size() >= max_restarts_)
      return false;
    crashes_.push_back(t);
    return true;
  }

  /// Restarts within the current window.
  size_t recent() const { return crashes_.size(); }

private:
  uint32_t max_restarts_;
  std::chrono::milliseconds window_;
  std::deque<std::chrono::milliseconds> crashes_;
};

} // namespace av
