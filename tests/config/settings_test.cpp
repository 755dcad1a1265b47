#define CAF_SUITE config.settings
#include "caf/test/unit_test.hpp"
#include "caf_checks.hpp"

#include <algorithm>
#include <cstdint>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "av/config.hpp"

using namespace av::config;

namespace {

using env_map = std::map<std::string, std::string>;

/// One call of `parse` with its output captured.
struct run {
  parse_result res;
  std::string out;
  std::string err;

  /// Returns the exit code, or -1 when `parse` said to go on.
  int code() const { return res.exit_code ? *res.exit_code : -1; }

  size_t err_lines() const {
    return static_cast<size_t>(std::count(err.begin(), err.end(), '\n'));
  }
};

run start(std::vector<std::string> args, env_map env = {}) {
  std::vector<const char*> argv{"agent-server"};
  for (const auto& arg : args)
    argv.push_back(arg.c_str());
  env_lookup lookup
    = [env](const std::string& name) -> std::optional<std::string> {
    if (auto i = env.find(name); i != env.end())
      return i->second;
    return std::nullopt;
  };
  std::ostringstream out;
  std::ostringstream err;
  auto res
    = parse(static_cast<int>(argv.size()), argv.data(), lookup, out, err);
  return {std::move(res), out.str(), err.str()};
}

run start_env(env_map env) {
  return start({}, std::move(env));
}

bool contains(const std::string& x, std::string_view y) {
  return x.find(y) != std::string::npos;
}

/// Returns the value `describe` shows for `name`.
std::string shown(const settings& cfg, const std::string& name) {
  for (auto& [key, value] : describe(cfg))
    if (key == name)
      return value;
  return "<missing>";
}

/// Checks that `r` stopped start-up with one error line that mentions
/// every part.
void check_rejected(const run& r, std::vector<std::string_view> parts) {
  CAF_CHECK_EQUAL(r.code(), 2);
  CAF_CHECK_EQUAL(r.err_lines(), 1u);
  CAF_CHECK(r.out.empty());
  for (auto part : parts) {
    if (!contains(r.err, part))
      CAF_FAIL("missing '" << part << "' in: " << r.err);
  }
}

} // namespace

CAF_TEST(defaults) {
  auto r = start({});
  CAF_REQUIRE_EQUAL(r.code(), -1);
  CAF_CHECK(r.out.empty());
  CAF_CHECK(r.err.empty());
  CAF_CHECK(r.res.cmd == command::serve);
  const auto& cfg = r.res.cfg;
  CAF_CHECK_EQUAL(cfg.bind_address, "127.0.0.1");
  CAF_CHECK_EQUAL(cfg.api_port, 3000);
  CAF_CHECK_EQUAL(cfg.ws_port, 8080);
  CAF_CHECK_EQUAL(cfg.mcp_port, 3001);
  CAF_CHECK_EQUAL(cfg.metrics_port, 9091);
  CAF_CHECK_EQUAL(cfg.cluster_port, 4242);
  CAF_CHECK(cfg.cluster_seeds.empty());
  CAF_CHECK_EQUAL(cfg.cluster_bind_address, "127.0.0.1");
  CAF_CHECK(cfg.node_name.empty());
  CAF_CHECK_EQUAL(cfg.node_slot, -1);
  CAF_CHECK_EQUAL(cfg.database_url, "");
  CAF_CHECK_EQUAL(cfg.database_pool_size, 20);
  CAF_CHECK_EQUAL(cfg.redis_url, "");
  CAF_CHECK_EQUAL(cfg.redis_pool_size, 10);
  CAF_CHECK_EQUAL(cfg.api_key, "");
  CAF_CHECK_EQUAL(cfg.mcp_timeout_ms, 30000);
  CAF_CHECK_EQUAL(cfg.jwt_secret, "");
  CAF_CHECK_EQUAL(cfg.jwt_expiry_s, 3600);
  CAF_CHECK_EQUAL(cfg.read_auth, false);
  CAF_REQUIRE_EQUAL(cfg.allowed_origins.size(), 2u);
  CAF_CHECK_EQUAL(cfg.allowed_origins[0], "http://localhost:3000");
  CAF_CHECK_EQUAL(cfg.allowed_origins[1], "http://127.0.0.1:3000");
  CAF_CHECK_EQUAL(cfg.rate_limit_window_ms, 60000);
  CAF_CHECK_EQUAL(cfg.rate_limit_max_requests, 100);
  CAF_CHECK_EQUAL(cfg.ws_max_connections, 1000);
  CAF_CHECK_EQUAL(cfg.ws_heartbeat_interval_ms, 30000);
  CAF_CHECK_EQUAL(cfg.ws_compression, true);
  CAF_CHECK_EQUAL(cfg.ws_max_queued_events, 4096);
  CAF_CHECK_EQUAL(cfg.ws_io_threads, 0);
  CAF_CHECK_EQUAL(cfg.ws_io_uring, true);
  CAF_CHECK_EQUAL(cfg.enable_gpu_physics, true);
  CAF_CHECK_EQUAL(cfg.max_visible_agents, 500);
  CAF_CHECK_EQUAL(cfg.physics_update_rate_hz, 60);
  CAF_CHECK_EQUAL(cfg.position_batch_size, 100);
  CAF_CHECK_EQUAL(cfg.prometheus_enabled, true);
  CAF_CHECK_EQUAL(cfg.jaeger_agent_host, "");
  CAF_CHECK_EQUAL(cfg.jaeger_agent_port, 6831);
  CAF_CHECK(cfg.log_format == log_format::text);
  CAF_CHECK(cfg.log_level == log_level::info);
  CAF_CHECK_EQUAL(cfg.max_agents, 10000);
  CAF_CHECK_EQUAL(cfg.max_concurrent_spawns, 50);
  CAF_CHECK_EQUAL(cfg.supervisor_max_restarts, 3);
  CAF_CHECK_EQUAL(cfg.supervisor_restart_window_ms, 60000);
  CAF_CHECK_EQUAL(cfg.worker_threads, 0);
  CAF_CHECK_EQUAL(cfg.demo_agents, 0);
  CAF_CHECK_EQUAL(cfg.demo_seed, std::uint64_t{42});
  CAF_CHECK_EQUAL(cfg.auto_migrate, false);
}

