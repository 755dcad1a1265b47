#pragma once

#include <vector>

#include "av/types.hpp"

namespace av {

/// Trend of a series by the seed's rule: the mean of the last 10 values
/// against the mean of the 10 before; a change above +10 % is increasing,
/// below -10 % decreasing. Fewer than 2 values, no earlier window, a zero
/// earlier mean or any non-finite mean gives stable (never NaN).
trend compute_trend(const std::vector<double>& values);

/// Trends of success rate, response time and utilization over `history`
/// (oldest first).
metric_trends compute_trends(const std::vector<metrics_sample>& history);

/// Returns the name of the first field of `x` that is out of range (NaN,
/// negative, or a share above 1), or nullptr when all are valid.
const char* invalid_field(const metrics_sample& x);

} // namespace av
