#include "av/redis_writer.hpp"

#include <unordered_map>

#include "av/base/connection_url.hpp"
#include "av/base/log.hpp"
#include "av/redis_client.hpp"
#include "av/redis_commands.hpp"
#include "outage.hpp"

namespace av::persistence {

namespace {

using namespace detail;
constexpr std::chrono::milliseconds tick_interval{100};
constexpr std::chrono::milliseconds connect_timeout{2000};
constexpr std::chrono::milliseconds probe_interval{1000};

struct redis_writer_state {
  static inline const char* name = "redis_writer";

  redis_writer_config cfg;
  connection_url url;
  store_status_ptr status;
  std::unique_ptr<redis_client> client;
  // Made again from cfg.max_pipeline when the writer starts.
  command_queue pending{1};
  // The message of a position update, built again for each.
  std::string scratch;
  std::unordered_map<num_id, agent_mirror> agents;
  position_sampler sampler{0};
  bool flush_requested = false;
  bool ever_connected = false;
  reconnect_backoff backoff{std::chrono::milliseconds{2000}};
  idle_probe probe{probe_interval};
  uint64_t processed = 0;
};

using self_ptr = redis_writer_actor::stateful_pointer<redis_writer_state>;

void publish_status(self_ptr self) {
  auto& st = self->state;
  publish_buffer(*st.status, st.pending.size(), st.pending.size(),
                 st.cfg.buffer_size);
}

/// Counts the commands of a written pipeline by their name (hset, zadd,
/// publish, ...).
void count_commands(self_ptr self, const command_queue::pipeline& written) {
  auto& st = self->state;
  for (size_t i = 0; i < command_kinds; ++i)
    if (auto n = written.by_kind[i])
      st.status->count_written(kind_name(static_cast<command_kind>(i)), n);
}

void lost(self_ptr self, const char* what) {
  auto& st = self->state;
  st.client.reset();
  mark_down(*st.status, what, st.pending.size());
  st.backoff.failed();
}

/// After an outage Redis may have lost everything (a restart without
/// persistence): write every agent's current state again.
void rewrite_all(self_ptr self) {
  auto& st = self->state;
  for (const auto& [num, a] : st.agents) {
    agent_hash(a, st.pending);
    if (a.has_metrics)
      metrics_hash(a, st.pending);
  }
}

bool ensure_connected(self_ptr self) {
  auto& st = self->state;
  if (st.client)
    return true;
  if (!st.backoff.due())
    return false;
  try {
    st.client = std::make_unique<redis_client>(st.url, connect_timeout);
  } catch (const std::exception& e) {
    lost(self, e.what());
    return false;
  }
  st.backoff.succeeded();
  st.probe.used();
  // After an outage Redis may have restarted empty.
  if (st.ever_connected)
    rewrite_all(self);
  mark_up(*st.status, st.ever_connected, st.pending.size());
  return true;
}

/// Writes one pipeline; returns whether more is waiting.
bool write_some(self_ptr self) {
  auto& st = self->state;
  if (st.pending.empty() || !ensure_connected(self))
    return false;
  const auto& next = st.pending.front();
  flush_timer timer{*st.status};
  try {
    if (auto errors = st.client->pipeline(next.bytes, next.commands)) {
      st.status->failed_writes += errors;
      log::error("Redis refused commands", {{"count", errors}});
    }
  } catch (const std::exception& e) {
    // Commands are idempotent (HSET, ZADD of the same member) except
    // PUBLISH, which may then reach subscribers twice.
    ++st.status->retries;
    lost(self, e.what());
    publish_status(self);
    return false;
  }
  timer.done();
  st.probe.used();
  count_commands(self, next);
  st.pending.pop_front();
  publish_status(self);
  return !st.pending.empty();
}

/// Connects without waiting for something to write, and PINGs a connection
/// that has been idle, so that /health reports Redis as it is.
void keep_alive(self_ptr self) {
  auto& st = self->state;
  if (!ensure_connected(self) || !st.probe.due())
    return;
  try {
    st.client->run({"PING"});
    st.probe.used();
  } catch (const std::exception& e) {
    lost(self, e.what());
    publish_status(self);
  }
}

void on_event(self_ptr self, const event& e) {
  auto& st = self->state;
  auto find = [&](num_id num) -> agent_mirror* {
    auto i = st.agents.find(num);
    return i == st.agents.end() ? nullptr : &i->second;
  };
  switch (e.kind()) {
    case event_kind::agent_spawned: {
      const auto& x = caf::get<agent_spawned>(e.payload).agent;
      auto& a = st.agents[x.num];
      set_id(a, x.id);
      a.num = x.num;
      a.name = x.name;
      a.type = x.type;
      a.state = to_string(x.state);
      a.updated_ms = e.time_ms;
      agent_hash(a, st.pending);
      state_commands(a, "", st.pending);
      break;
    }
    case event_kind::agent_state: {
      const auto& x = caf::get<agent_state_changed>(e.payload);
      if (auto a = find(x.agent)) {
        a->state = to_string(x.to);
        a->updated_ms = e.time_ms;
        state_commands(*a, to_string(x.from), st.pending);
      }
      break;
    }
    case event_kind::metrics: {
      const auto& x = caf::get<metrics_event>(e.payload);
      if (auto a = find(x.agent)) {
        a->has_metrics = true;
        a->metrics = x.sample;
        a->trends = x.trends;
        metrics_commands(*a, st.cfg.history, st.pending);
      }
      break;
    }
    case event_kind::agent_terminated: {
      const auto& x = caf::get<agent_terminated>(e.payload);
      if (auto a = find(x.agent)) {
        auto previous = a->state;
        a->state = to_string(agent_state::terminated);
        a->updated_ms = e.time_ms;
        state_commands(*a, previous, st.pending);
      }
      break;
    }
    default: break;
  }
}

void sample(self_ptr self, const position_batch& frame) {
  auto& st = self->state;
  for (const auto& p : frame.agents) {
    auto i = st.agents.find(p.agent);
    if (i == st.agents.end())
      continue;
    // The mirror keeps the newest position for a rewrite.
    auto& a = i->second;
    a.pos = p.pos;
    a.vel = p.vel;
    if (!st.sampler.take(p.agent, frame.time_ms))
      continue;
    a.updated_ms = frame.time_ms;
    if (st.pending.size() >= st.cfg.buffer_size)
      count_dropped(*st.status);
    else
      position_commands(a, st.scratch, st.pending);
  }
}

redis_writer_actor::behavior_type
redis_writer(self_ptr self, redis_writer_config cfg, store_status_ptr status) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  st.pending = command_queue{st.cfg.max_pipeline};
  st.status = std::move(status);
  st.sampler = position_sampler{st.cfg.position_hz};
  st.backoff = reconnect_backoff{st.cfg.max_backoff};
  auto url = parse_redis_url(st.cfg.redis_url);
  if (url)
    st.url = *url;
  self->send(self, atom::tick::value);
  return {
    [=](event_batch& batch) {
      ++self->state.processed;
      if (!batch.events)
        return;
      // Another node's events are that node's to write.
      for (const auto& e : *batch.events)
        if (e.node.empty())
          on_event(self, e);
      publish_status(self);
      request_flush(self);
    },
    [=](position_batch& frame) {
      ++self->state.processed;
      sample(self, frame);
      publish_status(self);
      request_flush(self);
    },
    [=](atom::flush) {
      ++self->state.processed;
      self->state.flush_requested = false;
      if (write_some(self))
        request_flush(self);
    },
    [=](atom::tick) {
      ++self->state.processed;
      keep_alive(self);
      if (write_some(self))
        request_flush(self);
      self->delayed_send(self, tick_interval, atom::tick::value);
    },
    [=](atom::status, status_verbosity) -> caf::settings {
      auto& st = self->state;
      auto up = st.status->up.load();
      auto result = status_header(self, "redis_writer", "redis",
                                  std::string{up ? "up" : "down"} + ", "
                                    + std::to_string(st.pending.size())
                                    + " commands buffered",
                                  ++st.processed);
      caf::put(result, "buffered", static_cast<uint64_t>(st.pending.size()));
      // WRITE_BUFFER_SIZE, for alerts on how full the buffer is.
      caf::put(result, "buffer_capacity",
               static_cast<uint64_t>(st.cfg.buffer_size));
      put_counters(result, *st.status);
      return result;
    },
  };
}

} // namespace

redis_writer_actor spawn_redis_writer(caf::actor_system& sys,
                                      redis_writer_config cfg, bus_actor bus,
                                      store_status_ptr status) {
  auto writer
    = sys.spawn<caf::detached>(redis_writer, std::move(cfg), std::move(status));
  // From the caller's thread: see spawn_pg_writer.
  caf::anon_send(
    bus, atom::subscribe::value, caf::actor_cast<event_sink_actor>(writer),
    kind_bit(event_kind::agent_spawned) | kind_bit(event_kind::agent_state)
      | kind_bit(event_kind::metrics) | kind_bit(event_kind::agent_terminated));
  return writer;
}

} // namespace av::persistence
