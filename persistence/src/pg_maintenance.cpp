#include <memory>

#include <caf/event_based_actor.hpp>
#include <pqxx/pqxx>

#include "av/base/connection_url.hpp"
#include "av/base/log.hpp"
#include "av/conninfo.hpp"
#include "av/node_context.hpp"
#include "av/partitions.hpp"
#include "av/pg_writer.hpp"

namespace av::persistence {

namespace {

struct maintenance_state {
  static inline const char* name = "pg_maintenance";
  std::string conninfo;
  uint64_t processed = 0;
  /// Why the last step failed; empty after a good one.
  std::string last_error;
  std::unique_ptr<pqxx::connection> conn;
  /// Day of the last partition check; {0,0,0} before the first.
  civil_day checked{0, 0, 0};
};

void run_step(maintenance_state& st, int retention_days) {
  if (!st.conn)
    st.conn = std::make_unique<pqxx::connection>(st.conninfo);
  auto today = utc_today();
  if (today.year != st.checked.year || today.month != st.checked.month
      || today.day != st.checked.day) {
    for (const auto& name : ensure_position_partitions(*st.conn, today))
      log::info("partition created", {{"partition", name}});
    for (const auto& name :
         drop_expired_position_partitions(*st.conn, today, retention_days))
      log::info("partition dropped after retention", {{"partition", name}});
    pqxx::work tx{*st.conn};
    tx.exec("DELETE FROM writer_batches WHERE committed_at < now() - "
            "interval '1 day'");
    tx.commit();
    st.checked = today;
  }
  pqxx::nontransaction tx{*st.conn};
  tx.exec("REFRESH MATERIALIZED VIEW CONCURRENTLY agent_performance_summary");
}

} // namespace

pg_maintenance_actor spawn_pg_maintenance(caf::actor_system& sys,
                                          std::string database_url,
                                          std::chrono::seconds summary_refresh,
                                          int retention_days) {
  auto url = parse_postgres_url(database_url);
  auto conninfo = url ? to_conninfo(*url) + " connect_timeout=5" : database_url;
  return sys.spawn<caf::detached>(
    [=](pg_maintenance_actor::stateful_pointer<maintenance_state> self)
      -> pg_maintenance_actor::behavior_type {
      self->state.conninfo = conninfo;
      self->send(self, atom::tick::value);
      return {
        [=](atom::tick) {
          auto& st = self->state;
          ++st.processed;
          try {
            run_step(st, retention_days);
            st.last_error.clear();
          } catch (const std::exception& e) {
            // Retried at the next interval; the writer reports the outage.
            st.conn.reset();
            st.last_error = e.what();
            log::warn("PostgreSQL maintenance failed",
                      {{"error", st.last_error}});
          }
          self->delayed_send(self, summary_refresh, atom::tick::value);
        },
        [=](atom::status, status_verbosity) {
          auto& st = self->state;
          return status_header(self, "pg_maintenance", "pg_maintenance",
                               st.last_error.empty()
                                 ? "refreshing every "
                                     + std::to_string(summary_refresh.count())
                                     + " s"
                                 : "last step failed: " + st.last_error,
                               st.processed);
        },
      };
    });
}

} // namespace av::persistence
