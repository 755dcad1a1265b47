#include "av/metrics.hpp"

#include <cmath>

namespace av {

namespace {

constexpr size_t window = 10;
constexpr double threshold = 0.1;

double mean(std::vector<double>::const_iterator first,
            std::vector<double>::const_iterator last) {
  double sum = 0;
  auto n = std::distance(first, last);
  for (; first != last; ++first)
    sum += *first;
  return sum / static_cast<double>(n);
}

template <class F>
trend trend_of(const std::vector<metrics_sample>& history, F field) {
  std::vector<double> values;
  values.reserve(history.size());
  for (auto& x : history)
    values.push_back(field(x));
  return compute_trend(values);
}

} // namespace

trend compute_trend(const std::vector<double>& values) {
  if (values.size() < 2)
    return trend::stable;
  auto end = values.end();
  auto recent_begin = values.size() > window ? end - window : values.begin();
  if (recent_begin == values.begin())
    return trend::stable; // no earlier window to compare with
  auto older_begin = recent_begin - values.begin() > ptrdiff_t{window}
                       ? recent_begin - window
                       : values.begin();
  auto recent = mean(recent_begin, end);
  auto older = mean(older_begin, recent_begin);
  if (!std::isfinite(recent) || !std::isfinite(older) || older == 0)
    return trend::stable;
  auto change = (recent - older) / std::fabs(older);
  if (change > threshold)
    return trend::increasing;
  if (change < -threshold)
    return trend::decreasing;
  return trend::stable;
}

metric_trends compute_trends(const std::vector<metrics_sample>& history) {
  metric_trends result;
  result.success_rate
    = trend_of(history, [](auto& x) { return x.success_rate; });
  result.response_time
    = trend_of(history, [](auto& x) { return x.avg_response_ms; });
  result.utilization
    = trend_of(history, [](auto& x) { return x.resource_utilization; });
  return result;
}

const char* invalid_field(const metrics_sample& x) {
  auto bad = [](double v) {
    return !std::isfinite(v) || v < 0;
  };
  if (bad(x.tasks_completed))
    return "tasksCompleted";
  if (bad(x.success_rate) || x.success_rate > 1)
    return "successRate";
  if (bad(x.avg_response_ms))
    return "averageResponseTime";
  if (bad(x.resource_utilization) || x.resource_utilization > 1)
    return "resourceUtilization";
  if (x.time_ms < 0)
    return "timestamp";
  return nullptr;
}

} // namespace av
