#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>

#include "av/resp_writer.hpp"

namespace av::persistence::detail {

/// The commands the Redis writer sends, counted by kind in its metrics.
enum class command_kind : uint8_t { hset, zadd, zremrangebyrank, publish };

constexpr size_t command_kinds = 4;

/// The metric label of `x`: "hset", "zadd", ...
const char* kind_name(command_kind x);

/// Encoded commands waiting for Redis, cut into pipelines of at most a given
/// number of commands; they stay until written, so an outage loses none.
class command_queue {
public:
  /// Commands of one round trip, in RESP.
  struct pipeline {
    std::string bytes;
    size_t commands = 0;
    std::array<size_t, command_kinds> by_kind{};
  };

  explicit command_queue(size_t max_pipeline);

  /// Starts a command of `args` arguments (its name included); the caller
  /// writes them to the returned writer.
  resp_writer start(command_kind kind, size_t args);

  /// Appends a command of `kind`: its name and arguments, strings or
  /// integers.
  template <class... Ts>
  void push(command_kind kind, const Ts&... args) {
    auto out = start(kind, sizeof...(Ts));
    (out.arg(args), ...);
  }

  /// Commands waiting.
  size_t size() const { return size_; }

  bool empty() const { return size_ == 0; }

  /// The oldest pipeline; only when not empty.
  const pipeline& front() const { return pipelines_.front(); }

  /// Forgets the oldest pipeline (written).
  void pop_front();

private:
  size_t max_pipeline_;
  size_t size_ = 0;
  std::deque<pipeline> pipelines_;
  // The bytes of a written pipeline, kept for their capacity.
  std::string spare_;
};

} // namespace av::persistence::detail
