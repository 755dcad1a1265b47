// Position-history rows per second through the PostgreSQL writer against
// `psql \copy` of the same rows from a file, and commands per second through
// the Redis writer against `redis-benchmark -P 16` with an equivalent HSET,
// in the same run. Needs DATABASE_URL and REDIS_URL (scripts/test or
// scripts/run start servers); works on a database of its own.

#include <array>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <thread>

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <caf/all.hpp>
#include <pqxx/pqxx>

#include "av/base/log.hpp"
#include "av/bus.hpp"
#include "av/conninfo.hpp"
#include "av/migrations.hpp"
#include "av/partitions.hpp"
#include "av/pg_writer.hpp"
#include "av/redis_writer.hpp"

using namespace av;
using clock_type = std::chrono::steady_clock;

namespace {

struct params {
  std::string database_url;
  std::string redis_url;
  uint32_t agents = 1000;
  uint32_t rows = 200000;
  uint32_t redis_updates = 100000;
  std::string psql = "psql";
  std::string redis_benchmark = "redis-benchmark";
};

double seconds_since(clock_type::time_point start) {
  return std::chrono::duration<double>(clock_type::now() - start).count();
}

/// Runs a shell command and returns its standard output.
std::string run_command(const std::string& cmd) {
  std::string out;
  std::unique_ptr<FILE, int (*)(FILE*)> pipe{popen(cmd.c_str(), "r"), pclose};
  if (!pipe)
    return out;
  std::array<char, 4096> buf;
  while (auto n = fread(buf.data(), 1, buf.size(), pipe.get()))
    out.append(buf.data(), n);
  return out;
}

/// A system with a bus and `n` agents published on it; returns their ids.
struct swarm {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  node_context_ptr ctx = std::make_shared<node_context>();
  bus_actor bus = sys.spawn(av::bus, ctx);

  std::vector<std::string> spawn(uint32_t n) {
    std::vector<std::string> ids;
    for (num_id i = 1; i <= n; ++i) {
      agent_spawned x;
      x.agent.id = make_uuid();
      x.agent.num = i;
      x.agent.name = "bench-" + std::to_string(i);
      x.agent.type = "coder";
      x.metadata = "{}";
      x.created_ms = now_ms();
      ids.push_back(x.agent.id);
      ctx->bus.publish(x);
    }
    return ids;
  }

  /// Sends frames of every agent, 1 ms apart, until `rows` samples.
  template <class Handle>
  void stream_frames(Handle sink, uint32_t agents, uint32_t rows) {
    auto t0 = now_ms();
    for (uint32_t sent = 0, tick = 0; sent < rows; ++tick) {
      position_batch frame;
      frame.frame = tick;
      frame.time_ms = t0 + tick;
      for (num_id i = 1; i <= agents && sent < rows; ++i, ++sent)
        frame.agents.push_back(
          {i, {float(i), float(tick), 0.5f}, {0.1f, 0.2f, 0.3f}});
      caf::anon_send(sink, std::move(frame));
    }
  }

  ~swarm() { caf::anon_send_exit(bus, caf::exit_reason::user_shutdown); }
};

/// Waits until `counter` reaches `target`.
void wait_for(const std::atomic<uint64_t>& counter, uint64_t target) {
  while (counter.load() < target)
    std::this_thread::sleep_for(std::chrono::microseconds{200});
}

void json_line(const char* bench, const params& p, double value,
               const char* unit) {
  std::printf("{\"bench\":\"%s\",\"params\":{\"agents\":%u,\"rows\":%u,"
              "\"redis_updates\":%u},\"value\":%.2f,\"unit\":\"%s\"}\n",
              bench, p.agents, p.rows, p.redis_updates, value, unit);
}

struct pg_figures {
  double writer = 0;
  double copy = 0;
};

pg_figures bench_postgres(const params& p) {
  auto server = *av::parse_postgres_url(p.database_url);
  auto db = "av_bench_" + std::to_string(getpid());
  auto admin = persistence::to_conninfo(server, "postgres");
  {
    pqxx::connection c{admin};
    pqxx::nontransaction tx{c};
    tx.exec("CREATE DATABASE " + db);
  }
  auto url = p.database_url.substr(0, p.database_url.rfind('/') + 1) + db;
  persistence::prepare_database(url, true);
  pg_figures result;
  {
    swarm s;
    auto status = std::make_shared<store_status>("postgres");
    persistence::pg_writer_config wc;
    wc.database_url = url;
    wc.position_hz = 1000;
    wc.buffer_size = p.rows + 1;
    auto writer = persistence::spawn_pg_writer(s.sys, wc, s.bus, status);
    auto ids = s.spawn(p.agents);
    wait_for(status->written, p.agents);
    auto start = clock_type::now();
    s.stream_frames(writer, p.agents, p.rows);
    wait_for(status->written, uint64_t{p.agents} + p.rows);
    result.writer = p.rows / seconds_since(start);
    caf::anon_send_exit(writer, caf::exit_reason::user_shutdown);
    // The same rows as a CSV file for psql.
    auto file = "/tmp/" + db + ".csv";
    {
      std::ofstream out{file};
      auto t0 = now_ms();
      for (uint32_t sent = 0, tick = 0; sent < p.rows; ++tick)
        for (uint32_t i = 1; i <= p.agents && sent < p.rows; ++i, ++sent)
          out << ids[i - 1] << ',' << float(i) << ',' << float(tick)
              << ",0.5,0.1,0.2,0.3," << persistence::utc_timestamp(t0 + tick)
              << '\n';
    }
    auto cmd = p.psql + " -q '" + url
               + "' -c \"\\copy agent_positions (agent_id, position_x, "
                 "position_y, position_z, velocity_x, velocity_y, velocity_z, "
                 "timestamp) FROM '"
               + file + "' WITH (FORMAT csv)\" 2>&1";
    start = clock_type::now();
    auto out = run_command(cmd);
    result.copy = p.rows / seconds_since(start);
    if (!out.empty())
      std::fprintf(stderr, "psql: %s\n", out.c_str());
    std::remove(file.c_str());
  }
  pqxx::connection c{admin};
  pqxx::nontransaction tx{c};
  tx.exec("DROP DATABASE IF EXISTS " + db + " WITH (FORCE)");
  return result;
}

struct redis_figures {
  double writer = 0;
  double peer = 0;
};

redis_figures bench_redis(const params& p) {
  redis_figures result;
  swarm s;
  auto status = std::make_shared<store_status>("redis");
  persistence::redis_writer_config wc;
  wc.redis_url = p.redis_url;
  wc.position_hz = 1000;
  wc.buffer_size = 4 * p.redis_updates + 4 * p.agents;
  auto writer = persistence::spawn_redis_writer(s.sys, wc, s.bus, status);
  s.spawn(p.agents);
  // Each spawn is two HSETs and a PUBLISH.
  wait_for(status->written, 3 * p.agents);
  auto start = clock_type::now();
  s.stream_frames(writer, p.agents, p.redis_updates);
  // Each position update is an HSET and a PUBLISH.
  wait_for(status->written, 3 * uint64_t{p.agents} + 2 * p.redis_updates);
  result.writer = 2.0 * p.redis_updates / seconds_since(start);
  caf::anon_send_exit(writer, caf::exit_reason::user_shutdown);
  auto url = *av::parse_redis_url(p.redis_url);
  auto cmd
    = p.redis_benchmark + " -h " + url.host + " -p " + std::to_string(url.port)
      + (url.password.empty() ? "" : " -a '" + url.password + "'") + " --dbnum "
      + std::to_string(url.db_index) + " -P 16 -n "
      + std::to_string(2 * p.redis_updates) + " -r " + std::to_string(p.agents)
      + " -q HSET bench:agent:__rand_int__ posX 1.5 posY 2.5 posZ 0.5 "
        "velX 0.1 velY 0.2 velZ 0.3 updated 1764130000000 2>/dev/null";
  auto out = run_command(cmd);
  // "HSET ...: 123456.78 requests per second"
  auto colon = out.rfind(": ");
  if (colon != std::string::npos)
    result.peer = std::atof(out.c_str() + colon + 2);
  return result;
}

} // namespace

