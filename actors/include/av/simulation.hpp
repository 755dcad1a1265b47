#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace av {

/// How a simulated agent of one type behaves.
struct agent_profile {
  std::string_view type;
  /// Mean task duration in milliseconds.
  int64_t mean_task_ms;
  /// Probability that a task fails.
  double failure_rate;
  /// Probability of voting yes on a proposal.
  double yes_rate;
};

/// The realistic agent types of the demo swarm.
const std::vector<agent_profile>& agent_profiles();

/// The profile of `type`, or a generic one for unknown types.
const agent_profile& profile_of(std::string_view type);

} // namespace av
