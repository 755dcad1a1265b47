#include "av/redis_command_queue.hpp"

#include <algorithm>

namespace av::persistence::detail {

const char* kind_name(command_kind x) {
  switch (x) {
    case command_kind::hset: return "hset";
    case command_kind::zadd: return "zadd";
    case command_kind::zremrangebyrank: return "zremrangebyrank";
    case command_kind::publish: return "publish";
  }
  return "unknown";
}

command_queue::command_queue(size_t max_pipeline)
  : max_pipeline_(std::max<size_t>(max_pipeline, 1)) {}

resp_writer command_queue::start(command_kind kind, size_t args) {
  if (pipelines_.empty() || pipelines_.back().commands >= max_pipeline_) {
    // As large as the one before: growing step by step would copy the
    // bytes again and again while a backlog builds up.
    auto expected = pipelines_.empty() ? 0 : pipelines_.back().bytes.size();
    auto& next = pipelines_.emplace_back();
    next.bytes.swap(spare_);
    next.bytes.reserve(expected);
  }
  auto& back = pipelines_.back();
  ++back.commands;
  ++back.by_kind[static_cast<size_t>(kind)];
  ++size_;
  resp_writer out{back.bytes};
  out.begin(args);
  return out;
}

void command_queue::pop_front() {
  auto& done = pipelines_.front();
  size_ -= done.commands;
  if (done.bytes.capacity() > spare_.capacity()) {
    done.bytes.clear();
    spare_.swap(done.bytes);
  }
  pipelines_.pop_front();
}

} // namespace av::persistence::detail
