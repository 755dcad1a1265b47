#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <thread>

#include <caf/fwd.hpp>

#include "av/actors.hpp"
#include "av/http/server_state.hpp"
#include "av/node_context.hpp"

namespace av::config {
struct settings;
} // namespace av::config

namespace av::http {
struct api_env;
} // namespace av::http

namespace av {

class telemetry;

/// The HTTP API (docs/api.md): a Boost.Beast server on BIND_ADDRESS:API_PORT
/// with one Asio thread. Requests are handed to short-lived actors, so the
/// Asio thread never waits on CAF.
class http_server {
public:
  /// Limits of the connection layer.
  using limits = http::server_limits;

  /// Binds and listens (throws `std::system_error` when it cannot), then
  /// serves on its own thread until `stop`;
  /// with `tel` (which may be null), it counts requests for Prometheus.
  http_server(const config::settings& cfg, caf::actor_system& sys,
              registry_actor registry, bus_actor bus, physics_actor physics,
              node_context_ptr ctx, std::shared_ptr<telemetry> tel, limits lim,
              std::shared_ptr<const std::atomic<uint64_t>> viewers = nullptr);

  /// With `viewers`, /health reports that count of open WebSocket sessions.
  http_server(const config::settings& cfg, caf::actor_system& sys,
              registry_actor registry, bus_actor bus, physics_actor physics,
              node_context_ptr ctx, std::shared_ptr<telemetry> tel,
              std::shared_ptr<const std::atomic<uint64_t>> viewers = nullptr);

  http_server(const http_server&) = delete;
  http_server& operator=(const http_server&) = delete;

  ~http_server();

  /// The bound port; the real one when API_PORT was 0.
  uint16_t port() const { return port_; }

  /// The API's handlers, for clients that run them in-process (the shell).
  std::shared_ptr<const http::router> routes() const {
    return {state_, &state_->routes};
  }

  /// Closes the listener and every connection and joins the thread. Call it
  /// before the actors stop; idempotent.
  void stop();

private:
  std::shared_ptr<http::server_state> state_;
  /// What the routes reach the node through.
  std::unique_ptr<http::api_env> env_;
  std::thread thread_;
  uint16_t port_ = 0;
};

} // namespace av