CAF_TEST(every documented variable is described) {
  auto rows = describe(settings{});
  CAF_CHECK_EQUAL(rows.size(), 63u);
  for (auto name : {"BIND_ADDRESS",
                    "API_PORT",
                    "WS_PORT",
                    "MCP_PORT",
                    "METRICS_PORT",
                    "NODE_NAME",
                    "NODE_SLOT",
                    "CLUSTER_PORT",
                    "CLUSTER_BIND_ADDRESS",
                    "CLUSTER_ADVERTISE",
                    "CLUSTER_SEEDS",
                    "CLUSTER_SECRET",
                    "CLUSTER_HEARTBEAT_MS",
                    "CLUSTER_TIMEOUT_MS",
                    "CLUSTER_TLS_CERT",
                    "CLUSTER_TLS_KEY",
                    "CLUSTER_TLS_CA",
                    "DATABASE_URL",
                    "DATABASE_POOL_SIZE",
                    "REDIS_URL",
                    "REDIS_POOL_SIZE",
                    "POSITION_HISTORY_HZ",
                    "POSITION_RETENTION_DAYS",
                    "SUMMARY_REFRESH_INTERVAL",
                    "WRITE_BUFFER_SIZE",
                    "MCP_API_KEY",
                    "MCP_TIMEOUT",
                    "MCP_CONFIG",
                    "MEMORY_MAX_BYTES",
                    "JWT_SECRET",
                    "JWT_EXPIRY",
                    "READ_AUTH",
                    "ALLOWED_ORIGINS",
                    "RATE_LIMIT_WINDOW_MS",
                    "RATE_LIMIT_MAX_REQUESTS",
                    "WS_MAX_CONNECTIONS",
                    "WS_HEARTBEAT_INTERVAL",
                    "WS_COMPRESSION",
                    "WS_MAX_QUEUED_EVENTS",
                    "WS_IO_THREADS",
                    "WS_IO_URING",
                    "ENABLE_GPU_PHYSICS",
                    "MAX_VISIBLE_AGENTS",
                    "PHYSICS_UPDATE_RATE",
                    "POSITION_BATCH_SIZE",
                    "PROMETHEUS_ENABLED",
                    "JAEGER_AGENT_HOST",
                    "JAEGER_AGENT_PORT",
                    "OTEL_EXPORTER_OTLP_ENDPOINT",
                    "OTEL_SERVICE_NAME",
                    "OTEL_BSP_SCHEDULE_DELAY",
                    "LOG_FORMAT",
                    "LOG_LEVEL",
                    "MAX_AGENTS",
                    "MAX_CONCURRENT_SPAWNS",
                    "SUPERVISOR_MAX_RESTARTS",
                    "SUPERVISOR_RESTART_WINDOW_MS",
                    "WORKER_THREADS",
                    "DEMO_AGENTS",
                    "DEMO_SEED",
                    "WEB_ROOT",
                    "AUTO_MIGRATE"})
    CAF_CHECK_NOT_EQUAL(shown(settings{}, name), "<missing>");
}

