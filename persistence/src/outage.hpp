#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>
#include <unordered_map>

#include "av/base/log.hpp"
#include "av/node_context.hpp"

/// What both store writers do about outages: back off between connection
/// attempts, mark the store down and up, sample positions, count drops.
namespace av::persistence::detail {

/// Exponential backoff between connection attempts: 100 ms doubling up to a
/// maximum, reset by a success.
class reconnect_backoff {
public:
  using clock = std::chrono::steady_clock;

  explicit reconnect_backoff(std::chrono::milliseconds max) : max_(max) {}

  bool due() const { return clock::now() >= next_; }

  void failed() {
    next_ = clock::now() + wait_;
    wait_ = std::min(wait_ * 2, max_);
  }

  void succeeded() { wait_ = first; }

private:
  static constexpr std::chrono::milliseconds first{100};
  std::chrono::milliseconds max_;
  std::chrono::milliseconds wait_{first};
  clock::time_point next_{};
};

/// When to check an idle connection. A store that goes away while nothing
/// is written must still be reported down (/health, `node.store` events), so
/// a connection unused for the interval is probed (PING, SELECT 1).
class idle_probe {
public:
  using clock = std::chrono::steady_clock;

  explicit idle_probe(std::chrono::milliseconds interval)
    : interval_(interval) {}

  /// The connection just worked: a write, a probe or the connect itself.
  void used() { last_ = clock::now(); }

  bool due() const { return clock::now() - last_ >= interval_; }

private:
  std::chrono::milliseconds interval_;
  clock::time_point last_ = clock::now();
};

/// Tells the node's viewers that the store's connection changed.
inline void publish_change(store_status& status, bool connected,
                           size_t buffered, std::string reason) {
  if (status.events)
    status.events->publish(
      store_event{status.name, connected, buffered, std::move(reason)});
}

/// Marks the store down after a failure, logging and publishing once per
/// outage.
inline void mark_down(store_status& status, const std::string& error,
                      size_t buffered) {
  if (!status.up.exchange(false))
    return;
  log::warn("store unavailable: buffering writes",
            {{"store", status.name}, {"error", error}, {"buffered", buffered}});
  publish_change(status, false, buffered, error);
}

/// Marks the store up after a connection; logs and counts a reconnection
/// when it had been connected before.
inline void mark_up(store_status& status, bool& ever_connected,
                    size_t buffered) {
  status.up = true;
  if (ever_connected) {
    ++status.reconnects;
    log::info("store reconnected: writing the buffer",
              {{"store", status.name}, {"buffered", buffered}});
    publish_change(status, true, buffered, "reconnected");
  }
  ever_connected = true;
}

/// Keeps at most `hz` position samples per agent and second of frame time.
class position_sampler {
public:
  explicit position_sampler(uint32_t hz)
    : interval_ms_(hz == 0 ? -1 : 1000 / static_cast<int64_t>(hz)) {}

  /// Whether the sample of `agent` at `time_ms` is kept; records it if so.
  bool take(num_id agent, int64_t time_ms) {
    if (interval_ms_ < 0)
      return false;
    auto& last = last_ms_[agent];
    if (last != 0 && time_ms - last < interval_ms_)
      return false;
    last = time_ms;
    return true;
  }

private:
  int64_t interval_ms_;
  std::unordered_map<num_id, int64_t> last_ms_;
};

/// Asks the writer `self` to write what is buffered: one flush message at a
/// time, however many events arrive before it is handled.
template <class Self>
void request_flush(Self self) {
  auto& st = self->state;
  if (st.flush_requested)
    return;
  st.flush_requested = true;
  self->send(self, atom::flush::value);
}

/// Tells /health and the API how much is buffered (`buffered`), and whether
/// the writes that must not be dropped (`held`) reached the bound.
inline void publish_buffer(store_status& status, size_t buffered, size_t held,
                           size_t bound) {
  status.buffered = buffered;
  status.full = held >= bound;
}

/// The counters every writer adds to its status answer.
inline void put_counters(caf::settings& out, const store_status& status) {
  caf::put(out, "written", status.written.load());
  caf::put(out, "dropped_samples", status.dropped_samples.load());
  caf::put(out, "reconnects", status.reconnects.load());
  caf::put(out, "retries", status.retries.load());
}

/// Measures one flush for the latency histogram.
class flush_timer {
public:
  explicit flush_timer(store_status& status) : status_(status) {}

  /// Counts the flush as done now.
  void done() {
    std::chrono::duration<double> took = clock::now() - start_;
    status_.count_flush(took.count());
  }

private:
  using clock = std::chrono::steady_clock;
  store_status& status_;
  clock::time_point start_ = clock::now();
};

/// Counts a position sample dropped because the buffer is full; logs one
/// line per 10,000.
inline void count_dropped(store_status& status) {
  auto dropped = ++status.dropped_samples;
  if (dropped % 10000 == 1)
    log::warn("store buffer full: dropping position samples",
              {{"store", status.name}, {"dropped", dropped}});
}

} // namespace av::persistence::detail
