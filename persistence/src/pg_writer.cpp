#include "av/pg_writer.hpp"

#include <map>
#include <memory>
#include <optional>

#include "av/base/connection_url.hpp"
#include "av/base/log.hpp"
#include "av/conninfo.hpp"
#include "av/partitions.hpp"
#include "outage.hpp"
#include "pg_rows.hpp"

namespace av::persistence {

namespace {

using namespace detail;
using clock = std::chrono::steady_clock;

constexpr std::chrono::milliseconds tick_interval{100};
constexpr std::chrono::milliseconds probe_interval{1000};

/// One transaction's worth of writes: the first `ops` queued writes and the
/// first `rows` position samples. Its number stays the same over retries, so
/// a batch that committed before the connection broke is recognised.
struct batch {
  int64_t number = 0;
  size_t ops = 0;
  size_t rows = 0;
};

struct pg_writer_state {
  static inline const char* name = "pg_writer";

  pg_writer_config cfg;
  std::string conninfo;
  store_status_ptr status;
  std::unique_ptr<pqxx::connection> conn;
  /// Identifies this process's batches in writer_batches.
  std::string run = make_uuid();
  int64_t next_batch = 1;
  std::optional<batch> inflight;

  std::deque<queued_op> queue;
  std::deque<position_row> samples;
  uuid_map ids;
  position_sampler sampler{0};

  /// Last event sequence number received and committed through.
  uint64_t seen = 0;
  uint64_t committed = 0;
  std::multimap<uint64_t, caf::typed_response_promise<uint64_t>> waiters;

