#define CAF_SUITE actors.metrics
#include "caf/test/unit_test.hpp"
#include "caf_checks.hpp"

#include <cmath>
#include <limits>

#include "av/metrics.hpp"

using namespace av;

namespace {

std::vector<double> series(size_t older_n, double older, size_t recent_n,
                           double recent) {
  std::vector<double> xs(older_n, older);
  xs.insert(xs.end(), recent_n, recent);
  return xs;
}

} // namespace

CAF_TEST(fewer than two samples are stable) {
  CAF_CHECK_EQUAL(compute_trend({}), trend::stable);
  CAF_CHECK_EQUAL(compute_trend({5.0}), trend::stable);
}

CAF_TEST(no earlier window is stable rather than NaN) {
  CAF_CHECK_EQUAL(compute_trend(series(0, 0, 10, 7)), trend::stable);
  CAF_CHECK_EQUAL(compute_trend({1.0, 100.0}), trend::stable);
}

CAF_TEST(the last ten against the ten before) {
  CAF_CHECK_EQUAL(compute_trend(series(10, 100, 10, 111)), trend::increasing);
  CAF_CHECK_EQUAL(compute_trend(series(10, 100, 10, 89)), trend::decreasing);
  CAF_CHECK_EQUAL(compute_trend(series(10, 100, 10, 105)), trend::stable);
  // Exactly 10 % is not above the threshold.
  CAF_CHECK_EQUAL(compute_trend(series(10, 100, 10, 110)), trend::stable);
  CAF_CHECK_EQUAL(compute_trend(series(10, 100, 10, 90)), trend::stable);
}

CAF_TEST(only twenty values count) {
  // Old values beyond the last 20 must not influence the result.
  auto xs = series(50, 1000, 10, 100);
  xs.insert(xs.end(), 10, 100);
  CAF_CHECK_EQUAL(compute_trend(xs), trend::stable);
}

CAF_TEST(a short earlier window still compares) {
  // 11 values: the earlier window is the first value alone.
  CAF_CHECK_EQUAL(compute_trend(series(1, 50, 10, 100)), trend::increasing);
}

CAF_TEST(zero base and non finite values are stable) {
  CAF_CHECK_EQUAL(compute_trend(series(10, 0, 10, 5)), trend::stable);
  auto nan = std::numeric_limits<double>::quiet_NaN();
  CAF_CHECK_EQUAL(compute_trend(series(10, nan, 10, 5)), trend::stable);
  auto inf = std::numeric_limits<double>::infinity();
  CAF_CHECK_EQUAL(compute_trend(series(10, 1, 10, inf)), trend::stable);
}

CAF_TEST(trends per metric) {
  std::vector<metrics_sample> history;
  for (int i = 0; i < 20; ++i) {
    metrics_sample x;
    x.success_rate = i < 10 ? 0.5 : 0.9;
    x.avg_response_ms = i < 10 ? 200 : 100;
    x.resource_utilization = 0.4;
    history.push_back(x);
  }
  auto t = compute_trends(history);
  CAF_CHECK_EQUAL(t.success_rate, trend::increasing);
  CAF_CHECK_EQUAL(t.response_time, trend::decreasing);
  CAF_CHECK_EQUAL(t.utilization, trend::stable);
}

CAF_TEST(invalid metric fields are named) {
  metrics_sample x;
  CAF_CHECK_EQUAL(invalid_field(x), nullptr);
  x.success_rate = 1.5;
  CAF_CHECK_EQUAL(std::string{invalid_field(x)}, "successRate");
  x.success_rate = 0.5;
  x.resource_utilization = std::nan("");
  CAF_CHECK_EQUAL(std::string{invalid_field(x)}, "resourceUtilization");
  x.resource_utilization = 0;
  x.avg_response_ms = -1;
  CAF_CHECK_EQUAL(std::string{invalid_field(x)}, "averageResponseTime");
}
