#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "av/http/rate_limiter.hpp"
#include "av/mcp/json_rpc.hpp"
#include "av/mcp/settings.hpp"
#include "mcp_tool.hpp"

namespace av::mcp {

/// Who sent a message, as the transport established it.
struct caller {
  /// The MCP session (HTTP) or "stdio".
  std::string session;
  /// Whether the caller presented MCP_API_KEY (or none is configured, or it
  /// is the trusted stdio pipe).
  bool authenticated = true;
  /// The rate-limit bucket: the key's digest or the session.
  std::string bucket;
};

/// The protocol, independent of the transport: lifecycle, tools/list and
/// tools/call with the hooks around every call. Thread-safe.
class engine {
public:
  /// Revisions we speak, newest first.
  static const std::vector<std::string>& versions();

  /// `base` reaches the node; `tel` may be null.
  engine(tool_env base, settings cfg, std::shared_ptr<telemetry> tel);

  /// Answers one message; `reply` receives the answer, or null for a
  /// notification or response. May call back on another thread.
  void handle(const rpc::message& msg, const caller& who,
              std::function<void(json)> reply);

  // -- sessions ---------------------------------------------------------------

  /// Opens a session; empty when max_sessions are open.
  std::string open_session();

  /// Opens (or reopens) the session with a fixed id, for stdio.
  std::string open_session_named(const std::string& id);

  /// Refreshes a session; false when unknown or expired.
  bool touch(const std::string& id);

  /// Ends a session; false when unknown.
  bool close(const std::string& id);

  size_t sessions() const;

  const settings& config() const { return cfg_; }

  /// Ends the actor that enforces call deadlines; call before the actor
  /// system stops.
  void stop();

  /// How much longer than its timeout a whole call may take.
  static constexpr std::chrono::milliseconds deadline_margin{100};

private:
  struct session_state {
    std::chrono::steady_clock::time_point used;
    std::string client;
    std::string version;
  };

  json initialize(const rpc::message& msg, const caller& who);
  json list_tools(const rpc::message& msg);
  void call_tool(const rpc::message& msg, const caller& who,
                 std::function<void(json)> reply);
  /// Post-execution hooks, then the answer.
  void finish(const tool& t, const std::string& client,
              std::chrono::steady_clock::time_point started,
              const tool_result& res, const json& id,
              const std::function<void(json)>& reply);
  std::string client_of(const std::string& session) const;
  /// Drops the deadline of a call that ended.
  void forget(uint64_t call);
  /// Ends a call whose deadline passed with a timeout error.
  void expire_call(uint64_t call);
  void expire(std::chrono::steady_clock::time_point now);

  tool_env base_;
  settings cfg_;
  std::shared_ptr<telemetry> tel_;
  http::rate_limiter limiter_;
  /// The REST handlers per tool, bound to the tool's timeout.
  std::unordered_map<std::string, std::shared_ptr<const http::router>> routes_;
  /// Calls in flight per tool, for maxConcurrent.
  std::unordered_map<std::string, std::unique_ptr<std::atomic<uint32_t>>>
    in_flight_;
  mutable std::mutex mtx_;
  std::unordered_map<std::string, session_state> sessions_;
  /// Receives `(timeout, call)` when a call's deadline passes.
  caf::actor watchdog_;
  std::atomic<uint64_t> next_call_{0};
  std::mutex calls_mtx_;
  std::unordered_map<uint64_t, std::function<void()>> deadlines_;
};

} // namespace av::mcp
