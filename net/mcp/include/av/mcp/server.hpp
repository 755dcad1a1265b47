#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <memory>
#include <string>
#include <thread>

#include <caf/fwd.hpp>

#include "av/actors.hpp"
#include "av/memory_store.hpp"
#include "av/node_context.hpp"

namespace av::config {
struct settings;
} // namespace av::config

namespace av::mcp {
class engine;
struct http_transport;
} // namespace av::mcp

namespace av::http {
class agent_lists;
} // namespace av::http

namespace av {

class telemetry;

/// The MCP server (docs/mcp.md): the agent tools over Streamable HTTP on
/// BIND_ADDRESS:MCP_PORT at `/mcp`, and over stdio through `handle_line`.
class mcp_server {
public:
  /// Reads MCP_CONFIG (throws `std::runtime_error` naming the problem),
  /// then, with `listen`, binds and serves HTTP on a thread of its own
  /// (throws `std::system_error` when it cannot bind).
  mcp_server(const config::settings& cfg, caf::actor_system& sys,
             registry_actor registry, bus_actor bus, physics_actor physics,
             node_context_ptr ctx, std::shared_ptr<telemetry> tel,
             memory_store_ptr memory, bool listen = true);

  mcp_server(const mcp_server&) = delete;
  mcp_server& operator=(const mcp_server&) = delete;

  ~mcp_server();

  /// The bound port (the real one when MCP_PORT was 0); 0 without HTTP.
  uint16_t port() const { return port_; }

  /// Answers one line of the stdio transport (a trusted caller: the process
  /// that started us holds the key). `reply` gets the answer line, or is
  /// not called for notifications; possibly on another thread. Returns
  /// whether an answer will come.
  bool handle_line(const std::string& line,
                   std::function<void(std::string)> reply);

  /// Writes the node's events as `notifications/message` lines through
  /// `write` (the stdio transport) once the stdio client initialized, at
  /// the level it set with `logging/setLevel`; until `stop`. Possibly on
  /// another thread.
  void notify_stdio(std::function<void(std::string)> write);

  /// Closes the listener and every connection and joins the thread;
  /// idempotent.
  void stop();

private:
  std::shared_ptr<mcp::engine> engine_;
  std::shared_ptr<mcp::http_transport> core_;
  /// Kept `agent_list` pages, answered without asking the registry.
  std::shared_ptr<http::agent_lists> lists_;
  /// Feeds the training log from the event bus.
  event_sink_actor sink_;
  /// Feeds the `GET /mcp` event streams from the event bus.
  event_sink_actor notifier_;
  /// Feeds the stdio client from the event bus.
  event_sink_actor stdio_notifier_;
  caf::actor_system* sys_ = nullptr;
  bus_actor bus_;
  std::thread thread_;
  uint16_t port_ = 0;
};

/// The stdio transport: reads newline-delimited JSON-RPC from `in` until
/// it ends and writes each answer as one line to `out`; then waits up to
/// `drain` for answers still in flight.
void serve_stdio(mcp_server& server, std::istream& in, std::ostream& out,
                 std::chrono::milliseconds drain);

} // namespace av
