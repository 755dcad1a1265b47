#include "av/http/server_state.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>

#include "av/base/log.hpp"
#include "av/config.hpp"
#include "av/net/listener.hpp"
#include "connection.hpp"

namespace av::http {

namespace asio = boost::asio;

server_state::server_state(const config::settings& cfg, server_limits lim,
                           std::shared_ptr<telemetry> tel_arg,
                           node_context_ptr ctx_arg)
  : limits(lim),
    auth(cfg.api_key, cfg.jwt_secret, cfg.jwt_expiry_s, cfg.read_auth),
    limiter(static_cast<uint32_t>(cfg.rate_limit_max_requests),
            std::chrono::milliseconds{cfg.rate_limit_window_ms}),
    cors(cfg.allowed_origins, auth.enabled()), files(cfg.web_root),
    tel(std::move(tel_arg)), ctx(std::move(ctx_arg)) {
  // The settings were checked when they were read.
  if (auto list = net::trusted_proxies::parse(cfg.trusted_proxies))
    proxies = *list;
}

void server_state::accept() {
  net::accept_loop(
    shared_from_this(), "http api",
    [self = shared_from_this()](asio::ip::tcp::socket sock) {
      if (self->connections->load() >= self->limits.max_connections) {
        log::warn("http connection refused: too many open",
                  {{"limit", self->limits.max_connections}});
        boost::system::error_code ignored;
        sock.close(ignored);
        return;
      }
      auto c = std::make_shared<connection>(self, std::move(sock));
      if (self->add(c))
        c->start();
    });
}

bool server_state::add(const std::shared_ptr<connection>& c) {
  if (stopping || !connections_.add(c.get(), c))
    return false;
  ++*connections;
  return true;
}

void server_state::remove(connection* c) {
  if (connections_.remove(c))
    --*connections;
}

void server_state::shutdown() {
  stopping = true;
  net::close_acceptor(shared_from_this(), acceptor);
  connections_.close_all();
}

} // namespace av::http
