#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "av/base/parsed.hpp"
#include "av/mcp/training.hpp"

/// The models behind `neural_train`, trained on what the node recorded.
/// Each reports its quality on a held-out split and refuses to train on too
/// little history. docs/mcp.md describes them.
namespace av::mcp::neural {

struct options {
  uint32_t epochs = 200;
  uint32_t clusters = 3;
  /// Share of the rows held out for measuring quality.
  double test_fraction = 0.2;
  uint64_t seed = 42;
  /// optimization: only this task kind; empty for all.
  std::string task_kind;
};

/// Finished tasks needed before `decision` or `optimization` trains.
constexpr size_t min_tasks = 20;

/// Logistic regression: P(task succeeds | agent type, recent metrics).
parsed<nlohmann::json> train_decision(const std::vector<task_record>& rows,
                                      const options& opt);

/// k-means over per-agent behaviour (success rate, response time,
/// utilization, throughput), standardised.
parsed<nlohmann::json> train_pattern(
  const std::unordered_map<num_id, std::vector<metrics_sample>>& samples,
  const std::unordered_map<num_id, std::string>& types, const options& opt);

/// Per task kind: agent types and agents ranked by smoothed success rate,
/// then mean duration.
parsed<nlohmann::json> train_optimization(const std::vector<task_record>& rows,
                                          const options& opt);

} // namespace av::mcp::neural
