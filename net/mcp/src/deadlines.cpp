#include "av/mcp/deadlines.hpp"

#include <vector>

#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>

#include "av/node_context.hpp"

namespace av::mcp {

namespace {

uint64_t ticks(call_deadlines::clock::time_point t) {
  return static_cast<uint64_t>(t.time_since_epoch().count());
}

struct timer_data {
  static inline const char* name = "mcp_deadlines";
  uint64_t processed = 0;
};

} // namespace

call_deadlines::call_deadlines(caf::actor_system& sys) {
  timer_
    = sys.spawn([this](deadline_timer_actor::stateful_pointer<timer_data> self)
                  -> deadline_timer_actor::behavior_type {
        return {
          [=](atom::timeout, uint64_t at) {
            ++self->state.processed;
            wake(clock::time_point{clock::duration{at}});
          },
          [=](atom::status, status_verbosity) {
            return status_header(self, "mcp_deadlines", "mcp_deadlines",
                                 std::to_string(size())
                                   + " tool calls with a deadline",
                                 self->state.processed);
          },
        };
      });
}

void call_deadlines::add(uint64_t call, clock::time_point at,
                         std::function<void()> expire) {
  std::lock_guard<std::mutex> guard{mtx_};
  auto due = order_.emplace(at, call);
  calls_.emplace(call, entry{due, std::move(expire)});
  arm(clock::now());
}

void call_deadlines::remove(uint64_t call) {
  std::lock_guard<std::mutex> guard{mtx_};
  auto i = calls_.find(call);
  if (i == calls_.end())
    return;
  order_.erase(i->second.due);
  calls_.erase(i);
}

size_t call_deadlines::size() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return calls_.size();
}

void call_deadlines::stop() {
  caf::anon_send_exit(timer_, caf::exit_reason::user_shutdown);
}

void call_deadlines::wake(clock::time_point at) {
  std::vector<std::function<void()>> due;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    // An older message, for a deadline removed since, leaves the armed one.
    if (armed_ == at)
      armed_.reset();
    auto now = clock::now();
    while (!order_.empty() && order_.begin()->first <= now) {
      auto i = calls_.find(order_.begin()->second);
      due.push_back(std::move(i->second.expire));
      calls_.erase(i);
      order_.erase(order_.begin());
    }
    arm(now);
  }
  // Outside the lock: an expiry answers its call, which removes nothing
  // more here but may add.
  for (auto& f : due)
    f();
}

void call_deadlines::arm(clock::time_point now) {
  if (order_.empty())
    return;
  auto next = order_.begin()->first;
  if (armed_ && *armed_ <= next)
    return;
  armed_ = next;
  auto delay = std::max(clock::duration::zero(), next - now);
  caf::delayed_anon_send(timer_,
                         std::chrono::duration_cast<caf::timespan>(delay),
                         atom::timeout::value, ticks(next));
}

} // namespace av::mcp
