#include "av/telemetry/telemetry.hpp"

#include <cmath>
#include <limits>
#include <map>
#include <mutex>
#include <stdexcept>
#include <thread>

#include <caf/scoped_actor.hpp>
#include <prometheus/collectable.h>
#include <prometheus/counter.h>
#include <prometheus/exposer.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include "av/physics.hpp"
#include "av/telemetry/metric_family.hpp"

namespace av {

namespace {

namespace pm = prometheus;

/// How long a scrape waits for each actor's answer.
constexpr std::chrono::milliseconds scrape_timeout{1000};

/// A number from a status answer: integers and reals alike; 0 when absent.
double number(const caf::settings& xs, const std::string& key) {
  if (auto x = caf::get_if<int64_t>(&xs, key))
    return static_cast<double>(*x);
  if (auto x = caf::get_if<double>(&xs, key))
    return *x;
  return 0;
}

using metrics::family;
using metrics::sample;

/// One sample per entry of the status map `key` (a name → count map such
/// as `events_by_kind`), labelled `label`="name". Returns whether the
/// answer has that map.
bool samples_by(const caf::settings& xs, const std::string& key,
                const std::string& label, pm::MetricFamily& into) {
  auto by = caf::get_if<caf::settings>(&xs, key);
  if (!by)
    return false;
  for (auto& [name, value] : *by)
    if (auto n = caf::get_if<int64_t>(&value))
      into.metric.push_back(
        sample({{label, name}}, static_cast<double>(*n), into.type));
  return true;
}

/// Reads the actors' STATUS answers on each scrape.
class node_collector : public pm::Collectable {
public:
  caf::actor_system* sys = nullptr;
  telemetry_sources src;

  void add(status_actor x) {
    std::lock_guard<std::mutex> guard{mtx_};
    more_.push_back(std::move(x));
  }

  std::vector<pm::MetricFamily> Collect() const override {
    std::vector<pm::MetricFamily> result;
    caf::scoped_actor self{*sys};
    auto ask = [&](const status_actor& who, caf::settings& out) {
      bool ok = false;
      self
        ->request(who, scrape_timeout, atom::status::value,
                  status_verbosity::detailed)
        .receive(
          [&](caf::settings& xs) {
            out = std::move(xs);
            ok = true;
          },
          [&](caf::error&) {
            // The actor is gone or busy: its series are left out.
          });
      return ok;
    };
    auto processed = family("agentviz_actor_messages_processed_total",
                            "Messages processed by the node's actors, by "
                            "actor kind.",
                            pm::MetricType::Counter);
    auto mailbox = family("agentviz_actor_mailbox_depth",
                          "Messages waiting in the node's actors' mailboxes, "
                          "by actor kind.",
                          pm::MetricType::Gauge);
    std::map<std::string, std::pair<double, double>> by_kind;
    auto account = [&](const caf::settings& xs) {
      auto kind = caf::get_or(xs, "kind", std::string{"unknown"});
      by_kind[kind].first += number(xs, "processed");
      by_kind[kind].second += number(xs, "mailbox");
    };
    caf::settings xs;
    if (ask(caf::actor_cast<status_actor>(src.registry), xs)) {
      account(xs);
      collect_registry(xs, result);
      collect_agents(self, result);
    }
    if (ask(caf::actor_cast<status_actor>(src.physics), xs)) {
      account(xs);
      collect_physics(xs, result);
    }
    auto others = src.others;
    {
      std::lock_guard<std::mutex> guard{mtx_};
      others.insert(others.end(), more_.begin(), more_.end());
    }
    auto capacity = family("agentviz_store_buffer_capacity",
                           "Writes the store writer's buffer holds before "
                           "changes are refused (WRITE_BUFFER_SIZE).",
                           pm::MetricType::Gauge);
    auto nodes = family("agentviz_cluster_nodes",
                        "Nodes of the cluster this node knows, itself "
                        "included, by state (up, unreachable).",
                        pm::MetricType::Gauge);
    for (auto& other : others)
      if (ask(other, xs)) {
        account(xs);
        collect_events(xs, result);
        // Only the store writers' status has a capacity; its id is the
        // store.
        if (xs.count("buffer_capacity") > 0)
          capacity.metric.push_back(
            sample({{"store", caf::get_or(xs, "id", std::string{})}},
                   number(xs, "buffer_capacity"), pm::MetricType::Gauge));
        // Only the cluster's node actor counts nodes.
        samples_by(xs, "nodes", "state", nodes);
      }
    if (!capacity.metric.empty())
      result.push_back(std::move(capacity));
    if (!nodes.metric.empty())
      result.push_back(std::move(nodes));
    for (auto& collect : src.collectors)
      collect(result);
    metrics::collect_stores(src.stores, result);
    for (auto& [kind, values] : by_kind) {
      processed.metric.push_back(
        sample({{"kind", kind}}, values.first, pm::MetricType::Counter));
      mailbox.metric.push_back(
        sample({{"kind", kind}}, values.second, pm::MetricType::Gauge));
    }
    result.push_back(std::move(processed));
    result.push_back(std::move(mailbox));
    return result;
  }

private:
  mutable std::mutex mtx_;
  /// Added by `telemetry::watch_also`.
  std::vector<status_actor> more_;

