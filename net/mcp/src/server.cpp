#include "av/mcp/server.hpp"

#include "av/api/agent_lists.hpp"
#include "av/base/log.hpp"
#include "av/config.hpp"
#include "av/net/io_thread.hpp"
#include "av/net/listener.hpp"
#include "transport/http.hpp"

namespace av {

namespace {

/// Events the training log learns from.
constexpr uint32_t training_kinds = kind_bit(event_kind::agent_spawned)
                                    | kind_bit(event_kind::task)
                                    | kind_bit(event_kind::metrics);

/// The one session of the stdio transport.
const std::string stdio_session = "stdio";

/// Events the event streams carry (mcp_sse.cpp picks their levels).
constexpr uint32_t notified_kinds
  = kind_bit(event_kind::agent_spawned) | kind_bit(event_kind::agent_state)
    | kind_bit(event_kind::task) | kind_bit(event_kind::coordination)
    | kind_bit(event_kind::agent_terminated) | kind_bit(event_kind::tool_called)
    | kind_bit(event_kind::formation);

mcp::settings load(const config::settings& cfg) {
  // The default path may be absent (a node run outside the source tree);
  // a path someone set must be readable.
  auto loaded = mcp::load_settings(
    cfg.mcp_config, cfg.mcp_config == config::settings{}.mcp_config);
  if (!loaded)
    throw std::runtime_error(loaded.error());
  return *loaded;
}

} // namespace

mcp_server::mcp_server(const config::settings& cfg, caf::actor_system& sys,
                       registry_actor registry, bus_actor bus,
                       physics_actor physics, node_context_ptr ctx,
                       std::shared_ptr<telemetry> tel, memory_store_ptr memory,
                       bool listen)
  : sys_(&sys), bus_(bus) {
  mcp::tool_env env;
  env.api.sys = &sys;
  env.api.registry = registry;
  env.api.bus = bus;
  env.api.physics = std::move(physics);
  env.api.tel = tel;
  env.api.ctx = std::move(ctx);
  env.api.timeout = std::chrono::milliseconds{cfg.mcp_timeout_ms};
  env.api.started_ms = now_ms();
  env.api.connections = std::make_shared<std::atomic<size_t>>(0);
  lists_ = std::make_shared<http::agent_lists>(env.api.ctx);
  env.api.lists = lists_;
  env.memory = std::move(memory);
  env.swarms = std::make_shared<mcp::swarm_book>();
  env.training = std::make_shared<mcp::training_log>();
  auto log = env.training;
  sink_ = sys.spawn([log]() -> event_sink_actor::behavior_type {
    return {[log](event_batch& batch) {
      log->add(*batch.events);
    }};
  });
  caf::anon_send(bus, atom::subscribe::value, sink_, training_kinds);
  engine_ = std::make_shared<mcp::engine>(std::move(env), load(cfg), tel);
  // Only once nothing can throw: the watcher lives until `stop`.
  http::agent_lists::watch(lists_, sys, registry, bus);
  if (!listen)
    return;
  core_ = std::make_shared<mcp::http_transport>(cfg, engine_);
  // Only calls answered on the I/O thread batch their events: an actor
  // thread publishing itself costs less than a hop to the I/O thread.
  engine_->batch_events([weak = std::weak_ptr<mcp::http_transport>{core_}](
                          std::function<void()> f) {
    auto core = weak.lock();
    return core && core->ioc.get_executor().running_in_this_thread()
           && core->gate.post(core->ioc.get_executor(), std::move(f));
  });
  port_ = net::listen_on(core_->acceptor, cfg.bind_address, cfg.mcp_port);
  log::info("mcp listening", {{"address", cfg.bind_address},
                              {"port", port_},
                              {"path", "/mcp"},
                              {"auth", cfg.api_key.empty() ? "off" : "key"}});
  core_->accept();
  notifier_ = sys.spawn([core = core_]() -> event_sink_actor::behavior_type {
    return {[core](event_batch& batch) {
      for (auto& e : *batch.events)
        core->streams.publish(e);
    }};
  });
  caf::anon_send(bus, atom::subscribe::value, notifier_, notified_kinds);
  thread_ = net::run_io_thread(core_, core_->ioc, "mcp");
}

mcp_server::~mcp_server() {
  stop();
}

bool mcp_server::handle_line(const std::string& line,
                             std::function<void(std::string)> reply) {
  bool parse_failed = false;
  auto msg = mcp::rpc::parse(line, parse_failed);
  if (parse_failed) {
    reply(http::dump(
      mcp::rpc::error(nullptr, mcp::rpc::parse_error, "Parse error")));
    return true;
  }
  mcp::caller who{stdio_session, true, stdio_session, "stdio"};
  if (msg.method == "initialize")
    engine_->open_session_named(who.session);
  bool answers = msg.kind == mcp::rpc::kind::request
                 || msg.kind == mcp::rpc::kind::invalid;
  engine_->handle(msg, who, [reply](mcp::answer a) {
    if (!a.text.empty())
      reply(std::move(a.text));
  });
  return answers;
}

void mcp_server::notify_stdio(std::function<void(std::string)> write) {
  auto eng = engine_;
  stdio_notifier_ = sys_->spawn([eng,
                                 write]() -> event_sink_actor::behavior_type {
    return {[eng, write](event_batch& batch) {
      // Nothing before initialize; the stdio session never expires.
      if (!eng->exists(stdio_session))
        return;
      auto wanted = eng->log_level(stdio_session);
      for (auto& e : *batch.events)
        if (auto level = mcp::notification_level(e); level && *level >= wanted)
          write(mcp::notification_text(e, *level));
    }};
  });
  caf::anon_send(bus_, atom::subscribe::value, stdio_notifier_, notified_kinds);
}

void mcp_server::stop() {
  if (engine_)
    engine_->stop();
  if (lists_)
    lists_->stop();
  for (auto* sink : {&sink_, &notifier_, &stdio_notifier_})
    if (*sink) {
      caf::anon_send_exit(*sink, caf::exit_reason::user_shutdown);
      *sink = nullptr;
    }
  if (!thread_.joinable())
    return;
  core_->shutdown();
  thread_.join();
  core_->gate.close(core_->ioc);
  log::info("mcp stopped");
}

} // namespace av
