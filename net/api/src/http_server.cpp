#include "av/api/http_server.hpp"

#include <boost/asio/ip/address.hpp>

#include "av/api/agent_lists.hpp"
#include "av/api/routes.hpp"
#include "av/base/log.hpp"
#include "av/config.hpp"
#include "av/net/io_thread.hpp"
#include "av/net/listener.hpp"

namespace av {

namespace asio = boost::asio;

namespace {

const char* auth_mode(const config::settings& cfg) {
  if (!cfg.api_key.empty() && !cfg.jwt_secret.empty())
    return "api key and JWT";
  if (!cfg.api_key.empty())
    return "api key";
  if (!cfg.jwt_secret.empty())
    return "JWT";
  return "off";
}

} // namespace

http_server::http_server(const config::settings& cfg, caf::actor_system& sys,
                         registry_actor registry, bus_actor bus,
                         physics_actor physics, node_context_ptr ctx,
                         std::shared_ptr<telemetry> tel,
                         std::shared_ptr<const std::atomic<uint64_t>> viewers)
  : http_server(cfg, sys, std::move(registry), std::move(bus),
                std::move(physics), std::move(ctx), std::move(tel), limits{},
                std::move(viewers)) {
  // nop
}

http_server::http_server(const config::settings& cfg, caf::actor_system& sys,
                         registry_actor registry, bus_actor bus,
                         physics_actor physics, node_context_ptr ctx,
                         std::shared_ptr<telemetry> tel, limits lim,
                         std::shared_ptr<const std::atomic<uint64_t>> viewers) {
  state_ = std::make_shared<http::server_state>(cfg, lim, tel, ctx);
  env_ = std::make_unique<http::api_env>();
  auto& env = *env_;
  env.sys = &sys;
  env.registry = std::move(registry);
  env.bus = std::move(bus);
  env.physics = std::move(physics);
  env.tel = std::move(tel);
  env.ctx = std::move(ctx);
  env.timeout = std::chrono::milliseconds{cfg.mcp_timeout_ms};
  env.started_ms = now_ms();
  env.connections = state_->connections;
  env.ports = std::make_shared<http::listener_ports>();
  env.ports->ws = cfg.ws_port;
  env.ports->viewers = std::move(viewers);
  env.lists = std::make_shared<http::agent_lists>(env.ctx);
  http::add_api_routes(state_->routes, env);
  port_ = net::listen_on(state_->acceptor, cfg.bind_address, cfg.api_port);
  env.ports->api = port_;
  // Only once nothing can throw: the watcher lives until `stop`.
  http::agent_lists::watch(env.lists, sys, env.registry, env.bus);
  if (env.tel)
    env.tel->watch_also(env.lists->status());
  if (state_->cors.wildcard_ignored())
    log::warn("ALLOWED_ORIGINS: '*' ignored because authentication is on");
  log::info("http api listening", {{"address", cfg.bind_address},
                                   {"port", port_},
                                   {"auth", auth_mode(cfg)},
                                   {"read_auth", cfg.read_auth}});
  state_->accept();
  thread_ = net::run_io_thread(state_, state_->ioc, "http api");
}

http_server::~http_server() {
  stop();
}

void http_server::stop() {
  if (!thread_.joinable())
    return;
  env_->lists->stop();
  state_->shutdown();
  thread_.join();
  state_->gate.close(state_->ioc);
  log::info("http api stopped");
}

} // namespace av