CAF_TEST(environment) {
  auto r = start_env({{"WS_PORT", "9000"},
                      {"BIND_ADDRESS", "::"},
                      {"LOG_FORMAT", "json"},
                      {"LOG_LEVEL", "DEBUG"},
                      {"CLUSTER_SEEDS", "node-2, [fd00::3]:4243"},
                      {"DATABASE_URL", "postgresql://av:pw@db/av"},
                      {"REDIS_URL", "redis://:pw@cache:6380/1"},
                      {"READ_AUTH", "yes"},
                      {"DEMO_AGENTS", "250"},
                      {"DEMO_SEED", "18446744073709551615"},
                      {"JAEGER_AGENT_HOST", "jaeger"}});
  CAF_REQUIRE_EQUAL(r.code(), -1);
  const auto& cfg = r.res.cfg;
  CAF_CHECK_EQUAL(cfg.ws_port, 9000);
  CAF_CHECK_EQUAL(cfg.bind_address, "::");
  CAF_CHECK(cfg.log_format == log_format::json);
  CAF_CHECK(cfg.log_level == log_level::debug);
  CAF_REQUIRE_EQUAL(cfg.cluster_seeds.size(), 2u);
  CAF_CHECK_EQUAL(cfg.cluster_seeds[0].host, "node-2");
  CAF_CHECK_EQUAL(cfg.cluster_seeds[0].port, 4242);
  CAF_CHECK_EQUAL(cfg.cluster_seeds[1].host, "fd00::3");
  CAF_CHECK_EQUAL(cfg.cluster_seeds[1].port, 4243);
  CAF_CHECK_EQUAL(cfg.database_url, "postgresql://av:pw@db/av");
  CAF_CHECK_EQUAL(cfg.redis_url, "redis://:pw@cache:6380/1");
  CAF_CHECK_EQUAL(cfg.read_auth, true);
  CAF_CHECK_EQUAL(cfg.demo_agents, 250);
  CAF_CHECK_EQUAL(cfg.demo_seed, UINT64_C(18446744073709551615));
  CAF_CHECK_EQUAL(cfg.jaeger_agent_host, "jaeger");
}

CAF_TEST(empty variables count as unset) {
  auto r = start_env({{"WS_PORT", ""}, {"LOG_LEVEL", ""}});
  CAF_REQUIRE_EQUAL(r.code(), -1);
  CAF_CHECK_EQUAL(r.res.cfg.ws_port, 8080);
  CAF_CHECK(r.res.cfg.log_level == log_level::info);
}

CAF_TEST(flags override the environment) {
  env_map env{{"WS_PORT", "9000"},
              {"READ_AUTH", "false"},
              {"WS_COMPRESSION", "true"},
              {"WS_IO_URING", "false"},
              {"LOG_LEVEL", "warn"}};
  auto r = start({"--ws-port", "9001", "--read-auth", "--ws-compression=off",
                  "--log-level=error"},
                 env);
  CAF_REQUIRE_EQUAL(r.code(), -1);
  CAF_CHECK_EQUAL(r.res.cfg.ws_port, 9001);
  CAF_CHECK_EQUAL(r.res.cfg.read_auth, true);
  CAF_CHECK_EQUAL(r.res.cfg.ws_compression, false);
  CAF_CHECK_EQUAL(r.res.cfg.ws_io_uring, false);
  CAF_CHECK(r.res.cfg.log_level == log_level::error);
  // The last of a repeated flag wins, as a wrapper script expects.
  r = start({"--ws-port=9001", "--ws-port=9002"}, env);
  CAF_REQUIRE_EQUAL(r.code(), -1);
  CAF_CHECK_EQUAL(r.res.cfg.ws_port, 9002);
}

