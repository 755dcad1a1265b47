#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "av/http/router.hpp"
#include "av/http/static_files.hpp"
#include "av/net/auth.hpp"
#include "av/net/connection_set.hpp"
#include "av/net/cors.hpp"
#include "av/net/io_thread.hpp"
#include "av/net/rate_limiter.hpp"
#include "av/net/trusted_proxies.hpp"
#include "av/node_context.hpp"

namespace av {
class telemetry;
} // namespace av

namespace av::config {
struct settings;
} // namespace av::config

namespace av::http {

class connection;

/// Limits of the connection layer.
struct server_limits {
  /// Largest request body; more is answered 413.
  size_t max_body_bytes = 1024 * 1024;
  /// Largest request head (request line plus headers); more is 431.
  uint32_t max_header_bytes = 16 * 1024;
  /// Time to receive a request's head on a new connection, and its body.
  std::chrono::milliseconds read_timeout{10000};
  /// Time a kept-alive connection may wait for its next request.
  std::chrono::milliseconds idle_timeout{30000};
  /// Time to send a response.
  std::chrono::milliseconds write_timeout{30000};
  /// Requests served on one connection before it is closed.
  uint32_t max_requests_per_connection = 100;
  /// Open connections at most; more are closed at once.
  uint32_t max_connections = 1024;
};

/// Everything an HTTP server's connections share: the listener, the routes
/// and the checks every request passes. Connections hold it by shared_ptr,
/// so the io_context outlives every socket even when an actor still holds
/// a connection after the server stopped.
struct server_state : std::enable_shared_from_this<server_state> {
  /// `tel` (may be null) counts requests for Prometheus; `ctx` (may be
  /// null) names the stores whose outage refuses writes.
  server_state(const config::settings& cfg, server_limits lim,
               std::shared_ptr<telemetry> tel, node_context_ptr ctx);

  boost::asio::io_context ioc{1};
  boost::asio::ip::tcp::acceptor acceptor{ioc};
  server_limits limits;
  /// Filled before the first accept.
  http::router routes;
  net::authenticator auth;
  net::rate_limiter limiter;
  net::cors_policy cors;
  http::static_files files;
  net::trusted_proxies proxies;
  std::shared_ptr<telemetry> tel;
  node_context_ptr ctx;
  /// Open connections, for /health.
  std::shared_ptr<std::atomic<size_t>> connections
    = std::make_shared<std::atomic<size_t>>(0);
  std::atomic<bool> stopping{false};

  /// Starts the next accept.
  void accept();

  /// Registers a connection; false once stopping (the caller closes it).
  bool add(const std::shared_ptr<connection>& c);

  void remove(connection* c);

  /// Sets `stopping` and closes the listener and every connection.
  void shutdown();

  /// Every post onto `ioc` goes through it (see net::post_gate); once the
  /// I/O thread has ended, `gate.close(ioc)` runs what was queued after it
  /// ran out of work (connections closed by `shutdown` just then, answers
  /// of actors that saw the server still running).
  net::post_gate gate;

private:
  net::connection_set<connection> connections_;
};

} // namespace av::http