  /// Events the bus handed on, by kind: what a dashboard plots as events
  /// per second. Only the bus's status has them.
  static void collect_events(const caf::settings& xs,
                             std::vector<pm::MetricFamily>& out) {
    auto events = family("agentviz_events_total",
                         "Events published on the node's bus, by kind.",
                         pm::MetricType::Counter);
    if (samples_by(xs, "events_by_kind", "kind", events))
      out.push_back(std::move(events));
  }

  static void collect_registry(const caf::settings& xs,
                               std::vector<pm::MetricFamily>& out) {
    auto coords = family("agentviz_coordinations", "Coordinations by status.",
                         pm::MetricType::Gauge);
    samples_by(xs, "coordinations_by_status", "status", coords);
    out.push_back(std::move(coords));
    auto restarts
      = family("agentviz_agent_restarts_total",
               "Agents restarted by the supervisor.", pm::MetricType::Counter);
    restarts.metric.push_back(
      sample({}, number(xs, "restarts"), pm::MetricType::Counter));
    out.push_back(std::move(restarts));
  }

  /// Agents by state and type, one page of the registry's list at a time.
  void collect_agents(caf::scoped_actor& self,
                      std::vector<pm::MetricFamily>& out) const {
    std::map<std::pair<std::string, std::string>, double> counts;
    agent_filter filter;
    filter.limit = 1000;
    for (bool more = true; more;) {
      more = false;
      self->request(src.registry, scrape_timeout, atom::list::value, filter)
        .receive(
          [&](agent_page& page) {
            for (auto& x : page.agents)
              counts[{to_string(x.state), x.type}] += 1;
            filter.offset += static_cast<uint32_t>(page.agents.size());
            more = !page.agents.empty() && filter.offset < page.total;
          },
          [&](caf::error&) {
            // A partial count is better than none.
          });
    }
    auto agents = family("agentviz_agents", "Agents by state and type.",
                         pm::MetricType::Gauge);
    for (auto& [key, n] : counts)
      agents.metric.push_back(
        sample({{"state", key.first}, {"type", key.second}}, n,
               pm::MetricType::Gauge));
    out.push_back(std::move(agents));
  }