  bool flush_requested = false;
  bool ever_connected = false;
  reconnect_backoff backoff{std::chrono::milliseconds{2000}};
  idle_probe probe{probe_interval};
  clock::time_point next_positions{};
  uint64_t processed = 0;
};

using self_ptr = pg_writer_actor::stateful_pointer<pg_writer_state>;

void publish_status(self_ptr self) {
  auto& st = self->state;
  publish_buffer(*st.status, st.queue.size() + st.samples.size(),
                 st.queue.size(), st.cfg.buffer_size);
}

void advance(self_ptr self) {
  auto& st = self->state;
  st.committed = st.queue.empty() ? st.seen : st.queue.front().seq - 1;
  while (!st.waiters.empty() && st.waiters.begin()->first <= st.committed) {
    st.waiters.begin()->second.deliver(st.committed);
    st.waiters.erase(st.waiters.begin());
  }
}

/// Errors that mean the connection or the server is gone, rather than a
/// write the database refuses.
bool connection_trouble(const pqxx::sql_error& e, pqxx::connection* conn) {
  auto state = e.sqlstate();
  return !conn || !conn->is_open() || state.rfind("08", 0) == 0
         || state.rfind("57", 0) == 0 || state.rfind("53", 0) == 0
         || state.empty();
}

void lost(self_ptr self, const char* what) {
  auto& st = self->state;
  st.conn.reset();
  mark_down(*st.status, what, st.queue.size());
  st.backoff.failed();
}

bool ensure_connected(self_ptr self) {
  auto& st = self->state;
  if (st.conn)
    return true;
  if (!st.backoff.due())
    return false;
  try {
    auto conn = std::make_unique<pqxx::connection>(st.conninfo);
    prepare_statements(*conn);
    ensure_position_partitions(*conn, utc_today());
    st.conn = std::move(conn);
  } catch (const std::exception& e) {
    lost(self, e.what());
    return false;
  }
  st.backoff.succeeded();
  st.probe.used();
  mark_up(*st.status, st.ever_connected, st.queue.size());
  return true;
}

/// Writes `b` in one transaction; skips it when an earlier try committed.
void write_batch(self_ptr self, const batch& b) {
  auto& st = self->state;
  pqxx::work tx{*st.conn};
  if (tx.exec_prepared("batch_seen", st.run, b.number).empty()) {
    for (size_t i = 0; i < b.ops; ++i)
      apply_op(tx, st.queue[i].op, st.cfg.node);
    if (b.rows > 0)
      copy_positions(tx, st.samples, b.rows);
    tx.exec_prepared("batch_mark", st.run, b.number);
  }
  tx.commit();
}

void done_with(self_ptr self, const batch& b) {
  auto& st = self->state;
  std::map<std::string, uint64_t> kinds;
  for (size_t i = 0; i < b.ops; ++i)
    ++kinds[kind_of(st.queue[i].op)];
  if (b.rows > 0)
    kinds["position"] += b.rows;
  for (const auto& [kind, n] : kinds)
    st.status->count_written(kind, n);
  st.queue.erase(st.queue.begin(), st.queue.begin() + b.ops);
  st.samples.erase(st.samples.begin(), st.samples.begin() + b.rows);
  st.inflight.reset();
}

/// A write the database refused (bad data, a missing row): writes the batch
/// one write at a time so that only what is refused is lost, and logs it.
void write_singly(self_ptr self, const batch& b) {
  auto& st = self->state;
  for (size_t i = 0; i < b.ops + (b.rows > 0 ? 1 : 0); ++i) {
    batch one{st.next_batch++, i < b.ops ? size_t{1} : 0,
              i < b.ops ? 0 : b.rows};
    // Writes before `i` are done: they are always the front of the buffer.
    try {
      write_batch(self, one);
    } catch (const pqxx::sql_error& e) {
      if (connection_trouble(e, st.conn.get()))
        throw;
      st.status->failed_writes += 1;
      log::error(
        "PostgreSQL refused a write; it is lost",
        {{"kind", one.ops ? kind_of(st.queue.front().op) : "position samples"},
         {"error", std::string{e.what()}}});
    }
    done_with(self, one);
  }
}

/// Writes one batch from the buffer; returns whether more is waiting.
bool write_some(self_ptr self, bool positions) {
  auto& st = self->state;
  if (!ensure_connected(self))
    return false;
  if (!st.inflight) {
    auto rows = positions || st.samples.size() >= st.cfg.max_copy_rows
                  ? std::min(st.samples.size(), st.cfg.max_copy_rows)
                  : 0;
    auto ops = std::min(st.queue.size(), st.cfg.max_batch);
    if (ops == 0 && rows == 0)
      return false;
    st.inflight = batch{st.next_batch++, ops, rows};
  }
  auto b = *st.inflight;
  flush_timer timer{*st.status};
  try {
    try {
      write_batch(self, b);
      timer.done();
      st.probe.used();
      done_with(self, b);
    } catch (const pqxx::sql_error& e) {
      if (connection_trouble(e, st.conn.get()))
        throw;
      st.inflight.reset();
      write_singly(self, b);
    }
  } catch (const std::exception& e) {
    // Broken connection, a commit whose outcome is unknown, or the server
    // shutting down: keep the batch (and its number) and retry later.
    ++st.status->retries;
    lost(self, e.what());
    publish_status(self);
    return false;
  }
  advance(self);
  publish_status(self);
  return !st.queue.empty() || st.samples.size() >= st.cfg.max_copy_rows;
}

/// Runs SELECT 1 on a connection that has been idle, so that a server that
/// went away while nothing was written is reported down (/health).
void keep_alive(self_ptr self) {
  auto& st = self->state;
  if (!st.conn || !st.probe.due())
    return;
  try {
    pqxx::nontransaction tx{*st.conn};
    tx.exec("SELECT 1");
    st.probe.used();
  } catch (const std::exception& e) {
    lost(self, e.what());
    publish_status(self);
  }
}

void sample(self_ptr self, const position_batch& frame) {
  auto& st = self->state;
  for (const auto& p : frame.agents) {
    auto id = st.ids.find(p.agent);
    if (id == st.ids.end() || !st.sampler.take(p.agent, frame.time_ms))
      continue;
    if (st.samples.size() >= st.cfg.buffer_size)
      count_dropped(*st.status);
    else
      st.samples.push_back({id->second, p.pos, p.vel, frame.time_ms});
  }
}

pg_writer_actor::behavior_type pg_writer(self_ptr self, pg_writer_config cfg,
                                         store_status_ptr status) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  st.status = std::move(status);
  st.sampler = position_sampler{st.cfg.position_hz};
  st.backoff = reconnect_backoff{st.cfg.max_backoff};
  auto url = parse_postgres_url(st.cfg.database_url);
  st.conninfo
    = url ? to_conninfo(*url) + " connect_timeout=2" : st.cfg.database_url;
  self->send(self, atom::tick::value);
  return {
    [=](event_batch& batch) {
      auto& st = self->state;
      ++st.processed;
      if (!batch.events || batch.events->empty())
        return;
      // Another node's events are that node's to write.
      for (const auto& e : *batch.events)
        if (e.node.empty())
          translate(e, st.ids, st.queue);
      st.seen = batch.events->back().seq;
      if (st.queue.empty() && !st.inflight)
        advance(self);
      else
        request_flush(self);
      publish_status(self);
    },
    [=](position_batch& frame) {
      ++self->state.processed;
      sample(self, frame);
    },
    [=](atom::durable, uint64_t seq) -> caf::result<uint64_t> {
      auto& st = self->state;
      ++st.processed;
      if (seq <= st.committed)
        return st.committed;
      auto rp = self->make_response_promise<uint64_t>();
      st.waiters.emplace(seq, rp);
      return rp;
    },
    [=](atom::flush) {
      auto& st = self->state;
      ++st.processed;
      st.flush_requested = false;
      if (write_some(self, false))
        request_flush(self);
    },
    [=](atom::tick) {
      auto& st = self->state;
      ++st.processed;
      auto now = clock::now();
      auto positions = now >= st.next_positions;
      if (positions)
        st.next_positions = now + st.cfg.position_flush;
      if (write_some(self, positions))
        request_flush(self);
      keep_alive(self);
      self->delayed_send(self, tick_interval, atom::tick::value);
    },
    [=](atom::status, status_verbosity) -> caf::settings {
      auto& st = self->state;
      auto up = st.status->up.load();
      auto result = status_header(
        self, "pg_writer", "postgres",
        std::string{up ? "up" : "down"} + ", " + std::to_string(st.queue.size())
          + " writes and " + std::to_string(st.samples.size())
          + " samples buffered",
        ++st.processed);
      caf::put(result, "buffered", static_cast<uint64_t>(st.queue.size()));
      caf::put(result, "samples", static_cast<uint64_t>(st.samples.size()));
      caf::put(result, "committed_seq", st.committed);
      // WRITE_BUFFER_SIZE, for alerts on how full the buffer is.
      caf::put(result, "buffer_capacity",
               static_cast<uint64_t>(st.cfg.buffer_size));
      put_counters(result, *st.status);
      return result;
    },
  };
}

} // namespace

pg_writer_actor spawn_pg_writer(caf::actor_system& sys, pg_writer_config cfg,
                                bus_actor bus, store_status_ptr status) {
  auto writer
    = sys.spawn<caf::detached>(pg_writer, std::move(cfg), std::move(status));
  // Sent from the caller's thread, so that the bus sees the subscription
  // before any event the caller publishes afterwards.
  caf::anon_send(bus, atom::subscribe::value,
                 caf::actor_cast<event_sink_actor>(writer), all_event_kinds);
  return writer;
}

} // namespace av::persistence
