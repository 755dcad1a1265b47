#include "av/telemetry/metric_family.hpp"

namespace av::metrics {

namespace pm = prometheus;

pm::MetricFamily family(std::string name, std::string help,
                        pm::MetricType type) {
  pm::MetricFamily result;
  result.name = std::move(name);
  result.help = std::move(help);
  result.type = type;
  return result;
}

pm::ClientMetric sample(std::vector<pm::ClientMetric::Label> labels,
                        double value, pm::MetricType type) {
  pm::ClientMetric result;
  result.label = std::move(labels);
  if (type == pm::MetricType::Counter)
    result.counter.value = value;
  else
    result.gauge.value = value;
  return result;
}

} // namespace av::metrics