int main(int argc, char** argv) {
  params p;
  if (auto x = std::getenv("DATABASE_URL"))
    p.database_url = x;
  if (auto x = std::getenv("REDIS_URL"))
    p.redis_url = x;
  CLI::App app{"Position rows/s through the PostgreSQL writer against psql "
               "\\copy, and commands/s through the Redis writer against "
               "redis-benchmark -P 16, in the same run."};
  app.add_option("--database-url", p.database_url,
                 "PostgreSQL server (a database of its own is made there); "
                 "default DATABASE_URL");
  app.add_option("--redis-url", p.redis_url, "Redis; default REDIS_URL");
  app.add_option("--agents", p.agents, "agents in the frames")
    ->check(CLI::Range(1u, 100000u));
  app.add_option("--rows", p.rows, "position rows written to PostgreSQL")
    ->check(CLI::Range(1000u, 100000000u));
  app
    .add_option("--redis-updates", p.redis_updates,
                "position updates written to Redis")
    ->check(CLI::Range(1000u, 100000000u));
  app.add_option("--psql", p.psql, "psql program");
  app.add_option("--redis-benchmark", p.redis_benchmark,
                 "redis-benchmark program");
  CLI11_PARSE(app, argc, argv);
  log::init(log::format::text, log::level::warn);
  if (!p.database_url.empty()) {
    auto pg = bench_postgres(p);
    std::printf("PostgreSQL: %u position rows, %u agents\n", p.rows, p.agents);
    std::printf("  writer (COPY via pqxx::stream_to): %12.0f rows/s\n",
                pg.writer);
    std::printf("  psql \\copy of the same rows:       %12.0f rows/s\n",
                pg.copy);
    std::printf("  ratio: %.2f\n", pg.writer / pg.copy);
    json_line("persistence.pg_position_rows", p, pg.writer, "rows/s");
    json_line("persistence.pg_psql_copy_rows", p, pg.copy, "rows/s");
    json_line("persistence.pg_ratio", p, pg.writer / pg.copy, "ratio");
  } else {
    std::printf("PostgreSQL: skipped (no DATABASE_URL)\n");
  }
  if (!p.redis_url.empty()) {
    auto r = bench_redis(p);
    std::printf("Redis: %u position updates (HSET + PUBLISH each)\n",
                p.redis_updates);
    std::printf("  writer (pipelined):                %12.0f commands/s\n",
                r.writer);
    std::printf("  redis-benchmark -P 16 HSET:        %12.0f requests/s\n",
                r.peer);
    std::printf("  ratio: %.2f\n", r.peer > 0 ? r.writer / r.peer : 0.0);
    json_line("persistence.redis_commands", p, r.writer, "commands/s");
    json_line("persistence.redis_benchmark_hset", p, r.peer, "requests/s");
    json_line("persistence.redis_ratio", p,
              r.peer > 0 ? r.writer / r.peer : 0.0, "ratio");
  } else {
    std::printf("Redis: skipped (no REDIS_URL)\n");
  }
  return 0;
}
