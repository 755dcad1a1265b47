#include "av/ws/outbox.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "av/http/api_call.hpp"

namespace av::ws {

namespace {

/// Tells the viewer from where to rebuild after its events were dropped.
outbox::payload resync_message(uint64_t seq, size_t max_queued_events) {
  nlohmann::json msg{
    {"type", "resync"},
    {"seq", seq},
    {"reason", "the session fell more than " + std::to_string(max_queued_events)
                 + " events behind; rebuild from GET /api/snapshot "
                   "and apply events after its seq"}};
  return std::make_shared<const std::string>(http::dump(msg));
}

} // namespace

outbox::outbox(size_t max_queued_events, uint32_t max_resyncs)
  : max_queued_events_(max_queued_events), max_resyncs_(max_resyncs) {}

outbox::verdict outbox::add_events(const std::vector<payload>& xs,
                                   uint64_t last_seq) {
  if (queued_events_ + xs.size() > max_queued_events_) {
    // Never drop silently: the viewer learns from where to rebuild.
    clear_events();
    if (++resyncs_in_row_ > max_resyncs_)
      return verdict::too_slow;
    queue_.push_back(message{resync_message(last_seq, max_queued_events_)});
    return verdict::resync;
  }
  for (auto& x : xs)
    queue_.push_back(message{x, false, 1});
  queued_events_ += xs.size();
  return verdict::queued;
}

void outbox::add_control(payload x) {
  queue_.push_back(message{std::move(x)});
}

size_t outbox::add_frame(uint64_t frame, payload x) {
  size_t dropped = 0;
  if (!frames_.empty() && frame_ != frame) {
    dropped = frames_.size();
    frames_.clear();
  }
  frame_ = frame;
  frames_.push_back(std::move(x));
  return dropped;
}

bool outbox::take(std::vector<message>& batch, size_t limit) {
  bool took = false;
  message next;
  while (batch.size() < limit && pick(next)) {
    batch.push_back(std::move(next));
    took = true;
  }
  return took;
}

void outbox::caught_up() {
  resyncs_in_row_ = 0;
}

void outbox::drop_frames() {
  frames_.clear();
}

size_t outbox::clear() {
  auto dropped = clear_events();
  queue_.clear();
  frames_.clear();
  return dropped;
}

bool outbox::pick(message& next) {
  if (!frames_.empty() && !last_was_frame_) {
    // The newest frame overtakes queued events: a viewer that fell behind
    // sees current positions. Turns alternate, so events still progress.
    next = message{std::move(frames_.front()), true};
    frames_.erase(frames_.begin());
  } else if (!queue_.empty() && queue_.front().events > 0) {
    next = take_events();
  } else if (!queue_.empty()) {
    next = std::move(queue_.front());
    queue_.pop_front();
  } else if (!frames_.empty()) {
    next = message{std::move(frames_.front()), true};
    frames_.erase(frames_.begin());
  } else {
    return false;
  }
  last_was_frame_ = next.binary;
  return true;
}

outbox::message outbox::take_events() {
  message first = std::move(queue_.front());
  queue_.pop_front();
  --queued_events_;
  auto fits = [this](size_t size) {
    return !queue_.empty() && queue_.front().events > 0
           && size + queue_.front().data->size() + 2 <= max_coalesced_bytes;
  };
  if (!fits(first.data->size()))
    return first;
  // Events that piled up while a write was in flight go out as one array:
  // one write instead of many keeps a busy swarm's stream cheap.
  auto merged = std::make_shared<std::string>();
  *merged += '[';
  *merged += *first.data;
  uint32_t n = 1;
  while (fits(merged->size())) {
    *merged += ',';
    *merged += *queue_.front().data;
    queue_.pop_front();
    --queued_events_;
    ++n;
  }
  *merged += ']';
  return message{std::move(merged), false, n};
}

size_t outbox::clear_events() {
  auto before = queue_.size();
  queue_.erase(std::remove_if(queue_.begin(), queue_.end(),
                              [](const message& x) { return x.events > 0; }),
               queue_.end());
  queued_events_ = 0;
  return before - queue_.size();
}

} // namespace av::ws
