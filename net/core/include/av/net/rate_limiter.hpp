#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

namespace av::net {

/// Token buckets per client: each holds up to `max_requests` tokens and
/// refills at `max_requests` per `window`, so a client gets its budget in a
/// burst and then a steady rate. Safe to call from any thread.
class rate_limiter {
public:
  using clock = std::chrono::steady_clock;

  rate_limiter(uint32_t max_requests, std::chrono::milliseconds window,
               size_t max_clients = 100000);

  /// Takes a token for `client`. Returns zero when admitted, otherwise how
  /// long until the next token.
  std::chrono::milliseconds admit(const std::string& client,
                                  clock::time_point now = clock::now());

  /// Number of clients tracked.
  size_t clients() const;

private:
  struct bucket {
    double tokens;
    clock::time_point updated;
  };

  /// Drops buckets that have refilled completely (they hold nothing a fresh
  /// bucket would not).
  void prune(clock::time_point now);

  double capacity_;
  /// Tokens per millisecond.
  double rate_;
  size_t max_clients_;
  mutable std::mutex mtx_;
  std::unordered_map<std::string, bucket> buckets_;
};

} // namespace av::net
