#include "av/telemetry/metric_family.hpp"

namespace av::metrics {

namespace pm = prometheus;

void collect_stores(const std::vector<store_status_ptr>& stores,
                    std::vector<pm::MetricFamily>& out) {
  if (stores.empty())
    return;
  auto counter = pm::MetricType::Counter;
  auto gauge = pm::MetricType::Gauge;
  // One family per series, one sample per store.
  auto per_store
    = [&](const char* name, const char* help, pm::MetricType type, auto value) {
        auto f = family(name, help, type);
        for (const auto& s : stores)
          f.metric.push_back(
            sample({{"store", s->name}}, static_cast<double>(value(*s)), type));
        out.push_back(std::move(f));
      };
  per_store("agentviz_store_connected",
            "1 while the store writer is connected, 0 during an outage.", gauge,
            [](const store_status& s) { return s.up.load() ? 1 : 0; });
  per_store("agentviz_store_buffered",
            "Writes waiting in the store writer's buffer.", gauge,
            [](const store_status& s) { return s.buffered.load(); });
  per_store("agentviz_store_retries_total",
            "Transactions (PostgreSQL) or pipelines (Redis) kept to be tried "
            "again because the connection broke under them.",
            counter, [](const store_status& s) { return s.retries.load(); });
  per_store("agentviz_store_dropped_total",
            "Position samples dropped because the buffer was full.", counter,
            [](const store_status& s) { return s.dropped_samples.load(); });
  per_store("agentviz_store_failed_writes_total",
            "Writes the store refused (logged; not retried).", counter,
            [](const store_status& s) { return s.failed_writes.load(); });
  per_store("agentviz_store_reconnects_total",
            "Connections made again after an outage.", counter,
            [](const store_status& s) { return s.reconnects.load(); });
  auto written
    = family("agentviz_store_written_total",
             "Writes committed (PostgreSQL: rows by table; Redis: commands "
             "by name), by store and kind.",
             counter);
  for (const auto& s : stores)
    for (const auto& [kind, n] : s->written_by_kind())
      written.metric.push_back(sample({{"store", s->name}, {"kind", kind}},
                                      static_cast<double>(n), counter));
  out.push_back(std::move(written));
  auto flush = family("agentviz_store_flush_duration_seconds",
                      "Time a store writer took per transaction (PostgreSQL) "
                      "or pipeline (Redis).",
                      pm::MetricType::Histogram);
  for (const auto& s : stores) {
    pm::ClientMetric h;
    h.label = {{"store", s->name}};
    uint64_t cumulative = 0;
    const auto& bounds = store_status::flush_buckets;
    for (size_t i = 0; i <= bounds.size(); ++i) {
      cumulative += s->flushes[i].load();
      pm::ClientMetric::Bucket b;
      b.cumulative_count = cumulative;
      b.upper_bound = i < bounds.size()
                        ? bounds[i]
                        : std::numeric_limits<double>::infinity();
      h.histogram.bucket.push_back(b);
    }
    h.histogram.sample_count = cumulative;
    h.histogram.sample_sum = static_cast<double>(s->flush_us_sum.load()) / 1e6;
    flush.metric.push_back(std::move(h));
  }
  out.push_back(std::move(flush));
}

} // namespace av::metrics
