#pragma once

#include <functional>
#include <limits>
#include <string>
#include <vector>

#include <prometheus/client_metric.h>
#include <prometheus/metric_family.h>

#include "av/node_context.hpp"

namespace av::metrics {

/// Adds series computed at scrape time to `out`; modules above telemetry
/// (the WebSocket stream) hand one to `telemetry::watch`.
using collector = std::function<void(std::vector<prometheus::MetricFamily>&)>;

/// An empty family of samples, for series computed at scrape time.
prometheus::MetricFamily family(std::string name, std::string help,
                                prometheus::MetricType type);

/// One sample of a counter or gauge.
prometheus::ClientMetric
sample(std::vector<prometheus::ClientMetric::Label> labels, double value,
       prometheus::MetricType type);

/// The store writers' series (connected, buffered, written by kind,
/// retries, drops, reconnects, flush latency), one per store.
void collect_stores(const std::vector<store_status_ptr>& stores,
                    std::vector<prometheus::MetricFamily>& out);

} // namespace av::metrics
