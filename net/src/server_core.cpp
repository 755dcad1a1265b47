#include "server_core.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>

#include "agent_lists.hpp"
#include "api_history.hpp"
#include "av/config.hpp"
#include "av/log.hpp"
#include "io_thread.hpp"
#include "listener.hpp"
#include "session.hpp"

namespace av::http {

namespace asio = boost::asio;

server_core::server_core(const config::settings& cfg, api_env env_arg,
                         http_server::limits lim)
  : limits(lim), env(std::move(env_arg)),
    auth(cfg.api_key, cfg.jwt_secret, cfg.jwt_expiry_s, cfg.read_auth),
    limiter(static_cast<uint32_t>(cfg.rate_limit_max_requests),
            std::chrono::milliseconds{cfg.rate_limit_window_ms}),
    cors(cfg.allowed_origins, auth.enabled()), files(cfg.web_root) {
  // The settings were checked when they were read.
  if (auto list = trusted_proxies::parse(cfg.trusted_proxies))
    proxies = *list;
  add_system_routes(routes, env);
  add_agent_routes(routes, env);
  add_coordination_routes(routes, env);
  add_message_routes(routes, env);
  add_layout_routes(routes, env);
  add_hook_routes(routes, env);
  add_history_routes(routes, env);
}

void server_core::accept() {
  net::accept_loop(shared_from_this(), "http api",
                   [self = shared_from_this()](asio::ip::tcp::socket sock) {
                     if (self->env.connections->load()
                         >= self->limits.max_connections) {
                       log::warn("http connection refused: too many open",
                                 {{"limit", self->limits.max_connections}});
                       boost::system::error_code ignored;
                       sock.close(ignored);
                       return;
                     }
                     auto s = std::make_shared<session>(self, std::move(sock));
                     if (self->add(s))
                       s->start();
                   });
}

bool server_core::add(const std::shared_ptr<session>& s) {
  if (stopping || !sessions_.add(s.get(), s))
    return false;
  ++*env.connections;
  return true;
}

void server_core::remove(session* s) {
  if (sessions_.remove(s))
    --*env.connections;
}

void server_core::shutdown() {
  stopping = true;
  if (env.lists)
    env.lists->stop();
  net::close_acceptor(shared_from_this(), acceptor);
  sessions_.close_all();
}

} // namespace av::http
