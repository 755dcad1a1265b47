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
#include "av/http/static_files.hpp"
#include "av/http/trusted_proxies.hpp"
#include "av/http_server.hpp"
#include "io_thread.hpp"
#include "session_set.hpp"

namespace av::http {

class session;

/// Everything the sessions share. Sessions hold it by shared_ptr, so the
/// io_context outlives every socket even when an actor still holds a
/// session after the server stopped.
struct server_core : std::enable_shared_from_this<server_core> {
  server_core(const config::settings& cfg, api_env env,
              http_server::limits lim);

  boost::asio::io_context ioc{1};
  boost::asio::ip::tcp::acceptor acceptor{ioc};
  http_server::limits limits;
  api_env env;
  http::router routes;
  http::authenticator auth;
  http::rate_limiter limiter;
  http::cors_policy cors;
  http::static_files files;
  http::trusted_proxies proxies;
  std::atomic<bool> stopping{false};

  /// Starts the next accept.
  void accept();

  /// Registers a session; false once stopping (the caller closes it).
  bool add(const std::shared_ptr<session>& s);

  void remove(session* s);

  /// Sets `stopping` and closes the listener and every session.
  void shutdown();

  /// Every post onto `ioc` goes through it (see net::post_gate); once the
  /// I/O thread has ended, `gate.close(ioc)` runs what was queued after it
  /// ran out of work (sessions closed by `shutdown` just then, answers of
  /// actors that saw the server still running).
  net::post_gate gate;

private:
  net::session_set<session> sessions_;
};

} // namespace av::http
