#pragma once

#include <memory>

#include "av/config.hpp"
#include "av/node.hpp"
#include "http_client.hpp"

namespace av::test {

/// Settings for a node under test: ephemeral API port, no demo swarm, a
/// rate limit out of the way, no /metrics.
inline config::settings test_settings() {
  config::settings cfg;
  cfg.api_port = 0;
  // Stopping the metrics listener takes civetweb about two seconds: only
  // the tests of /metrics turn it on.
  cfg.prometheus_enabled = false;
  cfg.metrics_port = 0;
  cfg.ws_port = 0;
  cfg.mcp_port = 0;
  cfg.cluster_port = 0;
  cfg.demo_agents = 0;
  cfg.worker_threads = 2;
  cfg.rate_limit_max_requests = 1000000;
  cfg.mcp_timeout_ms = 5000;
  return cfg;
}

/// A real node (real scheduler) with its HTTP API and one client.
struct api_fixture {
  using verb = http_client::verb;
  using json = nlohmann::json;

  config::settings cfg;
  std::unique_ptr<av::node> node;
  uint16_t port = 0;
  http_client client;

  explicit api_fixture(config::settings settings = test_settings())
    : cfg(std::move(settings)), node(std::make_unique<av::node>(cfg)),
      port(node->api_port()), client(port) {
    // nop
  }

  ~api_fixture() { node->shutdown(); }

  http_result get(const std::string& target,
                  http_client::headers_t headers = {}) {
    return client.request(verb::get, target, {}, std::move(headers));
  }

  http_result post(const std::string& target, const json& body,
                   http_client::headers_t headers = {}) {
    return client.request(verb::post, target, body.dump(), std::move(headers));
  }

  http_result put(const std::string& target, const json& body,
                  http_client::headers_t headers = {}) {
    return client.request(verb::put, target, body.dump(), std::move(headers));
  }

  http_result del(const std::string& target,
                  http_client::headers_t headers = {}) {
    return client.request(verb::delete_, target, {}, std::move(headers));
  }

  /// Spawns an agent and returns its JSON; fails the test otherwise.
  json spawn(const std::string& type, const std::string& name = {}) {
    json body{{"type", type}};
    if (!name.empty())
      body["name"] = name;
    auto res = post("/api/agents", body);
    if (res.status != 201)
      CAF_FAIL("spawn failed: " << res.status << " " << res.body);
    return res.json;
  }

  /// The error code of an error body.
  static std::string code(const http_result& res) {
    auto& x = res.json;
    if (x.is_object() && x.contains("error") && x["error"].is_object())
      return x["error"].value("code", "");
    return {};
  }

  /// The field of an error body, or "" when null.
  static std::string field(const http_result& res) {
    auto& x = res.json;
    if (x.is_object() && x.contains("error") && x["error"].is_object()
        && x["error"]["field"].is_string())
      return x["error"]["field"].get<std::string>();
    return {};
  }
};

} // namespace av::test
