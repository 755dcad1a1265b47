#include <algorithm>
#include <cctype>
#include <limits>

#include "av/base/connection_url.hpp"
#include "av/base/endpoint.hpp"
#include "av/base/ip_ranges.hpp"
#include "spec_builders.hpp"

namespace av::config::detail {

namespace {

using opt_msg = std::optional<std::string>;

opt_msg check_bind_address(std::string_view x) {
  if (is_valid_bind_address(x))
    return std::nullopt;
  return "expected an IPv4 or IPv6 address or localhost";
}

opt_msg check_host(std::string_view x) {
  if (x.empty() || is_valid_host(x))
    return std::nullopt;
  return "expected a host name or IP address";
}

opt_msg check_proxies(std::string_view x) {
  auto list = ip_ranges::parse(x);
  if (list)
    return std::nullopt;
  return list.error()
         + "; expected comma-separated IP addresses or CIDR ranges such as "
           "10.0.0.1,192.168.0.0/16";
}

opt_msg check_postgres_url(std::string_view x) {
  if (x.empty())
    return std::nullopt;
  auto url = av::parse_postgres_url(x);
  return url ? opt_msg{} : url.error();
}

opt_msg check_redis_url(std::string_view x) {
  if (x.empty())
    return std::nullopt;
  auto url = av::parse_redis_url(x);
  return url ? opt_msg{} : url.error();
}

opt_msg check_path(std::string_view x) {
  auto ok = !x.empty() && x.size() <= 4096
            && std::all_of(x.begin(), x.end(), [](char c) {
                 return std::isalnum(static_cast<unsigned char>(c))
                        || std::string_view{"._-/+~@"}.find(c)
                             != std::string_view::npos;
               });
  if (ok)
    return std::nullopt;
  return "expected a path of letters, digits and ._-/+~@";
}

opt_msg check_optional_path(std::string_view x) {
  return x.empty() ? std::nullopt : check_path(x);
}

opt_msg check_otlp_endpoint(std::string_view x) {
  if (x.empty())
    return std::nullopt;
  auto url = av::parse_http_url(x, 4318);
  return url ? opt_msg{} : url.error();
}

opt_msg check_service_name(std::string_view x) {
  auto ok = !x.empty() && x.size() <= 255
            && std::all_of(x.begin(), x.end(),
                           [](char c) { return c > 0x20 && c < 0x7f; });
  if (ok)
    return std::nullopt;
  return "expected 1 to 255 printable characters without blanks";
}

opt_msg check_node_name(std::string_view x) {
  auto ok = x.size() <= 63 && std::all_of(x.begin(), x.end(), [](char c) {
              return std::isalnum(static_cast<unsigned char>(c)) || c == '-'
                     || c == '_' || c == '.';
            });
  if (ok)
    return std::nullopt;
  return "expected at most 63 letters, digits and -_.";
}

constexpr auto u64_max = std::numeric_limits<std::uint64_t>::max();

using s = settings;

} // namespace

const std::vector<spec>& table() {
  static const std::vector<spec> rows{
    text({"BIND_ADDRESS", "--bind-address",
          "address the API, WebSocket, MCP and metrics listeners bind to"},
         &s::bind_address, check_bind_address, "ADDRESS"),
    listener({"API_PORT", "--api-port", "port of the HTTP API"}, &s::api_port),
    listener({"WS_PORT", "--ws-port", "port of the WebSocket stream"},
             &s::ws_port),
    listener({"MCP_PORT", "--mcp-port", "port of the MCP endpoint"},
             &s::mcp_port),
    listener({"METRICS_PORT", "--metrics-port",
              "port of the Prometheus /metrics endpoint"},
             &s::metrics_port),
    text({"NODE_NAME", "--node-name",
          "this node's name in the cluster, kept across restarts; empty: "
          "the host name"},
         &s::node_name, check_node_name, "NAME"),
    integer({"NODE_SLOT", "--node-slot",
             "range this node numbers its agents in, unique in the cluster; "
             "-1: 0 without seeds, else derived from NODE_NAME"},
            &s::node_slot, -1, 511),
    listener({"CLUSTER_PORT", "--cluster-port",
              "port other nodes of the cluster (and the shell) connect to"},
             &s::cluster_port),
    text({"CLUSTER_BIND_ADDRESS", "--cluster-bind-address",
          "address the cluster port binds to; loopback unless told "
          "otherwise"},
         &s::cluster_bind_address, check_bind_address, "ADDRESS"),
    text({"CLUSTER_ADVERTISE", "--cluster-advertise",
          "host the other nodes reach this one at; empty: the cluster bind "
          "address, or the host name when that is 0.0.0.0 or ::"},
         &s::cluster_advertise, check_host, "HOST"),
    endpoints({"CLUSTER_SEEDS", "--join",
               "nodes to join through at start-up; empty starts a cluster "
               "of one"},
              &s::cluster_seeds, 4242),
    secret({"CLUSTER_SECRET", "--cluster-secret",
            "secret every node of the cluster shares; empty asks peers for "
            "none"},
           &s::cluster_secret, 16, "expected at least 16 characters"),
    integer({"CLUSTER_HEARTBEAT_MS", "--cluster-heartbeat-ms",
             "milliseconds between heartbeats to every other node"},
            &s::cluster_heartbeat_ms, 100, 60000),
    integer({"CLUSTER_TIMEOUT_MS", "--cluster-timeout-ms",
             "milliseconds of silence after which a node counts as gone"},
            &s::cluster_timeout_ms, 200, 600000),
    text({"CLUSTER_TLS_CERT", "--cluster-tls-cert",
          "PEM certificate of this node for TLS between nodes; with "
          "CLUSTER_TLS_KEY and CLUSTER_TLS_CA"},
         &s::cluster_tls_cert, check_optional_path, "PATH"),
    text({"CLUSTER_TLS_KEY", "--cluster-tls-key",
          "PEM private key of CLUSTER_TLS_CERT"},
         &s::cluster_tls_key, check_optional_path, "PATH"),
    text({"CLUSTER_TLS_CA", "--cluster-tls-ca",
          "PEM certificate of the CA that signed every node's certificate"},
         &s::cluster_tls_ca, check_optional_path, "PATH"),
    url({"DATABASE_URL", "--database-url",
         "PostgreSQL URL; empty keeps history in memory"},
        &s::database_url, check_postgres_url),
    integer({"DATABASE_POOL_SIZE", "--database-pool-size",
             "PostgreSQL connections for history queries, at most"},
            &s::database_pool_size, 1, 1000),
    url({"REDIS_URL", "--redis-url",
         "Redis URL for shared state; empty keeps it in memory"},
        &s::redis_url, check_redis_url),
    integer({"REDIS_POOL_SIZE", "--redis-pool-size",
             "Redis connections for the memory store, at most"},
            &s::redis_pool_size, 1, 1000),
    boolean({"AUTO_MIGRATE", "--auto-migrate",
             "apply database migrations at start-up"},
            &s::auto_migrate),
    integer({"MEMORY_MAX_BYTES", "--memory-max-bytes",
             "bytes the in-process MCP memory holds at most"},
            &s::memory_max_bytes, std::uint64_t{1024}, u64_max),
    integer({"POSITION_HISTORY_HZ", "--position-history-hz",
             "position samples per agent and second kept as history; 0 "
             "keeps none"},
            &s::position_history_hz, 0, 240),
    integer({"POSITION_RETENTION_DAYS", "--position-retention-days",
             "days of position history kept in PostgreSQL"},
            &s::position_retention_days, 1, 36500),
    integer({"SUMMARY_REFRESH_INTERVAL", "--summary-refresh-interval",
             "seconds between refreshes of agent_performance_summary"},
            &s::summary_refresh_s, 10, 86400),
    integer({"WRITE_BUFFER_SIZE", "--write-buffer-size",
             "writes a store's buffer holds during an outage before the API "
             "answers 503"},
            &s::write_buffer_size, 100, 10000000),
    secret({"MCP_API_KEY", "--api-key",
            "key clients must present; empty turns authentication off",
            "API_KEY"},
           &s::api_key, 16, "expected at least 16 characters"),
    integer({"MCP_TIMEOUT", "--mcp-timeout",
             "milliseconds an MCP tool call may take"},
            &s::mcp_timeout_ms, 100, 600000),
    text({"MCP_CONFIG", "--mcp-config",
          "MCP tool and hook settings (JSON); a missing default file uses "
          "built-in defaults"},
         &s::mcp_config, check_optional_path, "PATH"),
    secret({"JWT_SECRET", "--jwt-secret",
            "HS256 key for session tokens; empty disables tokens"},
           &s::jwt_secret, 32, "expected at least 32 bytes (HS256)"),
    integer({"JWT_EXPIRY", "--jwt-expiry", "seconds a session token is valid"},
            &s::jwt_expiry_s, 1, 31536000),
    boolean({"READ_AUTH", "--read-auth",
             "require the API key for reading too, not only for changes"},
            &s::read_auth),
    origins({"ALLOWED_ORIGINS", "--allowed-origins",
             "browser origins allowed to call the API and open WebSockets"},
            &s::allowed_origins),
    integer({"RATE_LIMIT_WINDOW_MS", "--rate-limit-window-ms",
             "length of the rate-limit window in milliseconds"},
            &s::rate_limit_window_ms, 1, 86400000),
    integer({"RATE_LIMIT_MAX_REQUESTS", "--rate-limit-max-requests",
             "requests one client may make per window"},
            &s::rate_limit_max_requests, 1, 10000000),
    text({"TRUSTED_PROXIES", "--trusted-proxies",
          "proxies whose X-Forwarded-For names the client (addresses and "
          "CIDR ranges); empty trusts none"},
         &s::trusted_proxies, check_proxies, "ADDR[/BITS],..."),
    integer({"WS_MAX_CONNECTIONS", "--ws-max-connections",
             "open WebSocket connections at most"},
            &s::ws_max_connections, 1, 100000),
    integer({"WS_HEARTBEAT_INTERVAL", "--ws-heartbeat-interval",
             "milliseconds between WebSocket pings"},
            &s::ws_heartbeat_interval_ms, 1000, 3600000),
    boolean({"WS_COMPRESSION", "--ws-compression",
             "permessage-deflate on WebSocket connections"},
            &s::ws_compression),
    integer({"WS_MAX_QUEUED_EVENTS", "--ws-max-queued-events",
             "events a WebSocket session may have queued before they are "
             "dropped for a resync"},
            &s::ws_max_queued_events, 64, 1000000),
    integer({"WS_IO_THREADS", "--ws-io-threads",
             "threads writing to WebSocket sessions; 0: one per core"},
            &s::ws_io_threads, 0, 256),
    boolean({"WS_IO_URING", "--ws-io-uring",
             "write a tick's frames to many sessions in one io_uring "
             "submission where the kernel allows it"},
            &s::ws_io_uring),
    boolean({"ENABLE_GPU_PHYSICS", "--enable-gpu-physics",
             "run the layout on the GPU; falls back to the CPU without one"},
            &s::enable_gpu_physics),
    integer({"MAX_VISIBLE_AGENTS", "--max-visible-agents",
             "agents sent to a client at most"},
            &s::max_visible_agents, 1, 1000000),
    integer({"PHYSICS_UPDATE_RATE", "--physics-update-rate",
             "layout steps per second"},
            &s::physics_update_rate_hz, 1, 240),
    integer({"POSITION_BATCH_SIZE", "--position-batch-size",
             "agent positions per WebSocket message"},
            &s::position_batch_size, 1, 65536),
    boolean({"PROMETHEUS_ENABLED", "--prometheus-enabled",
             "serve /metrics on METRICS_PORT"},
            &s::prometheus_enabled),
    text({"JAEGER_AGENT_HOST", "--jaeger-agent-host",
          "Jaeger for traces, over OTLP/HTTP on its port 4318, unless "
          "OTEL_EXPORTER_OTLP_ENDPOINT is set"},
         &s::jaeger_agent_host, check_host, "HOST"),
    port({"JAEGER_AGENT_PORT", "--jaeger-agent-port",
          "port of Jaeger's UDP agent; not used: traces go over OTLP/HTTP"},
         &s::jaeger_agent_port),
    text({"OTEL_EXPORTER_OTLP_ENDPOINT", "--otel-exporter-otlp-endpoint",
          "OTLP/HTTP collector of traces, http://host[:port]; empty: none "
          "(or JAEGER_AGENT_HOST's)"},
         &s::otlp_endpoint, check_otlp_endpoint, "URL"),
    text({"OTEL_SERVICE_NAME", "--otel-service-name",
          "service.name the traces carry"},
         &s::otel_service_name, check_service_name, "NAME"),
    integer({"OTEL_BSP_SCHEDULE_DELAY", "--otel-bsp-schedule-delay",
             "milliseconds between two exports of finished spans at most"},
            &s::otel_export_delay_ms, 10, 60000),
    choice({"LOG_FORMAT", "--log-format", "format of log lines"},
           &s::log_format,
           {{"text", log_format::text}, {"json", log_format::json}}),
    choice({"LOG_LEVEL", "--log-level", "lowest severity that is logged"},
           &s::log_level,
           {{"trace", log_level::trace},
            {"debug", log_level::debug},
            {"info", log_level::info},
            {"warn", log_level::warn},
            {"error", log_level::error},
            {"off", log_level::off}}),
    integer({"MAX_AGENTS", "--max-agents", "agents this node holds at most"},
            &s::max_agents, 1, 1000000),
    integer({"MAX_CONCURRENT_SPAWNS", "--max-concurrent-spawns",
             "agent spawns in flight at most"},
            &s::max_concurrent_spawns, 1, 10000),
    integer({"SUPERVISOR_MAX_RESTARTS", "--supervisor-max-restarts",
             "restarts of a crashed agent per window before giving up"},
            &s::supervisor_max_restarts, 0, 1000),
    integer({"SUPERVISOR_RESTART_WINDOW_MS", "--supervisor-restart-window-ms",
             "window in milliseconds for SUPERVISOR_MAX_RESTARTS"},
            &s::supervisor_restart_window_ms, 1, 86400000),
    integer({"WORKER_THREADS", "--worker-threads",
             "scheduler threads; 0 uses one per core"},
            &s::worker_threads, 0, 256),
    integer({"DEMO_AGENTS", "--demo",
             "agents of a demo swarm started at boot; 0 starts none"},
            &s::demo_agents, 0, 100000),
    integer({"DEMO_SEED", "--demo-seed", "random seed of the demo swarm"},
            &s::demo_seed, std::uint64_t{0}, u64_max),
    text(
      {"WEB_ROOT", "--web-root", "folder of the built dashboard, served at /"},
      &s::web_root, check_path, "PATH"),
  };
  return rows;
}

std::string redact(const spec& row, const std::string& value) {
  switch (row.shown) {
    case exposure::secret: return value.empty() ? value : "***";
    case exposure::url: return av::redact_url(value);
    default: return value;
  }
}

} // namespace av::config::detail
