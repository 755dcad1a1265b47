#pragma once

#include <limits>
#include <string>
#include <vector>

#include <prometheus/client_metric.h>
#include <prometheus/metric_family.h>

#include "av/node_context.hpp"
#include "av/ws_hub.hpp"

namespace av::metrics {

/// An empty family of samples, for series computed at scrape time.
prometheus::MetricFamily family(std::string name, std::string help,
                                prometheus::MetricType type);

/// One sample of a counter or gauge.
prometheus::ClientMetric
sample(std::vector<prometheus::ClientMetric::Label> labels, double value,
       prometheus::MetricType type);

/// The WebSocket stream's series (sessions, frames, bytes, coalesced
/// frames, queued events, resyncs, closes by reason) from its counters.
void collect_stream(ws_stats& stats,
                    std::vector<prometheus::MetricFamily>& out);

/// The store writers' series (connected, buffered, written by kind,
/// retries, drops, reconnects, flush latency), one per store.
void collect_stores(const std::vector<store_status_ptr>& stores,
                    std::vector<prometheus::MetricFamily>& out);

} // namespace av::metrics
