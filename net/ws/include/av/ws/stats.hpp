#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "av/ws/frame.hpp"

namespace av {

/// A counter that every I/O thread adds to for every message it writes:
/// each thread adds to a slot on a cache line of its own, so that the
/// threads do not pass one line back and forth; reading sums the slots.
class spread_counter {
public:
  void add(uint64_t n) noexcept {
    slots_[slot_of_thread()].n.fetch_add(n, std::memory_order_relaxed);
  }

  uint64_t load() const noexcept {
    uint64_t sum = 0;
    for (auto& s : slots_)
      sum += s.n.load(std::memory_order_relaxed);
    return sum;
  }

private:
  static constexpr size_t slots = 8;

  struct alignas(64) slot {
    std::atomic<uint64_t> n{0};
  };

  static size_t slot_of_thread() noexcept {
    static std::atomic<size_t> next{0};
    thread_local size_t mine = next.fetch_add(1) % slots;
    return mine;
  }

  std::array<slot, slots> slots_;
};

/// Counters of the WebSocket layer, shared by the sessions and read by the
/// hub's status answer.
struct ws_stats {
  std::atomic<uint64_t> sessions_open{0};
  std::atomic<uint64_t> sessions_total{0};
  spread_counter frames_sent;
  spread_counter events_sent;
  spread_counter bytes_sent;
  std::atomic<uint64_t> frames_coalesced{0};
  std::atomic<uint64_t> frames_skipped{0};
  std::atomic<uint64_t> events_queued{0};
  std::atomic<int64_t> events_pending{0};
  std::atomic<uint64_t> resyncs{0};
  std::atomic<uint64_t> commands{0};
  std::atomic<uint64_t> bad_messages{0};
  /// Writes the I/O threads made through io_uring, and the submissions
  /// (system calls) that made them.
  std::atomic<uint64_t> ring_writes{0};
  std::atomic<uint64_t> ring_submissions{0};
  /// Frame payloads the hub encoded, by `ws::frame_format`: at most one
  /// per format, tick part and filter group that needs it.
  std::array<std::atomic<uint64_t>, ws::frame_formats> frame_payloads{};
  std::mutex mtx;
  std::map<std::string, uint64_t> closes;

  void closed(const std::string& reason) {
    std::lock_guard<std::mutex> guard{mtx};
    ++closes[reason];
  }

  uint64_t closes_of(const std::string& reason) {
    std::lock_guard<std::mutex> guard{mtx};
    auto i = closes.find(reason);
    return i != closes.end() ? i->second : 0;
  }
};

using ws_stats_ptr = std::shared_ptr<ws_stats>;

} // namespace av
