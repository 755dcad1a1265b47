#pragma once

#include <atomic>
#include <memory>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "api.hpp"
#include "av/http/auth.hpp"
#include "av/http/cors.hpp"
#include "av/http/rate_limiter.hpp"
#include "av/http/router.hpp"
#include "av/ws_server.hpp"
#include "session_set.hpp"

namespace av::ws {

class session;

/// Everything the WebSocket sessions share. Sessions hold it by shared_ptr,
/// so the io_context outlives every socket.
struct core : std::enable_shared_from_this<core> {
  core(const config::settings& cfg, http::api_env env, ws_server::limits lim,
       hub_actor hub, ws_stats_ptr stats);

  boost::asio::io_context ioc{1};
  boost::asio::ip::tcp::acceptor acceptor{ioc};
  ws_server::limits limits;
  http::api_env env;
  /// The HTTP API's routes: commands run through the same handlers.
  http::router routes;
  http::authenticator auth;
  http::cors_policy cors;
  http::rate_limiter limiter;
  hub_actor hub;
  ws_stats_ptr stats;
  std::atomic<bool> stopping{false};

  /// Starts the next accept.
  void accept();

  /// Registers a session; false once stopping.
  bool add(uint64_t id, const std::shared_ptr<session>& s);

  void remove(uint64_t id);

  /// Sets `stopping` and closes the listener and every session.
  void shutdown();

private:
  std::atomic<uint64_t> next_id_{0};
  /// Sessions admitted (refused ones are not counted).
  std::atomic<uint32_t> admitted_{0};
  net::session_set<session, uint64_t> sessions_;

  friend class session;
};

} // namespace av::ws
