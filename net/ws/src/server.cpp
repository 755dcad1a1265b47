#include "av/ws/server.hpp"

#include <algorithm>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>
#include <caf/scoped_actor.hpp>

#include "av/base/log.hpp"
#include "av/config.hpp"
#include "av/error.hpp"
#include "av/net/io_thread.hpp"
#include "av/net/listener.hpp"
#include "av/ws/stream_state.hpp"
#include "connection.hpp"

namespace av {

namespace asio = boost::asio;

namespace ws {

stream_state::stream_state(const config::settings& cfg, http::api_env env_arg,
                           ws_server::limits lim, hub_actor hub_arg,
                           ws_stats_ptr stats_arg)
  : limits(lim), env(std::move(env_arg)),
    auth(cfg.api_key, cfg.jwt_secret, cfg.jwt_expiry_s, cfg.read_auth),
    cors(cfg.allowed_origins, auth.enabled()),
    limiter(static_cast<uint32_t>(cfg.rate_limit_max_requests),
            std::chrono::milliseconds{cfg.rate_limit_window_ms}),
    hub(std::move(hub_arg)), stats(std::move(stats_arg)) {
  http::add_api_routes(routes, env);
  lanes.push_back(std::make_unique<lane>(ioc, gate, *stats, open_ring()));
  for (uint32_t i = 1; i < limits.io_threads; ++i) {
    more.push_back(std::make_unique<asio::io_context>(1));
    idle_guards_.emplace_back(more.back()->get_executor());
    lanes.push_back(
      std::make_unique<lane>(*more.back(), gate, *stats, open_ring()));
  }
}

std::unique_ptr<net::send_ring> stream_state::open_ring() {
  if (!limits.io_uring) {
    writes = "sendmsg (WS_IO_URING=false)";
    return nullptr;
  }
  std::string why;
  auto ring = net::send_ring::open(ring_entries, why);
  writes = ring ? "io_uring" : "sendmsg (" + why + ")";
  return ring;
}

void lane::push(std::vector<std::shared_ptr<ws_outlet>> to, ws_push x) {
  std::lock_guard<std::mutex> guard{mtx_};
  if (x.kind == ws_push::what::frame) {
    // Superseded: frames of earlier ticks not handed out yet.
    auto old = std::stable_partition(
      waiting_.begin(), waiting_.end(), [&](const pending& p) {
        return p.x.kind != ws_push::what::frame || p.x.seq >= x.seq;
      });
    for (auto i = old; i != waiting_.end(); ++i)
      stats_.frames_coalesced += i->to.size() * i->x.payloads.size();
    waiting_.erase(old, waiting_.end());
  }
  waiting_.push_back(pending{std::move(to), std::move(x)});
  if (scheduled_)
    return;
  scheduled_ = gate_.post(ioc_.get_executor(), [this] { run(); });
  if (!scheduled_)
    waiting_.clear(); // the server has ended: nothing may hold a session
}

void lane::run() {
  std::vector<pending> xs;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    xs.swap(waiting_);
    scheduled_ = false;
  }
  auto writes = ring_ ? ring_->writes() : 0;
  auto submissions = ring_ ? ring_->submissions() : 0;
  {
    // The sessions' writes go out together when it ends.
    net::send_ring::scope batch{ring_.get()};
    for (auto& p : xs)
      for (auto& conn : p.to)
        conn->take(p.x);
    for (auto& p : xs)
      for (auto& conn : p.to)
        conn->flush();
  }
  if (ring_) {
    stats_.ring_writes += ring_->writes() - writes;
    stats_.ring_submissions += ring_->submissions() - submissions;
  }
}

std::vector<std::thread> stream_state::run() {
  std::vector<std::thread> threads;
  threads.push_back(net::run_io_thread(shared_from_this(), ioc, "websocket"));
  for (auto& x : more)
    threads.push_back(net::run_io_thread(shared_from_this(), *x, "websocket"));
  return threads;
}

socket_stream stream_state::place(uint64_t id, asio::ip::tcp::socket sock) {
  auto i = id % lanes.size();
  auto& ctx = i == 0 ? ioc : *more[i - 1];
  // The descriptor moves to its context's reactor; nothing is pending on it
  // yet.
  boost::system::error_code err;
  auto protocol = sock.local_endpoint(err).protocol();
  if (err)
    protocol = asio::ip::tcp::v4();
  return socket_stream{ctx.get_executor(), protocol, sock.release()};
}

void stream_state::accept() {
  net::accept_loop(shared_from_this(), "websocket",
                   [self = shared_from_this()](asio::ip::tcp::socket sock) {
                     // Over the limit the upgrade still completes, so that
                     // the client gets close code 1013 and a reason rather
                     // than a reset.
                     bool refuse
                       = self->admitted_.load() >= self->limits.max_connections;
                     if (!refuse)
                       ++self->admitted_;
                     else
                       log::warn("ws connection refused: too many open",
                                 {{"limit", self->limits.max_connections}});
                     auto id = ++self->next_id_;
                     auto s = std::make_shared<connection>(
                       self, self->place(id, std::move(sock)), id, refuse);
                     if (self->add(id, s))
                       s->start();
                     else
                       s->close();
                   });
}

bool stream_state::add(uint64_t id, const std::shared_ptr<connection>& s) {
  return !stopping && sessions_.add(id, s);
}

void stream_state::remove(uint64_t id) {
  sessions_.remove(id);
  std::lock_guard<std::mutex> guard{actors_mtx_};
  actors_.erase(id);
}

void stream_state::enlist(uint64_t id, ws_session_actor actor) {
  std::lock_guard<std::mutex> guard{actors_mtx_};
  actors_.emplace(id, std::move(actor));
}

std::vector<ws_session_actor> stream_state::session_actors() const {
  std::lock_guard<std::mutex> guard{actors_mtx_};
  std::vector<ws_session_actor> result;
  result.reserve(actors_.size());
  for (auto& [id, actor] : actors_)
    result.push_back(actor);
  return result;
}

void stream_state::shutdown() {
  stopping = true;
  net::close_acceptor(shared_from_this(), acceptor);
  sessions_.close_all();
  // Each context's thread ends once its sessions are gone.
  for (auto& g : idle_guards_)
    g.reset();
}

} // namespace ws

