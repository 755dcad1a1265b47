#include "server_core.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>

#include "api_history.hpp"
#include "av/config.hpp"
#include "av/log.hpp"
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
  add_system_routes(routes, env);
  add_agent_routes(routes, env);
  add_coordination_routes(routes, env);
  add_message_routes(routes, env);
  add_layout_routes(routes, env);
  add_hook_routes(routes, env);
  add_history_routes(routes, env);
}

void server_core::accept() {
  acceptor.async_accept(asio::make_strand(ioc), [self = shared_from_this()](
                                                  boost::system::error_code err,
                                                  asio::ip::tcp::socket sock) {
    if (err == asio::error::operation_aborted || !self->acceptor.is_open())
      return;
    if (err) {
      log::warn("http accept failed", {{"error", err.message()}});
    } else if (self->env.connections->load() >= self->limits.max_connections) {
      log::warn("http connection refused: too many open",
                {{"limit", self->limits.max_connections}});
      boost::system::error_code ignored;
      sock.close(ignored);
    } else {
      auto s = std::make_shared<session>(self, std::move(sock));
      if (self->add(s))
        s->start();
    }
    self->accept();
  });
}

bool server_core::add(const std::shared_ptr<session>& s) {
  std::lock_guard<std::mutex> guard{mtx_};
  if (stopping)
    return false;
  sessions_.emplace(s.get(), s);
  ++*env.connections;
  return true;
}

void server_core::remove(session* s) {
  std::lock_guard<std::mutex> guard{mtx_};
  if (sessions_.erase(s) > 0)
    --*env.connections;
}

void server_core::shutdown() {
  std::vector<std::shared_ptr<session>> open;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    stopping = true;
    for (auto& kvp : sessions_)
      if (auto s = kvp.second.lock())
        open.push_back(std::move(s));
  }
  asio::post(ioc, [self = shared_from_this()] {
    boost::system::error_code ignored;
    self->acceptor.close(ignored);
  });
  for (auto& s : open)
    s->close();
}

} // namespace av::http