CAF_TEST(only the winning value is validated) {
  auto r = start({"--ws-port", "9001"}, {{"WS_PORT", "junk"}});
  CAF_REQUIRE_EQUAL(r.code(), -1);
  CAF_CHECK_EQUAL(r.res.cfg.ws_port, 9001);
}

CAF_TEST(serve subcommand) {
  auto r = start({"serve", "--ws-port", "9002", "--demo", "10"});
  CAF_REQUIRE_EQUAL(r.code(), -1);
  CAF_CHECK(r.res.cmd == command::serve);
  CAF_CHECK_EQUAL(r.res.cfg.ws_port, 9002);
  CAF_CHECK_EQUAL(r.res.cfg.demo_agents, 10);
  r = start({"--ws-port=9003", "serve"});
  CAF_REQUIRE_EQUAL(r.code(), -1);
  CAF_CHECK_EQUAL(r.res.cfg.ws_port, 9003);
}

CAF_TEST(documented error lines) {
  auto r = start_env({{"PHYSICS_UPDATE_RATE", "abc"}});
  check_rejected(r, {});
  CAF_CHECK_EQUAL(r.err, "agent-server: invalid PHYSICS_UPDATE_RATE=\"abc\": "
                         "expected an integer from 1 to 240\n");
  r = start_env({{"WS_PORT", "70000"}});
  check_rejected(r, {});
  CAF_CHECK_EQUAL(r.err, "agent-server: invalid WS_PORT=\"70000\": "
                         "expected a port from 1 to 65535\n");
  r = start_env({{"DATABASE_URL", "nonsense"}});
  check_rejected(r, {});
  CAF_CHECK_EQUAL(r.err,
                  "agent-server: invalid DATABASE_URL=\"nonsense\": expected "
                  "a postgresql:// URL "
                  "(postgresql://user:password@host:5432/dbname)\n");
}

CAF_TEST(errors from flags name the flag) {
  auto r = start({"--physics-update-rate=0"});
  check_rejected(r, {});
  CAF_CHECK_EQUAL(r.err, "agent-server: invalid --physics-update-rate=\"0\": "
                         "expected an integer from 1 to 240\n");
  r = start({"--ws-compression=maybe"}, {{"WS_COMPRESSION", "maybe"}});
  check_rejected(r, {"--ws-compression=\"maybe\"", "expected a boolean"});
  r = start({"--ws-max-queued-events=10"});
  check_rejected(r, {"--ws-max-queued-events=\"10\"",
                     "expected an integer from 64 to 1000000"});
  r = start_env({{"WS_MAX_QUEUED_EVENTS", "8192"}});
  CAF_REQUIRE_EQUAL(r.code(), -1);
  CAF_CHECK_EQUAL(r.res.cfg.ws_max_queued_events, 8192);
}

CAF_TEST(every setting rejects junk) {
  for (auto& [name, value] : describe(settings{})) {
    CAF_MESSAGE("setting " << name);
    auto r = start_env({{name, "junk value!"}});
    check_rejected(r, {"agent-server: invalid " + name, "expected"});
  }
}

CAF_TEST(integer edges) {
  struct bounds {
    std::string name;
    std::string min;
    std::string max;
    std::string below;
    std::string above;
  };
  std::vector<bounds> cases{
    {"PHYSICS_UPDATE_RATE", "1", "240", "0", "241"},
    {"API_PORT", "1", "65535", "0", "65536"},
    {"JAEGER_AGENT_PORT", "1", "65535", "0", "65536"},
    {"SUPERVISOR_MAX_RESTARTS", "0", "1000", "-1", "1001"},
    {"WORKER_THREADS", "0", "256", "-1", "257"},
    {"MCP_TIMEOUT", "100", "600000", "99", "600001"},
    {"WS_HEARTBEAT_INTERVAL", "1000", "3600000", "999", "3600001"},
    {"RATE_LIMIT_MAX_REQUESTS", "1", "10000000", "0", "10000001"},
    {"JWT_EXPIRY", "1", "31536000", "0", "31536001"},
    {"DEMO_SEED", "0", "18446744073709551615", "-1", "18446744073709551616"},
  };
  for (const auto& c : cases) {
    CAF_MESSAGE("setting " << c.name);
    for (const auto& good : {c.min, c.max}) {
      auto r = start_env({{c.name, good}});
      CAF_CHECK_EQUAL(r.code(), -1);
      CAF_CHECK_EQUAL(shown(r.res.cfg, c.name), good);
    }
    for (const auto& bad :
         {c.below, c.above, std::string{"12abc"}, std::string{"abc"},
          std::string{"99999999999999999999999"}, std::string{" 5"},
          std::string{"5 "}, std::string{"+5"}, std::string{"0x10"},
          std::string{"1.5"}}) {
      auto r = start_env({{c.name, bad}});
      check_rejected(
        r, {c.name + "=\"" + bad + "\"", "from " + c.min + " to " + c.max});
    }
  }
}

