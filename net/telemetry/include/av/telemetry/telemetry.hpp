#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <caf/fwd.hpp>

#include "av/actors.hpp"
#include "av/node_context.hpp"
#include "av/telemetry/metric_family.hpp"

namespace av {

/// What the node's metrics are read from on each scrape.
struct telemetry_sources {
  registry_actor registry;
  physics_actor physics;
  /// More actors, counted under the `kind` of their status (bus, hub, demo).
  std::vector<status_actor> others;
  /// Series of modules above telemetry (the WebSocket stream's counters).
  std::vector<metrics::collector> collectors;
  /// Counters of the store writers (PostgreSQL, Redis) that run.
  std::vector<store_status_ptr> stores;
};

/// Prometheus metrics of a node (docs/api.md, "Metrics"): owns the metric
/// registry and the `/metrics` listener. Counters of the HTTP layer are
/// bumped directly; gauges of the actors are read on each scrape from their
/// STATUS answers, so an idle node costs nothing between scrapes.
class telemetry {
public:
  /// What an answered HTTP request is counted under.
  struct request_labels {
    std::string method;
    /// The route's pattern (`/api/agents/{id}`), never the raw path.
    std::string route;
    int status = 0;
  };

  /// Creates the registry and listens on `address:port` (port 0 picks one);
  /// throws `std::runtime_error` when it cannot bind.
  telemetry(const std::string& address, uint16_t port);

  ~telemetry();

  telemetry(const telemetry&) = delete;
  telemetry& operator=(const telemetry&) = delete;

  /// The bound port.
  uint16_t port() const;

  /// Reads the actors' status and the stream's counters on every scrape.
  void watch(caf::actor_system& sys, telemetry_sources sources);

  /// Adds an actor counted under the `kind` of its status, before or after
  /// `watch` (listeners add theirs as they start).
  void watch_also(status_actor x);

  /// Starts closing the listener in the background (civetweb takes about
  /// two seconds); later scrapes fail to connect. Idempotent.
  void stop();

  /// Waits until the listener is closed, so that no scrape reaches the
  /// actors any more. Call it before the actor system goes away.
  void join();

  /// Counts an answered HTTP request and its latency.
  void request(const request_labels& labels, double seconds);

  /// Counts a request refused for missing or bad credentials.
  void auth_failure();

  /// Counts a request refused by the rate limiter.
  void rate_limited();

  /// Counts an ingested hook event of `kind` (PreToolUse, post-task, …).
  void hook_event(const std::string& kind);

  /// Counts an MCP tool call by outcome and records its latency.
  void mcp_call(const std::string& tool, const std::string& outcome,
                double seconds);

  /// The text exposition of every metric, as a scrape would see it.
  std::string render() const;

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace av