ws_server::limits ws_server::limits_from(const config::settings& cfg) {
  limits result;
  result.max_connections = static_cast<uint32_t>(cfg.ws_max_connections);
  result.heartbeat = std::chrono::milliseconds{cfg.ws_heartbeat_interval_ms};
  result.compression = cfg.ws_compression;
  result.max_queued_events = static_cast<uint32_t>(cfg.ws_max_queued_events);
  result.max_visible_agents = static_cast<uint32_t>(cfg.max_visible_agents);
  result.max_fps = static_cast<uint32_t>(cfg.physics_update_rate_hz);
  result.io_uring = cfg.ws_io_uring;
  result.io_threads = cfg.ws_io_threads > 0
                        ? static_cast<uint32_t>(cfg.ws_io_threads)
                        : std::max(1u, std::thread::hardware_concurrency());
  return result;
}

ws_server::ws_server(const config::settings& cfg, caf::actor_system& sys,
                     registry_actor registry, bus_actor bus,
                     physics_actor physics, node_context_ptr ctx, limits lim)
  : stats_(std::make_shared<ws_stats>()) {
  http::api_env env;
  env.sys = &sys;
  env.registry = registry;
  env.bus = bus;
  env.physics = physics;
  env.ctx = ctx;
  env.timeout = std::chrono::milliseconds{cfg.mcp_timeout_ms};
  env.started_ms = now_ms();
  env.connections = std::make_shared<std::atomic<size_t>>(0);
  hub_ = sys.spawn(av::hub, ctx, stats_, std::move(registry), bus,
                   std::move(physics), lim.max_visible_agents, lim.max_fps);
  core_ = std::make_shared<ws::stream_state>(cfg, std::move(env), lim, hub_,
                                             stats_);
  try {
    port_ = net::listen_on(core_->acceptor, cfg.bind_address, cfg.ws_port);
  } catch (...) {
    caf::anon_send_exit(hub_, caf::exit_reason::user_shutdown);
    throw;
  }
  log::info("websocket listening", {{"address", cfg.bind_address},
                                    {"port", port_},
                                    {"max_connections", lim.max_connections},
                                    {"io_threads", lim.io_threads},
                                    {"writes", core_->writes},
                                    {"compression", lim.compression}});
  core_->accept();
  threads_ = core_->run();
}

ws_server::~ws_server() {
  stop();
}

std::vector<status_actor> ws_server::sessions() const {
  std::vector<status_actor> result;
  for (auto& x : core_->session_actors())
    result.push_back(caf::actor_cast<status_actor>(x));
  return result;
}

void ws_server::stop() {
  if (threads_.empty())
    return;
  {
    // Bounded: a hub that does not answer delays the stop, never blocks it.
    caf::scoped_actor self{*core_->env.sys};
    self
      ->request(hub_, core_->limits.handshake_timeout, atom::flush::value,
                core_->env.ctx->bus.last_seq())
      .receive([](uint64_t) {},
               [](caf::error& err) {
                 log::warn("websocket stop: events not flushed",
                           {{"error", describe(err)}});
               });
  }
  core_->shutdown();
  for (auto& t : threads_)
    t.join();
  threads_.clear();
  core_->gate.close(core_->ioc);
  for (auto& x : core_->more)
    core_->gate.close(*x);
  caf::anon_send_exit(hub_, caf::exit_reason::user_shutdown);
  log::info("websocket stopped");
}

} // namespace av