CAF_TEST(booleans) {
  for (auto yes : {"true", "TRUE", "1", "yes", "Yes", "on", "ON"}) {
    auto r = start_env({{"AUTO_MIGRATE", yes}, {"PROMETHEUS_ENABLED", "0"}});
    CAF_REQUIRE_EQUAL(r.code(), -1);
    CAF_CHECK_EQUAL(r.res.cfg.auto_migrate, true);
    CAF_CHECK_EQUAL(r.res.cfg.prometheus_enabled, false);
  }
  for (auto no : {"false", "False", "0", "no", "NO", "off", "Off"}) {
    auto r = start_env({{"ENABLE_GPU_PHYSICS", no}});
    CAF_REQUIRE_EQUAL(r.code(), -1);
    CAF_CHECK_EQUAL(r.res.cfg.enable_gpu_physics, false);
  }
  for (auto bad : {"maybe", "2", "y", "truee", "-1"}) {
    auto r = start_env({{"READ_AUTH", bad}});
    check_rejected(r, {"READ_AUTH", bad, "(true/false, 1/0, yes/no, on/off)"});
  }
  auto r = start({"--enable-gpu-physics=no", "--auto-migrate"});
  CAF_REQUIRE_EQUAL(r.code(), -1);
  CAF_CHECK_EQUAL(r.res.cfg.enable_gpu_physics, false);
  CAF_CHECK_EQUAL(r.res.cfg.auto_migrate, true);
}

CAF_TEST(help and version) {
  auto r = start({"--help"});
  CAF_CHECK_EQUAL(r.code(), 0);
  CAF_CHECK(r.err.empty());
  CAF_CHECK(contains(r.out, "agent-server"));
  CAF_CHECK(contains(r.out, "--physics-update-rate"));
  CAF_CHECK(contains(r.out, "PHYSICS_UPDATE_RATE"));
  CAF_CHECK(contains(r.out, "serve"));
  // Help works even when the environment holds bad values.
  r = start({"--version"}, {{"WS_PORT", "junk"}});
  CAF_CHECK_EQUAL(r.code(), 0);
  CAF_CHECK(r.err.empty());
  CAF_CHECK_EQUAL(r.out.rfind("agent-server ", 0), 0u);
  CAF_CHECK_EQUAL(std::count(r.out.begin(), r.out.end(), '\n'), 1);
  r = start({"-h"});
  CAF_CHECK_EQUAL(r.code(), 0);
}

CAF_TEST(empty argv) {
  std::ostringstream out;
  std::ostringstream err;
  env_lookup no_env = [](const std::string&) -> std::optional<std::string> {
    return std::nullopt;
  };
  auto res = parse(0, nullptr, no_env, out, err);
  CAF_CHECK(!res.exit_code);
  CAF_CHECK_EQUAL(res.cfg.ws_port, 8080);
}

CAF_TEST(unknown flags and arguments) {
  for (auto args : std::vector<std::vector<std::string>>{
         {"--no-such-flag"}, {"--ws-port"}, {"bogus"}, {"serve", "extra"}}) {
    auto r = start(args);
    CAF_CHECK_EQUAL(r.code(), 2);
    CAF_CHECK_EQUAL(r.err_lines(), 1u);
    CAF_CHECK(contains(r.err, "agent-server: "));
  }
}

