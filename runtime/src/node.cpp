#include "av/node.hpp"

#include <csignal>
#include <iostream>
#include <stdexcept>
#include <thread>

#include <caf/scoped_actor.hpp>

#include "av/base/log.hpp"
#include "av/bus.hpp"
#include "av/demo.hpp"
#include "av/error.hpp"
#include "av/history_reader.hpp"
#include "av/migrations.hpp"
#include "av/pg_writer.hpp"
#include "av/physics.hpp"
#include "av/redis_memory_store.hpp"
#include "av/redis_writer.hpp"
#include "av/registry.hpp"
#include "av/restore.hpp"
#include "av/shell/console.hpp"

namespace av {

namespace {

/// How often the node logs its summary line.
constexpr int summary_interval_s = 10;

template <class T>
uint64_t setting(const caf::settings& xs, const std::string& key) {
  auto x = caf::get_if<T>(&xs, key);
  return x ? static_cast<uint64_t>(*x) : 0;
}

/// Starts the writers of the configured stores, before anything publishes;
/// adds those that take position frames to `frame_sinks`.
std::vector<caf::actor>
start_stores(caf::actor_system& sys, const config::settings& cfg,
             node_context& ctx, bus_actor bus,
             std::vector<frame_sink_actor>& frame_sinks) {
  std::vector<caf::actor> result;
  if (!cfg.database_url.empty()) {
    auto status = std::make_shared<store_status>("postgres");
    status->events = &ctx.bus;
    ctx.stores.push_back(status);
    persistence::pg_writer_config wc;
    wc.database_url = cfg.database_url;
    wc.node = ctx.node_name;
    wc.position_hz = static_cast<uint32_t>(cfg.position_history_hz);
    wc.buffer_size = static_cast<size_t>(cfg.write_buffer_size);
    auto writer = persistence::spawn_pg_writer(sys, wc, bus, status);
    ctx.durability = writer;
    frame_sinks.push_back(writer);
    result.push_back(caf::actor_cast<caf::actor>(writer));
    auto reader = persistence::spawn_history_reader(
      sys, cfg.database_url, static_cast<size_t>(cfg.database_pool_size));
    sys.registry().put(history_actor_name,
                       caf::actor_cast<caf::strong_actor_ptr>(reader));
    result.push_back(caf::actor_cast<caf::actor>(reader));
    result.push_back(
      caf::actor_cast<caf::actor>(persistence::spawn_pg_maintenance(
        sys, cfg.database_url, std::chrono::seconds{cfg.summary_refresh_s},
        cfg.position_retention_days)));
  }
  if (!cfg.redis_url.empty()) {
    auto status = std::make_shared<store_status>("redis");
    status->events = &ctx.bus;
    ctx.stores.push_back(status);
    persistence::redis_writer_config wc;
    wc.redis_url = cfg.redis_url;
    wc.position_hz = static_cast<uint32_t>(cfg.position_history_hz);
    wc.buffer_size = static_cast<size_t>(cfg.write_buffer_size);
    wc.history = ctx.limits.history;
    auto writer = persistence::spawn_redis_writer(sys, wc, bus, status);
    frame_sinks.push_back(writer);
    result.push_back(caf::actor_cast<caf::actor>(writer));
  }
  return result;
}

/// Hands each stored item to the registry (`atom`, item) and logs what it
/// refused and how many it took; `what` names the items in the log.
template <class Result, class Atom, class T, class IdOf>
void hand_over(caf::actor_system& sys, registry_actor registry, Atom atom,
               std::vector<T> stored, IdOf id_of, const std::string& what) {
  caf::scoped_actor self{sys};
  size_t taken = 0;
  for (auto& x : stored) {
    auto id = id_of(x);
    self->request(registry, std::chrono::seconds{10}, atom, std::move(x))
      .receive([&](Result&) { ++taken; },
               [&](caf::error& err) {
                 log::warn(what + " not restored",
                           {{"id", id}, {"error", describe(err)}});
               });
  }
  if (!stored.empty())
    log::info(what + "s restored from PostgreSQL",
              {{"restored", taken}, {"stored", stored.size()}});
}

/// Respawns this node's agents PostgreSQL holds, with their numbers, state
/// and metrics history, then resumes its coordinations that were active
/// (docs/persistence.md, "Restart"). Rows written before clustering become
/// this node's when no other node took them first.
void restore(caf::actor_system& sys, const config::settings& cfg,
             const node_context& ctx, registry_actor registry) {
  if (cfg.database_url.empty())
    return;
  const auto& node = ctx.node_name;
  if (auto claimed = persistence::claim_unowned(cfg.database_url, node))
    log::info("rows without an owner node are this node's now",
              {{"node", node}, {"rows", claimed}});
  hand_over<agent_info>(
    sys, registry, atom::spawn::value,
    persistence::load_agents(cfg.database_url, node, ctx.limits.history),
    [](const agent_snapshot& x) { return x.info.id; }, "agent");
  hand_over<coordination_info>(
    sys, registry, atom::coordinate::value,
    persistence::load_coordinations(cfg.database_url, node),
    [](const coordination_info& x) { return x.id; }, "coordination");
}

} // namespace

node_limits limits_from(const config::settings& cfg) {
  node_limits result;
  result.max_agents = static_cast<uint32_t>(cfg.max_agents);
  result.max_concurrent_spawns
    = static_cast<uint32_t>(cfg.max_concurrent_spawns);
  result.max_restarts = static_cast<uint32_t>(cfg.supervisor_max_restarts);
  result.restart_window
    = std::chrono::milliseconds{cfg.supervisor_restart_window_ms};
  return result;
}

physics_config physics_from(const config::settings& cfg) {
  physics_config result;
  result.rate_hz = static_cast<uint32_t>(cfg.physics_update_rate_hz);
  result.batch_size = static_cast<uint32_t>(cfg.position_batch_size);
  // One keyframe a second.
  result.keyframe_every = result.rate_hz;
  return result;
}

node_config::node_config(const config::settings& cfg) {
  auto threads = cfg.worker_threads > 0
                   ? static_cast<size_t>(cfg.worker_threads)
                   : std::max(1u, std::thread::hardware_concurrency());
  set("scheduler.max-threads", threads);
  // Work stealing polls, and sleeps 10 ms between polls once idle: a message
  // from a network or physics thread could wait that long. Sharing wakes a
  // worker at once.
  set("scheduler.policy", caf::atom("sharing"));
  set("logger.verbosity", caf::atom("quiet"));
  add_message_types<caf::id_block::av>();
  cluster::configure(*this, cfg);
  add_error_category(
    error_category, [](uint8_t code, caf::atom_value, const caf::message& ctx) {
      return describe(caf::error{code, error_category, ctx});
    });
}

node::node(const config::settings& cfg, bool mcp_http)
  : config_(cfg), system_(config_), ctx_(std::make_shared<node_context>()) {
  ctx_->limits = limits_from(cfg);
  ctx_->node_name = cluster::node_name(cfg);
  ctx_->slot = cluster::node_slot(cfg, ctx_->node_name);
  ctx_->seed = cfg.demo_seed;
  // Spans go out from the first request on (docs/deployment.md, "Tracing").
  if (auto endpoint = cfg.trace_endpoint(); !endpoint.empty()) {
    tracing::exporter_config tc;
    tc.endpoint = endpoint;
    tc.service_name = cfg.otel_service_name;
    tc.delay = std::chrono::milliseconds{cfg.otel_export_delay_ms};
    tracer_ = std::make_shared<tracing::exporter>(tc);
    tracing::install(tracer_);
    log::info("exporting traces over OTLP/HTTP",
              {{"endpoint", endpoint}, {"service", cfg.otel_service_name}});
  }
  bus_ = system_.spawn(av::bus, ctx_);
  std::vector<frame_sink_actor> frame_sinks;
  stores_ = start_stores(system_, cfg, *ctx_, bus_, frame_sinks);
  registry_ = system_.spawn(av::registry, ctx_, bus_);
  try {
    restore(system_, cfg, *ctx_, registry_);
  } catch (const std::exception& e) {
    shutdown();
    throw std::runtime_error(
      std::string{"cannot restore agents and coordinations: "} + e.what());
  }
  std::string why;
  std::shared_ptr<layout::engine> engine
    = layout::make_engine(layout::params{}, cfg.enable_gpu_physics, &why);
  if (why.empty())
    log::info("layout engine", {{"engine", engine->describe()}});
  else
    log::info("layout engine on the CPU",
              {{"engine", engine->describe()}, {"why", why}});
  // Steps take milliseconds and may wait on the GPU: a thread of its own.
  physics_ = system_.spawn<caf::detached>(av::physics, ctx_, physics_from(cfg),
                                          engine, bus_);
  for (auto& sink : frame_sinks)
    caf::anon_send(physics_, atom::subscribe::value, sink);
  if (cfg.demo_agents > 0)
    demo_ = system_.spawn(av::demo, ctx_, registry_, bus_,
                          static_cast<uint32_t>(cfg.demo_agents));
  if (cfg.prometheus_enabled) {
    try {
      telemetry_
        = std::make_shared<telemetry>(cfg.bind_address, cfg.metrics_port);
    } catch (const std::exception&) {
      shutdown();
      throw;
    }
  }
  // The API, MCP and the stream ask the cluster's registry: every node's
  // agents (docs/cluster.md).
  try {
    cluster_ = std::make_unique<cluster::service>(
      cfg, system_, ctx_, registry_, bus_,
      cluster::layout_offer{physics_, engine->name() == "cuda"});
  } catch (const std::exception&) {
    shutdown();
    throw;
  }
  auto swarm = cluster_->view();
  try {
    ws_ = std::make_unique<ws_server>(cfg, system_, swarm, bus_, physics_, ctx_,
                                      ws_server::limits_from(cfg));
  } catch (const std::exception& e) {
    shutdown();
    throw std::runtime_error("cannot listen for WebSockets on "
                             + cfg.bind_address + ":"
                             + std::to_string(cfg.ws_port) + ": " + e.what());
  }
  // The node's actors besides agents, coordinations and sessions: what
  // /metrics counts and the shell lists.
  std::vector<status_actor> own{
    caf::actor_cast<status_actor>(registry_),
    caf::actor_cast<status_actor>(physics_),
    caf::actor_cast<status_actor>(bus_),
    caf::actor_cast<status_actor>(ws_->hub()),
    caf::actor_cast<status_actor>(cluster_->actor()),
    caf::actor_cast<status_actor>(swarm)};
  for (auto& store : stores_)
    own.push_back(caf::actor_cast<status_actor>(store));
  if (demo_)
    own.push_back(caf::actor_cast<status_actor>(demo_));
  if (telemetry_) {
    telemetry_sources sources{registry_, physics_, {}, {ws_->metrics()}, {}};
    if (tracer_)
      sources.collectors.push_back(tracer_->metrics());
    sources.others.push_back(caf::actor_cast<status_actor>(bus_));
    sources.others.push_back(caf::actor_cast<status_actor>(ws_->hub()));
    // The frame sinks are the store writers.
    for (auto& writer : frame_sinks)
      sources.others.push_back(caf::actor_cast<status_actor>(writer));
    sources.stores = ctx_->stores;
    if (demo_)
      sources.others.push_back(caf::actor_cast<status_actor>(demo_));
    telemetry_->watch(system_, std::move(sources));
    telemetry_->watch_also(caf::actor_cast<status_actor>(cluster_->actor()));
  }
  // The API tells the dashboard the bound WebSocket port (WS_PORT may be 0).
  auto http_cfg = cfg;
  http_cfg.ws_port = ws_->port();
  try {
    auto& stats = ws_->stats();
    http_ = std::make_unique<http_server>(
      http_cfg, system_, swarm, bus_, physics_, ctx_, telemetry_,
      std::shared_ptr<const std::atomic<uint64_t>>(stats,
                                                   &stats->sessions_open));
  } catch (const std::exception& e) {
    // The destructor will not run: stop the actors here, or the actor
    // system's destructor waits for them forever.
    shutdown();
    throw std::runtime_error("cannot listen for the HTTP API on "
                             + cfg.bind_address + ":"
                             + std::to_string(cfg.api_port) + ": " + e.what());
  }
  // Shells connect through the cluster port (docs/shell.md).
  shell::gate_env shell_env;
  shell_env.ctx = ctx_;
  shell_env.local = registry_;
  shell_env.swarm = swarm;
  shell_env.bus = bus_;
  shell_env.routes = http_->routes();
  shell_env.auth = std::make_shared<const net::authenticator>(
    cfg.api_key, cfg.jwt_secret, cfg.jwt_expiry_s, cfg.read_auth);
  shell_env.actors = std::move(own);
  shell_env.sessions = [ws = ws_.get()] {
    return ws->sessions();
  };
  shell_ = shell::spawn_gate(system_, std::move(shell_env));
  if (telemetry_)
    telemetry_->watch_also(caf::actor_cast<status_actor>(shell_));
  // The shared memory lives in Redis when there is one, so that every node
  // of a cluster sees the same values.
  if (cfg.redis_url.empty()) {
    memory_ = make_local_memory_store(cfg.memory_max_bytes);
  } else if (auto store = persistence::make_redis_memory_store(
               cfg.redis_url, cfg.memory_max_bytes,
               static_cast<size_t>(cfg.redis_pool_size))) {
    memory_ = std::move(*store);
  } else {
    shutdown();
    throw std::runtime_error(describe(store.error()));
  }
  try {
    mcp_ = std::make_unique<mcp_server>(cfg, system_, swarm, bus_, physics_,
                                        ctx_, telemetry_, memory_, mcp_http);
  } catch (const std::exception& e) {
    shutdown();
    throw std::runtime_error("cannot serve MCP on " + cfg.bind_address + ":"
                             + std::to_string(cfg.mcp_port) + ": " + e.what());
  }
}

node::~node() {
  shutdown();
}

void node::log_summary() {
  caf::scoped_actor self{system_};
  self
    ->request(registry_, std::chrono::seconds{2}, atom::status::value,
              status_verbosity::detailed)
    .receive(
      [&](const caf::settings& xs) {
        auto state = [&](const char* name) {
          return setting<int64_t>(xs, std::string{"agents_by_state."} + name);
        };
        auto coord = [&](const char* name) {
          return setting<int64_t>(xs, std::string{"coordinations_by_status."}
                                        + name);
        };
        log::info("node summary",
                  {{"agents", setting<int64_t>(xs, "agents")},
                   {"idle", state("IDLE")},
                   {"busy", state("BUSY")},
                   {"error", state("ERROR")},
                   {"coordinations_active", coord("ACTIVE")},
                   {"coordinations_completed", coord("COMPLETED")},
                   {"coordinations_failed", coord("FAILED")},
                   {"restarts", setting<int64_t>(xs, "restarts")},
                   {"events", ctx_->bus.last_seq()}});
      },
      [&](const caf::error& err) {
        log::warn("registry did not answer", {{"error", describe(err)}});
      });
}

void node::shutdown() {
  if (stopped_)
    return;
  stopped_ = true;
  // Viewers learn it first: the WebSocket server hands every event
  // published so far to its sessions before it closes them.
  ctx_->bus.publish(node_stopping{"shutdown"});
  // Closes in the background while the rest stops.
  if (telemetry_)
    telemetry_->stop();
  // Requests in flight get their answers or fail; none reaches a stopped
  // actor.
  if (http_)
    http_->stop();
  if (ws_)
    ws_->stop();
  if (mcp_)
    mcp_->stop();
  if (shell_) {
    system_.registry().erase(cluster::shell_gate_name);
    caf::anon_send_exit(shell_, caf::exit_reason::user_shutdown);
  }
  // The other nodes see this one go.
  if (cluster_)
    cluster_->stop();
  if (demo_)
    caf::anon_send_exit(demo_, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(registry_, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(physics_, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(bus_, caf::exit_reason::user_shutdown);
  ctx_->durability = durability_actor{};
  system_.registry().erase(history_actor_name);
  for (auto& store : stores_)
    caf::anon_send_exit(store, caf::exit_reason::user_shutdown);
  system_.await_all_actors_done();
  // The last spans go out (one try) as the exporter ends.
  if (tracer_) {
    tracing::install(nullptr);
    tracer_.reset();
  }
  if (telemetry_)
    telemetry_->join();
}

int serve(const config::settings& cfg) {
  // Signals are taken synchronously by this thread; block them before CAF
  // starts its threads so that none of those receives them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  if (cfg.database_url.empty() && cfg.redis_url.empty())
    log::info("no DATABASE_URL or REDIS_URL: running in memory, nothing is "
              "persisted");
  if (!cfg.database_url.empty())
    persistence::prepare_database(cfg.database_url, cfg.auto_migrate);
  node n{cfg};
  log::info("node ready",
            {{"node", cluster::node_name(cfg)},
             {"demo_agents", cfg.demo_agents},
             {"max_agents", cfg.max_agents},
             {"api_port", n.api_port()},
             {"ws_port", n.ws_port()},
             {"mcp_port", n.mcp_port()},
             {"metrics_port", n.metrics_port()},
             {"cluster_port", n.cluster_port()},
             {"worker_threads", n.system().scheduler().num_workers()}});
  timespec interval{summary_interval_s, 0};
  for (;;) {
    auto sig = sigtimedwait(&signals, nullptr, &interval);
    if (sig == SIGINT || sig == SIGTERM) {
      log::info("shutting down",
                {{"signal", sig == SIGINT ? "SIGINT" : "SIGTERM"}});
      break;
    }
    n.log_summary();
  }
  n.shutdown();
  log::info("stopped");
  return 0;
}

int serve_mcp_stdio(const config::settings& cfg) {
  // The client owns the process: it closes stdin to stop us, then signals.
  node n{cfg, false};
  log::info(
    "node ready",
    {{"api_port", n.api_port()}, {"ws_port", n.ws_port()}, {"mcp", "stdio"}});
  serve_stdio(n.mcp(), std::cin, std::cout,
              std::chrono::milliseconds{cfg.mcp_timeout_ms});
  n.shutdown();
  log::info("stopped");
  return 0;
}

} // namespace av
