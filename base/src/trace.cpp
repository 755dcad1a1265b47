#include "av/base/trace.hpp"

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <random>
#include <unordered_map>

namespace av::tracing {

namespace {

template <std::size_t N>
std::array<std::uint8_t, N> random_id() {
  thread_local std::mt19937_64 gen{std::random_device{}()};
  std::array<std::uint8_t, N> result{};
  do {
    for (std::size_t i = 0; i < N; i += 8) {
      auto bits = gen();
      for (std::size_t j = 0; j < 8 && i + j < N; ++j)
        result[i + j] = static_cast<std::uint8_t>(bits >> (8 * j));
    }
  } while (result == std::array<std::uint8_t, N>{});
  return result;
}

using sink_fn = std::function<void(span)>;

std::atomic<bool> sink_set{false};
std::mutex sink_mtx;
std::shared_ptr<const sink_fn> the_sink;

std::mutex bound_mtx;
std::unordered_map<std::uint64_t, context> bound;

} // namespace

trace_id new_trace_id() {
  return random_id<16>();
}

span_id new_span_id() {
  return random_id<8>();
}

std::uint64_t now_ns() {
  return static_cast<std::uint64_t>(
    std::chrono::duration_cast<std::chrono::nanoseconds>(
      std::chrono::system_clock::now().time_since_epoch())
      .count());
}

void set_sink(std::function<void(span)> sink) {
  std::lock_guard<std::mutex> guard{sink_mtx};
  sink_set = static_cast<bool>(sink);
  the_sink = sink ? std::make_shared<const sink_fn>(std::move(sink)) : nullptr;
  if (!sink_set) {
    std::lock_guard<std::mutex> guard2{bound_mtx};
    bound.clear();
  }
}

bool on() {
  return sink_set.load(std::memory_order_relaxed);
}

void record(span x) {
  if (!on())
    return;
  std::shared_ptr<const sink_fn> sink;
  {
    std::lock_guard<std::mutex> guard{sink_mtx};
    sink = the_sink;
  }
  if (sink)
    (*sink)(std::move(x));
}

void bind(std::uint64_t actor, const context& ctx) {
  if (!on())
    return;
  std::lock_guard<std::mutex> guard{bound_mtx};
  bound[actor] = ctx;
}

void unbind(std::uint64_t actor) {
  std::lock_guard<std::mutex> guard{bound_mtx};
  bound.erase(actor);
}

std::optional<context> bound_to(std::uint64_t actor) {
  if (!on())
    return std::nullopt;
  std::lock_guard<std::mutex> guard{bound_mtx};
  auto i = bound.find(actor);
  if (i == bound.end())
    return std::nullopt;
  return i->second;
}

} // namespace av::tracing