CAF_TEST(listener ports must differ) {
  auto r = start_env({{"API_PORT", "8080"}});
  check_rejected(r, {"WS_PORT", "API_PORT", "8080"});
  r = start({"--metrics-port", "4242"});
  check_rejected(r, {"--metrics-port=\"4242\"", "CLUSTER_PORT"});
  r = start({"--mcp-port", "7000"}, {{"CLUSTER_PORT", "7000"}});
  check_rejected(r, {"--mcp-port", "CLUSTER_PORT"});
  // The Jaeger port is on another host.
  r = start_env({{"JAEGER_AGENT_PORT", "3000"}});
  CAF_CHECK_EQUAL(r.code(), -1);
}

CAF_TEST(secrets are never printed) {
  auto r = start_env({{"MCP_API_KEY", "short-secret"}});
  check_rejected(r, {"MCP_API_KEY", "(value hidden)", "at least 16"});
  CAF_CHECK(!contains(r.err, "short-secret"));
  r = start({"--api-key", "short-secret"});
  check_rejected(r, {"--api-key", "(value hidden)"});
  CAF_CHECK(!contains(r.err, "short-secret"));
  auto jwt31 = std::string(31, 'k');
  r = start_env({{"JWT_SECRET", jwt31}});
  check_rejected(r, {"JWT_SECRET", "(value hidden)", "32 bytes"});
  CAF_CHECK(!contains(r.err, jwt31));
  r = start_env({{"JWT_SECRET", std::string(32, 'k')},
                 {"MCP_API_KEY", "0123456789abcdef"}});
  CAF_REQUIRE_EQUAL(r.code(), -1);
  CAF_CHECK_EQUAL(r.res.cfg.jwt_secret, std::string(32, 'k'));
  CAF_CHECK_EQUAL(r.res.cfg.api_key, "0123456789abcdef");
}

CAF_TEST(url passwords are never printed) {
  auto r = start_env({{"DATABASE_URL", "postgresql://av:hunter2@db:0/av"}});
  check_rejected(
    r, {"DATABASE_URL=\"postgresql://av:***@db:0/av\"", "from 1 to 65535"});
  CAF_CHECK(!contains(r.err, "hunter2"));
  r = start_env({{"DATABASE_URL", "mysql://av:hunter2@db/av"}});
  check_rejected(r, {"DATABASE_URL", "expected a postgresql:// URL"});
  CAF_CHECK(!contains(r.err, "hunter2"));
  r = start_env({{"REDIS_URL", "rediss://:hunter2@cache:6380"}});
  check_rejected(r, {"REDIS_URL", "TLS", "hiredis 0.14", "stunnel"});
  CAF_CHECK(!contains(r.err, "hunter2"));
  r = start({"--redis-url", "redis://hunter2@cache"});
  check_rejected(r, {"--redis-url"});
  CAF_CHECK(!contains(r.err, "hunter2"));
}

