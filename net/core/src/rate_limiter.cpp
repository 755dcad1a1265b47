#include "av/net/rate_limiter.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

namespace av::net {

rate_limiter::rate_limiter(uint32_t max_requests,
                           std::chrono::milliseconds window, size_t max_clients)
  : capacity_(std::max<uint32_t>(max_requests, 1)),
    rate_(capacity_ / std::max<double>(1.0, window.count())),
    max_clients_(std::max<size_t>(max_clients, 1)) {
  // nop
}

std::chrono::milliseconds rate_limiter::admit(const std::string& client,
                                              clock::time_point now) {
  std::lock_guard<std::mutex> guard{mtx_};
  auto i = buckets_.find(client);
  if (i == buckets_.end()) {
    if (buckets_.size() >= max_clients_)
      prune(now);
    i = buckets_.emplace(client, bucket{capacity_, now}).first;
  }
  auto& b = i->second;
  auto elapsed
    = std::chrono::duration<double, std::milli>(now - b.updated).count();
  if (elapsed > 0) {
    b.tokens = std::min(capacity_, b.tokens + elapsed * rate_);
    b.updated = now;
  }
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return std::chrono::milliseconds{0};
  }
  auto wait = std::ceil((1.0 - b.tokens) / rate_);
  return std::chrono::milliseconds{static_cast<int64_t>(std::max(1.0, wait))};
}

size_t rate_limiter::clients() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return buckets_.size();
}

void rate_limiter::prune(clock::time_point now) {
  for (auto i = buckets_.begin(); i != buckets_.end();) {
    auto elapsed
      = std::chrono::duration<double, std::milli>(now - i->second.updated)
          .count();
    if (i->second.tokens + elapsed * rate_ >= capacity_)
      i = buckets_.erase(i);
    else
      ++i;
  }
  // Still full of active clients: forget the oldest half rather than grow.
  if (buckets_.size() >= max_clients_) {
    std::vector<clock::time_point> times;
    times.reserve(buckets_.size());
    for (auto& kvp : buckets_)
      times.push_back(kvp.second.updated);
    auto mid = times.begin() + times.size() / 2;
    std::nth_element(times.begin(), mid, times.end());
    auto cutoff = *mid;
    for (auto i = buckets_.begin(); i != buckets_.end();)
      i = i->second.updated <= cutoff ? buckets_.erase(i) : std::next(i);
  }
}

} // namespace av::net
