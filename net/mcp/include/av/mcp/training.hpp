#pragma once

#include <deque>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "av/types.hpp"

namespace av::mcp {

/// One finished task with what was known of its agent when it ended: the
/// rows `neural_train` learns from.
struct task_record {
  num_id agent = 0;
  std::string type;
  /// The task's description, which task_orchestrate prefixes with its kind
  /// (`kind: text`); the part before the colon is the task kind.
  std::string task_kind;
  bool success = false;
  int64_t duration_ms = 0;
  /// The agent's last metrics sample before the task ended.
  metrics_sample metrics;
};

/// What the node's event stream says about finished tasks, kept for
/// training. Filled by a bus subscriber; safe from any thread.
class training_log {
public:
  /// Rows kept at most; the oldest go first.
  static constexpr size_t capacity = 20000;

  /// Takes one batch of events.
  void add(const std::vector<event>& events);

  std::vector<task_record> records() const;

  /// Metrics samples per agent, in time order (for clustering).
  std::unordered_map<num_id, std::vector<metrics_sample>> samples() const;

  std::unordered_map<num_id, std::string> types() const;

private:
  mutable std::mutex mtx_;
  std::deque<task_record> records_;
  std::unordered_map<num_id, std::string> types_;
  std::unordered_map<num_id, std::vector<metrics_sample>> samples_;
};

} // namespace av::mcp
