#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "av/base/endpoint.hpp"

/// Start-up configuration: defaults, overridden by the environment,
/// overridden by command-line flags. docs/configuration.md lists every
/// setting.
namespace av::config {

/// What the process was asked to do.
enum class command { serve, mcp, migrate };

/// Output format of log lines.
enum class log_format { text, json };

/// Lowest severity that gets logged; same order as `av::log::level`.
enum class log_level { trace, debug, info, warn, error, off };

/// Every setting with its default. Units are part of the names; secrets are
/// never to be logged, use `describe`.
struct settings {
  // -- listeners --------------------------------------------------------------
  std::string bind_address = "127.0.0.1";
  std::uint16_t api_port = 3000;
  std::uint16_t ws_port = 8080;
  std::uint16_t mcp_port = 3001;
  std::uint16_t metrics_port = 9091;

  // -- cluster (docs/cluster.md) ----------------------------------------------
  /// This node's name in the cluster; empty: the host name.
  std::string node_name;
  /// The range this node numbers its agents in (docs/cluster.md,
  /// "Numbers"); -1: 0 for a node without seeds, else from the name.
  int node_slot = -1;
  std::uint16_t cluster_port = 4242;
  /// Loopback unless told otherwise: without TLS the port carries control.
  std::string cluster_bind_address = "127.0.0.1";
  /// Host the other nodes reach this one at; empty: the bind address, or
  /// the host name when that is a wildcard.
  std::string cluster_advertise;
  std::vector<endpoint> cluster_seeds;
  /// Shared by every node; empty: peers are not asked for a proof.
  std::string cluster_secret;
  /// Between two heartbeats on every connection to another node.
  int cluster_heartbeat_ms = 1000;
  /// Silence after which a node counts as gone.
  int cluster_timeout_ms = 3000;
  /// TLS between nodes: certificate, key and the CA that signed the peers'.
  std::string cluster_tls_cert;
  std::string cluster_tls_key;
  std::string cluster_tls_ca;

  // -- storage (an empty URL keeps the data in memory) ------------------------
  std::string database_url;
  int database_pool_size = 20;
  std::string redis_url;
  int redis_pool_size = 10;
  bool auto_migrate = false;
  /// Cap of the in-process memory behind the MCP `memory_usage` tool.
  std::uint64_t memory_max_bytes = 104857600;
  /// Position samples per agent and second kept as history; 0 keeps none.
  int position_history_hz = 5;
  /// Days position history is kept (whole monthly partitions are dropped).
  int position_retention_days = 30;
  /// Seconds between refreshes of `agent_performance_summary`.
  int summary_refresh_s = 300;
  /// Writes (all but position samples) a store's buffer holds during an
  /// outage before the API answers 503.
  int write_buffer_size = 100000;

  // -- authentication and limits ----------------------------------------------
  std::string api_key;
  int mcp_timeout_ms = 30000;
  /// The MCP tool and hook configuration; empty uses built-in defaults.
  std::string mcp_config = "config/mcp-config.json";
  std::string jwt_secret;
  int jwt_expiry_s = 3600;
  bool read_auth = false;
  std::vector<std::string> allowed_origins{"http://localhost:3000",
                                           "http://127.0.0.1:3000"};
  int rate_limit_window_ms = 60000;
  int rate_limit_max_requests = 100;
  /// Proxies whose X-Forwarded-For is believed (addresses, CIDR ranges).
  std::string trusted_proxies;

  // -- WebSocket --------------------------------------------------------------
  int ws_max_connections = 1000;
  int ws_heartbeat_interval_ms = 30000;
  bool ws_compression = true;
  /// Events a session may have queued (a viewer reading too slowly); more
  /// clears them and sends `resync`. 4,096 is 1.6 s of a 5,000-agent
  /// swarm's events: a dashboard whose machine is briefly short of CPU
  /// catches up instead of reloading.
  int ws_max_queued_events = 4096;
  /// Threads writing to WebSocket sessions; 0: one per core.
  int ws_io_threads = 0;
  /// Hand a tick's frames to many sessions with one io_uring submission
  /// where the kernel allows it (else one sendmsg per session).
  bool ws_io_uring = true;

  // -- visualization ----------------------------------------------------------
  bool enable_gpu_physics = true;
  int max_visible_agents = 500;
  int physics_update_rate_hz = 60;
  int position_batch_size = 100;

  // -- observability ----------------------------------------------------------
  bool prometheus_enabled = true;
  std::string jaeger_agent_host;
  std::uint16_t jaeger_agent_port = 6831;
  /// OTLP/HTTP collector of traces; empty: http://JAEGER_AGENT_HOST:4318
  /// when that is set, else no tracing (trace_endpoint()).
  std::string otlp_endpoint;
  std::string otel_service_name = "agent-visualizer";
  /// Longest wait between two exports of finished spans.
  int otel_export_delay_ms = 5000;
  config::log_format log_format = config::log_format::text;
  config::log_level log_level = config::log_level::info;

  // -- runtime ----------------------------------------------------------------
  int max_agents = 10000;
  int max_concurrent_spawns = 50;
  int supervisor_max_restarts = 3;
  int supervisor_restart_window_ms = 60000;
  int worker_threads = 0;
  int demo_agents = 0;
  std::uint64_t demo_seed = 42;
  /// Folder of the built dashboard, served at `/` (WEB_ROOT).
  std::string web_root = "web/dist";

  /// Where traces go: OTEL_EXPORTER_OTLP_ENDPOINT, else Jaeger's OTLP/HTTP
  /// port on JAEGER_AGENT_HOST, else empty (tracing off).
  std::string trace_endpoint() const {
    if (!otlp_endpoint.empty())
      return otlp_endpoint;
    if (!jaeger_agent_host.empty())
      return "http://" + jaeger_agent_host + ":4318";
    return {};
  }
};

/// What `parse` decided: run `cmd` with `cfg`, or exit now with `exit_code`
/// (0 after --help/--version/--print-config, 2 after a bad value or unknown
/// flag).
struct parse_result {
  std::optional<int> exit_code;
  command cmd = command::serve;
  /// `mcp --stdio`: serve the MCP tools on stdin/stdout.
  bool stdio = false;
  /// `mcp --stdio --connect URL`: relay stdin/stdout to the Streamable HTTP
  /// endpoint of a running node instead of hosting one.
  std::string connect;
  /// `migrate --status`: list applied and pending migrations only.
  bool migrate_status = false;
  settings cfg;
};

/// Returns the value of an environment variable, nullopt when unset.
using env_lookup
  = std::function<std::optional<std::string>(const std::string&)>;

/// Reads the settings from `env` and the command line. Help, version and
/// --print-config go to `out`; the first problem goes to `err` as one line.
parse_result parse(int argc, const char* const* argv, const env_lookup& env,
                   std::ostream& out, std::ostream& err);

/// Returns a lookup into the process environment.
env_lookup process_env();

/// Every setting as (ENV_NAME, value) with secrets and URL passwords
/// redacted, for the start-up log and --print-config.
std::vector<std::pair<std::string, std::string>> describe(const settings&);

} // namespace av::config