CAF_TEST(traces go to the OTLP endpoint or to Jaeger s OTLP port) {
  auto r = start_env({{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318"},
                      {"JAEGER_AGENT_HOST", "jaeger"}});
  CAF_REQUIRE_EQUAL(r.code(), -1);
  CAF_CHECK_EQUAL(r.res.cfg.trace_endpoint(), "http://collector:4318");
  r = start_env({{"JAEGER_AGENT_HOST", "jaeger"}});
  CAF_REQUIRE_EQUAL(r.code(), -1);
  CAF_CHECK_EQUAL(r.res.cfg.trace_endpoint(), "http://jaeger:4318");
  r = start_env({});
  CAF_REQUIRE_EQUAL(r.code(), -1);
  CAF_CHECK_EQUAL(r.res.cfg.trace_endpoint(), "");
  r = start_env({{"OTEL_EXPORTER_OTLP_ENDPOINT", "https://collector:4318"}});
  check_rejected(r,
                 {"OTEL_EXPORTER_OTLP_ENDPOINT", "https:// is not supported"});
  r = start_env({{"OTEL_SERVICE_NAME", "my service"}});
  check_rejected(r, {"OTEL_SERVICE_NAME", "without blanks"});
  r = start_env({{"OTEL_BSP_SCHEDULE_DELAY", "5"}});
  check_rejected(r, {"OTEL_BSP_SCHEDULE_DELAY"});
}

CAF_TEST(api key alias) {
  auto r = start_env({{"API_KEY", "0123456789abcdef"}});
  CAF_REQUIRE_EQUAL(r.code(), -1);
  CAF_CHECK_EQUAL(r.res.cfg.api_key, "0123456789abcdef");
  r = start_env(
    {{"API_KEY", "0123456789abcdef"}, {"MCP_API_KEY", "fedcba9876543210"}});
  CAF_REQUIRE_EQUAL(r.code(), -1);
  CAF_CHECK_EQUAL(r.res.cfg.api_key, "fedcba9876543210");
  r = start_env({{"API_KEY", "tooshort"}});
  check_rejected(r, {"invalid API_KEY (value hidden)"});
  CAF_CHECK(!contains(r.err, "tooshort"));
  r = start({"--api-key=fedcba9876543210"}, {{"API_KEY", "tooshort"}});
  CAF_REQUIRE_EQUAL(r.code(), -1);
  CAF_CHECK_EQUAL(r.res.cfg.api_key, "fedcba9876543210");
}

CAF_TEST(describe hides secrets) {
  settings cfg;
  cfg.api_key = "0123456789abcdef";
  cfg.jwt_secret = std::string(32, 'j');
  cfg.database_url = "postgresql://av:hunter2@db/av?password=hunter3";
  cfg.redis_url = "redis://:hunter4@cache";
  for (auto& [name, value] : describe(cfg)) {
    CAF_CHECK(!contains(value, "0123456789abcdef"));
    CAF_CHECK(!contains(value, "jjjj"));
    CAF_CHECK(!contains(value, "hunter"));
  }
  CAF_CHECK_EQUAL(shown(cfg, "MCP_API_KEY"), "***");
  CAF_CHECK_EQUAL(shown(cfg, "JWT_SECRET"), "***");
  CAF_CHECK_EQUAL(shown(cfg, "DATABASE_URL"),
                  "postgresql://av:***@db/av?password=***");
  CAF_CHECK_EQUAL(shown(cfg, "REDIS_URL"), "redis://:***@cache");
  CAF_CHECK_EQUAL(shown(settings{}, "MCP_API_KEY"), "");
}

CAF_TEST(print config) {
  auto r = start({"--print-config", "--ws-port=9100"},
                 {{"JWT_SECRET", std::string(40, 's')},
                  {"DATABASE_URL", "postgres://av:hunter2@db/av"}});
  CAF_CHECK_EQUAL(r.code(), 0);
  CAF_CHECK(r.err.empty());
  CAF_CHECK(contains(r.out, "WS_PORT=9100\n"));
  CAF_CHECK(contains(r.out, "JWT_SECRET=***\n"));
  CAF_CHECK(contains(r.out, "DATABASE_URL=postgres://av:***@db/av\n"));
  CAF_CHECK(!contains(r.out, "hunter2"));
  CAF_CHECK(!contains(r.out, "ssss"));
  CAF_CHECK_EQUAL(std::count(r.out.begin(), r.out.end(), '\n'),
                  static_cast<std::ptrdiff_t>(describe(settings{}).size()));
  r = start({"--print-config"}, {{"WS_PORT", "0"}});
  check_rejected(r, {"WS_PORT"});
}

CAF_TEST(error lines stay one line) {
  auto r = start_env({{"WS_PORT", "80\n80"}});
  check_rejected(r, {"WS_PORT=\"80\\x0A80\""});
  r = start_env({{"LOG_FORMAT", "say \"hi\""}});
  check_rejected(
    r, {"LOG_FORMAT=\"say \\\"hi\\\"\"", "expected one of text, json"});
}

CAF_TEST(addresses and hosts) {
  for (auto good : {"0.0.0.0", "::", "::1", "localhost", "10.1.2.3"}) {
    auto r = start_env({{"BIND_ADDRESS", good}});
    CAF_CHECK_EQUAL(r.code(), -1);
  }
  for (auto bad : {"example.com", "256.1.1.1", "[::1]"}) {
    auto r = start_env({{"BIND_ADDRESS", bad}});
    check_rejected(r, {"BIND_ADDRESS", "IPv4 or IPv6 address or localhost"});
  }
  for (auto good : {"jaeger", "10.0.0.5", "::1", "tracing.example.com"}) {
    auto r = start_env({{"JAEGER_AGENT_HOST", good}});
    CAF_CHECK_EQUAL(r.code(), -1);
  }
  auto r = start_env({{"JAEGER_AGENT_HOST", "bad host"}});
  check_rejected(r, {"JAEGER_AGENT_HOST", "host name or IP address"});
  r = start_env({{"CLUSTER_SEEDS", "node-2:4242,bad host"}});
  check_rejected(r, {"CLUSTER_SEEDS", "entry \"bad host\"", "host[:port]"});
}

CAF_TEST(cluster settings) {
  auto r = start_env({{"NODE_NAME", "node-a"},
                      {"CLUSTER_SECRET", "0123456789abcdef-secret"},
                      {"CLUSTER_BIND_ADDRESS", "0.0.0.0"}});
  CAF_REQUIRE_EQUAL(r.code(), -1);
  CAF_CHECK_EQUAL(r.res.cfg.node_name, "node-a");
  CAF_CHECK_EQUAL(r.res.cfg.cluster_secret, "0123456789abcdef-secret");
  CAF_CHECK_EQUAL(r.res.cfg.cluster_bind_address, "0.0.0.0");
  r = start_env({{"NODE_NAME", "node a"}});
  check_rejected(r, {"NODE_NAME", "letters, digits and -_."});
  r = start_env({{"CLUSTER_SECRET", "short"}});
  check_rejected(r, {"CLUSTER_SECRET", "(value hidden)", "at least 16"});
  r = start_env({{"CLUSTER_HEARTBEAT_MS", "10"}});
  check_rejected(r, {"CLUSTER_HEARTBEAT_MS"});
  // TLS takes the certificate, its key and the CA together.
  r = start_env(
    {{"CLUSTER_TLS_CERT", "node.pem"}, {"CLUSTER_TLS_CA", "ca.pem"}});
  check_rejected(r, {"CLUSTER_TLS_CERT", "CLUSTER_TLS_KEY not set"});
  r = start_env({{"CLUSTER_TLS_CERT", "node.pem"},
                 {"CLUSTER_TLS_KEY", "node.key"},
                 {"CLUSTER_TLS_CA", "ca.pem"}});
  CAF_CHECK_EQUAL(r.code(), -1);
  r = start({"--join", "node-2,node-3:4300"});
  CAF_REQUIRE_EQUAL(r.code(), -1);
  CAF_REQUIRE_EQUAL(r.res.cfg.cluster_seeds.size(), 2u);
  CAF_CHECK_EQUAL(r.res.cfg.cluster_seeds[1].port, 4300);
}

CAF_TEST(origins) {
  auto r = start_env(
    {{"ALLOWED_ORIGINS", "https://Viz.Example.com, http://[::1]:3000"}});
  CAF_REQUIRE_EQUAL(r.code(), -1);
  CAF_REQUIRE_EQUAL(r.res.cfg.allowed_origins.size(), 2u);
  CAF_CHECK_EQUAL(r.res.cfg.allowed_origins[0], "https://viz.example.com");
  CAF_CHECK_EQUAL(r.res.cfg.allowed_origins[1], "http://[::1]:3000");
  for (auto bad :
       {"*", "http://*", "https://example.com/", "localhost:3000", "http://",
        "http://h:0", "http://u@h", "://h", "http://a.com,,http://b.com"}) {
    CAF_MESSAGE("origins " << bad);
    r = start_env({{"ALLOWED_ORIGINS", bad}});
    check_rejected(r, {"ALLOWED_ORIGINS", "scheme://host[:port]"});
  }
}

CAF_TEST(trusted proxies) {
  auto r = start_env({{"TRUSTED_PROXIES", "10.0.0.1, 192.168.0.0/16, ::1"}});
  CAF_REQUIRE_EQUAL(r.code(), -1);
  CAF_CHECK_EQUAL(r.res.cfg.trusted_proxies, "10.0.0.1, 192.168.0.0/16, ::1");
  CAF_CHECK_EQUAL(start_env({}).res.cfg.trusted_proxies, "");
  for (auto bad : {"10.0.0.0/33", "proxy.example", "10.0.0.1,,10.0.0.2"}) {
    CAF_MESSAGE("proxies " << bad);
    r = start_env({{"TRUSTED_PROXIES", bad}});
    check_rejected(r, {"TRUSTED_PROXIES", "CIDR"});
  }
}
