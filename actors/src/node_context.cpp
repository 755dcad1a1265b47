#include "av/node_context.hpp"

#include <algorithm>
#include <random>

#include <caf/send.hpp>

namespace av {

namespace {

/// Most events the bus keeps room for between batches.
constexpr size_t max_reserved_events = 4096;

} // namespace

void event_bus::attach(bus_actor wake) {
  bus_actor waiting;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    wake_ = std::move(wake);
    if (!pending_.empty())
      waiting = wake_;
  }
  // Events published before the bus actor attached found no one to wake.
  if (waiting)
    caf::anon_send(waiting, atom::flush::value);
}

bool changes_listings(const event& ev) {
  switch (ev.kind()) {
    case event_kind::agent_state:
    case event_kind::node_joined:
    case event_kind::node_left: return true;
    // This node's own come and go with the directory.
    case event_kind::agent_spawned:
    case event_kind::agent_terminated: return !ev.node.empty();
    default: return false;
  }
}

void event_bus::publish(event_payload payload, int64_t time_ms,
                        std::string node) {
  bus_actor wake;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    if (pending_.empty())
      wake = wake_;
    pending_.push_back(
      event{++seq_, time_ms, std::move(payload), std::move(node)});
    if (changes_listings(pending_.back()))
      state_seq_ = seq_;
  }
  // One wake-up per batch: later publishers find the queue non-empty.
  if (wake)
    caf::anon_send(wake, atom::flush::value);
}

std::vector<event> event_bus::take() {
  std::vector<event> result;
  std::lock_guard<std::mutex> guard{mtx_};
  // The next batch is likely as large as this one: room for it up front
  // spares publishers the reallocations (and event moves) of regrowing.
  result.reserve(std::min(pending_.size(), max_reserved_events));
  result.swap(pending_);
  return result;
}

uint64_t event_bus::last_seq() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return seq_;
}

uint64_t event_bus::last_state_seq() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return state_seq_;
}

void directory::put(num_id id, agent_actor handle) {
  std::unique_lock<std::shared_mutex> guard{mtx_};
  map_[id] = std::move(handle);
  generation_.fetch_add(1, std::memory_order_release);
}

void directory::erase(num_id id) {
  std::unique_lock<std::shared_mutex> guard{mtx_};
  if (map_.erase(id) > 0)
    generation_.fetch_add(1, std::memory_order_release);
}

agent_actor directory::find(num_id id) const {
  std::shared_lock<std::shared_mutex> guard{mtx_};
  auto i = map_.find(id);
  return i != map_.end() ? i->second : agent_actor{};
}

size_t directory::size() const {
  std::shared_lock<std::shared_mutex> guard{mtx_};
  return map_.size();
}

std::vector<num_id> directory::numbers() const {
  std::shared_lock<std::shared_mutex> guard{mtx_};
  std::vector<num_id> result;
  result.reserve(map_.size());
  for (auto& kvp : map_)
    result.push_back(kvp.first);
  return result;
}

agent_actor route_cache::find(const directory& dir, num_id id) {
  auto gen = dir.generation();
  if (gen != generation_) {
    cache_.clear();
    generation_ = gen;
  }
  auto i = cache_.find(id);
  if (i != cache_.end())
    return i->second;
  auto handle = dir.find(id);
  if (handle)
    cache_.emplace(id, handle);
  return handle;
}

int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch())
    .count();
}

int64_t now_ns() {
  using namespace std::chrono;
  return duration_cast<nanoseconds>(system_clock::now().time_since_epoch())
    .count();
}

std::string make_uuid() {
  thread_local std::mt19937_64 gen{std::random_device{}()};
  uint64_t hi = gen();
  uint64_t lo = gen();
  hi = (hi & 0xFFFFFFFFFFFF0FFFull) | 0x0000000000004000ull; // version 4
  lo = (lo & 0x3FFFFFFFFFFFFFFFull) | 0x8000000000000000ull; // variant 1
  char buf[37];
  snprintf(buf, sizeof(buf), "%08x-%04x-%04x-%04x-%012llx",
           static_cast<unsigned>(hi >> 32),
           static_cast<unsigned>((hi >> 16) & 0xFFFF),
           static_cast<unsigned>(hi & 0xFFFF), static_cast<unsigned>(lo >> 48),
           static_cast<unsigned long long>(lo & 0xFFFFFFFFFFFFull));
  return buf;
}

bool is_uuid(std::string_view str) {
  if (str.size() != 36)
    return false;
  for (size_t i = 0; i < str.size(); ++i) {
    auto c = str[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-')
        return false;
    } else if (!isxdigit(static_cast<unsigned char>(c))) {
      return false;
    }
  }
  return true;
}

void store_status::count_written(const std::string& kind, uint64_t n) {
  written += n;
  std::lock_guard<std::mutex> guard{kinds_mtx_};
  kinds_[kind] += n;
}

void store_status::count_flush(double seconds) {
  size_t i = 0;
  while (i < flush_buckets.size() && seconds > flush_buckets[i])
    ++i;
  ++flushes[i];
  flush_us_sum += static_cast<uint64_t>(seconds * 1e6);
}

std::map<std::string, uint64_t> store_status::written_by_kind() const {
  std::lock_guard<std::mutex> guard{kinds_mtx_};
  return kinds_;
}

} // namespace av