  static void collect_physics(const caf::settings& xs,
                              std::vector<pm::MetricFamily>& out) {
    auto ticks = family("agentviz_physics_tick_seconds",
                        "Time the layout engine took per tick.",
                        pm::MetricType::Histogram);
    pm::ClientMetric h;
    uint64_t cumulative = 0;
    for (size_t i = 0; i <= tick_buckets_ms.size(); ++i) {
      auto last = i == tick_buckets_ms.size();
      auto le = last ? std::string{"inf"}
                     : std::to_string(static_cast<int>(tick_buckets_ms[i]));
      cumulative += static_cast<uint64_t>(number(xs, "tick_ms_le_" + le));
      pm::ClientMetric::Bucket b;
      b.cumulative_count = cumulative;
      b.upper_bound = last ? std::numeric_limits<double>::infinity()
                           : tick_buckets_ms[i] / 1000.0;
      h.histogram.bucket.push_back(b);
    }
    h.histogram.sample_count = cumulative;
    h.histogram.sample_sum = number(xs, "tick_ms_sum") / 1000.0;
    ticks.metric.push_back(std::move(h));
    out.push_back(std::move(ticks));
    auto skipped = family("agentviz_physics_skipped_ticks_total",
                          "Ticks skipped because a tick overran its period.",
                          pm::MetricType::Counter);
    skipped.metric.push_back(
      sample({}, number(xs, "skipped_ticks"), pm::MetricType::Counter));
    out.push_back(std::move(skipped));
    auto behind = family("agentviz_physics_follower_skipped_frames_total",
                         "Frames not sent to a follower node that was too "
                         "far behind in confirming the ones before.",
                         pm::MetricType::Counter);
    behind.metric.push_back(sample({}, number(xs, "follower_skipped_frames"),
                                   pm::MetricType::Counter));
    out.push_back(std::move(behind));
    auto agents
      = family("agentviz_physics_agents", "Agents the layout engine places.",
               pm::MetricType::Gauge);
    agents.metric.push_back(
      sample({}, number(xs, "agents"), pm::MetricType::Gauge));
    out.push_back(std::move(agents));
    auto leader = family("agentviz_physics_leader",
                         "1 while this node runs the layout, 0 while it shows "
                         "the frames of the node named.",
                         pm::MetricType::Gauge);
    leader.metric.push_back(sample(
      {{"node", caf::get_or(xs, "leader", std::string{})}},
      caf::get_or(xs, "following", false) ? 0 : 1, pm::MetricType::Gauge));
    out.push_back(std::move(leader));
  }
};

/// Latency buckets of the HTTP API, in seconds.
const pm::Histogram::BucketBoundaries http_buckets{
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5};

} // namespace

struct telemetry::impl {
  std::shared_ptr<pm::Registry> registry = std::make_shared<pm::Registry>();
  std::shared_ptr<node_collector> collector;
  std::unique_ptr<pm::Exposer> exposer;
  std::mutex mtx;
  /// From `watch_also` before `watch`.
  std::vector<status_actor> more;
  std::thread closer;
  uint16_t port = 0;
  pm::Family<pm::Counter>* requests = nullptr;
  pm::Family<pm::Histogram>* latency = nullptr;
  pm::Family<pm::Counter>* hooks = nullptr;
  pm::Counter* auth_failures = nullptr;
  pm::Counter* rate_limited = nullptr;
  pm::Family<pm::Counter>* mcp_calls = nullptr;
  pm::Family<pm::Histogram>* mcp_latency = nullptr;
};

telemetry::telemetry(const std::string& address, uint16_t port)
  : impl_(std::make_unique<impl>()) {
  auto& x = *impl_;
  x.requests = &pm::BuildCounter()
                  .Name("agentviz_http_requests_total")
                  .Help("HTTP API requests answered, by method, route "
                        "pattern and status.")
                  .Register(*x.registry);
  x.latency = &pm::BuildHistogram()
                 .Name("agentviz_http_request_duration_seconds")
                 .Help("Time from a request's arrival to its answer, by "
                       "method and route pattern.")
                 .Register(*x.registry);
  x.hooks = &pm::BuildCounter()
               .Name("agentviz_hook_events_total")
               .Help("Hook events ingested, by event kind.")
               .Register(*x.registry);
  x.auth_failures = &pm::BuildCounter()
                       .Name("agentviz_auth_failures_total")
                       .Help("Requests refused for missing or bad "
                             "credentials.")
                       .Register(*x.registry)
                       .Add({});
  x.rate_limited = &pm::BuildCounter()
                      .Name("agentviz_rate_limited_requests_total")
                      .Help("Requests refused by the rate limiter.")
                      .Register(*x.registry)
                      .Add({});
  x.mcp_calls = &pm::BuildCounter()
                   .Name("agentviz_mcp_calls_total")
                   .Help("MCP tool calls, by tool and outcome.")
                   .Register(*x.registry);
  x.mcp_latency = &pm::BuildHistogram()
                     .Name("agentviz_mcp_call_duration_seconds")
                     .Help("Time an MCP tool call took, by tool.")
                     .Register(*x.registry);
  // civetweb takes `[v6]:port` for IPv6 and `0` for an ephemeral port.
  auto host = address == "localhost" ? std::string{"127.0.0.1"} : address;
  auto listen = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  listen += ":" + std::to_string(port);
  try {
    x.exposer = std::make_unique<pm::Exposer>(listen, 2);
  } catch (const std::exception& e) {
    throw std::runtime_error("cannot listen for /metrics on " + listen + ": "
                             + e.what());
  }
  auto ports = x.exposer->GetListeningPorts();
  x.port = ports.empty() ? port : static_cast<uint16_t>(ports.front());
  x.exposer->RegisterCollectable(x.registry);
}

telemetry::~telemetry() {
  stop();
  join();
}

uint16_t telemetry::port() const {
  return impl_->port;
}

void telemetry::watch(caf::actor_system& sys, telemetry_sources sources) {
  auto c = std::make_shared<node_collector>();
  c->sys = &sys;
  c->src = std::move(sources);
  std::lock_guard<std::mutex> guard{impl_->mtx};
  for (auto& x : impl_->more)
    c->add(std::move(x));
  impl_->more.clear();
  impl_->collector = c;
  if (impl_->exposer)
    impl_->exposer->RegisterCollectable(c);
}

void telemetry::watch_also(status_actor x) {
  std::lock_guard<std::mutex> guard{impl_->mtx};
  if (impl_->collector)
    impl_->collector->add(std::move(x));
  else
    impl_->more.push_back(std::move(x));
}

void telemetry::stop() {
  std::lock_guard<std::mutex> guard{impl_->mtx};
  if (!impl_->exposer)
    return;
  // Destroying the exposer joins civetweb's threads.
  impl_->closer = std::thread{[x = std::move(impl_->exposer)]() mutable {
    x.reset();
  }};
}

void telemetry::join() {
  std::thread closer;
  {
    std::lock_guard<std::mutex> guard{impl_->mtx};
    closer = std::move(impl_->closer);
  }
  if (closer.joinable())
    closer.join();
}

void telemetry::request(const request_labels& labels, double seconds) {
  auto& x = *impl_;
  // Clients may send any token as the method: keep the label set bounded.
  static constexpr const char* known[]
    = {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"};
  std::string method = "OTHER";
  for (auto k : known)
    if (labels.method == k)
      method = k;
  x.requests
    ->Add({{"method", method},
           {"route", labels.route},
           {"status", std::to_string(labels.status)}})
    .Increment();
  x.latency->Add({{"method", method}, {"route", labels.route}}, http_buckets)
    .Observe(seconds);
}

void telemetry::auth_failure() {
  impl_->auth_failures->Increment();
}

void telemetry::rate_limited() {
  impl_->rate_limited->Increment();
}

void telemetry::mcp_call(const std::string& tool, const std::string& outcome,
                         double seconds) {
  impl_->mcp_calls->Add({{"tool", tool}, {"outcome", outcome}}).Increment();
  impl_->mcp_latency->Add({{"tool", tool}}, http_buckets).Observe(seconds);
}

void telemetry::hook_event(const std::string& kind) {
  impl_->hooks->Add({{"event", kind}}).Increment();
}

std::string telemetry::render() const {
  auto families = impl_->registry->Collect();
  std::shared_ptr<node_collector> c;
  {
    std::lock_guard<std::mutex> guard{impl_->mtx};
    c = impl_->collector;
  }
  if (c) {
    auto more = c->Collect();
    families.insert(families.end(), more.begin(), more.end());
  }
  return pm::TextSerializer{}.Serialize(families);
}

} // namespace av
