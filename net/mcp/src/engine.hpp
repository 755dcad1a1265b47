#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "av/mcp/deadlines.hpp"
#include "av/mcp/json_rpc.hpp"
#include "av/mcp/settings.hpp"
#include "av/net/rate_limiter.hpp"
#include "av/telemetry/tracing.hpp"
#include "tools/tool.hpp"

namespace av::mcp {

/// Who sent a message, as the transport established it.
struct caller {
  /// The MCP session (HTTP) or "stdio".
  std::string session;
  /// Whether the caller presented MCP_API_KEY (or none is configured, or it
  /// is the trusted stdio pipe).
  bool authenticated = true;
  /// The rate-limit bucket: the credential's digest when the caller
  /// presented one, else the session.
  std::string bucket;
  /// The client's address (HTTP), for the log of a refusal.
  std::string address;
};

/// A serialized JSON-RPC answer.
struct answer {
  /// Empty for a notification or a response: nothing to send.
  std::string text;
  /// An error answer (a failed initialize opens no session).
  bool error = false;
};

using reply_fn = std::function<void(answer)>;

/// The protocol, independent of the transport: lifecycle, tools/list and
/// tools/call with the hooks around every call. Thread-safe.
class engine {
public:
  /// Revisions we speak, newest first.
  static const std::vector<std::string>& versions();

  /// `base` reaches the node; `tel` may be null.
  engine(tool_env base, settings cfg, std::shared_ptr<telemetry> tel);

  /// Answers one message; `reply` receives the answer (empty for a
  /// notification or response). May call back on another thread.
  void handle(const rpc::message& msg, const caller& who, reply_fn reply);

  // -- sessions ---------------------------------------------------------------

  /// Opens a session; empty when max_sessions are open. A `keyed` session
  /// was opened with a credential: only a caller with one may end it.
  std::string open_session(bool keyed);

  /// Opens (or reopens) the session with a fixed id, for stdio.
  std::string open_session_named(const std::string& id);

  /// Refreshes a session; false when unknown or expired.
  bool touch(const std::string& id);

  /// Ends a session; false when unknown.
  bool close(const std::string& id);

  /// Whether the session was opened with a credential.
  bool keyed(const std::string& id) const;

  /// Whether the session is open, without refreshing it.
  bool known(const std::string& id) const;

  /// Whether the session was opened and not closed, however long idle.
  bool exists(const std::string& id) const;

  /// The least severe log level the session wants notifications of (an
  /// index into `log_levels`); `logging/setLevel` sets it, `info` before.
  size_t log_level(const std::string& id) const;

  /// The MCP (syslog) levels, least severe first.
  static const std::vector<std::string>& log_levels();

  size_t sessions() const;

  const settings& config() const { return cfg_; }

  /// Lets `defer(f)` run `f` on the transport's thread after what it has
  /// queued already, so that the `tool.called` events of the calls it
  /// answers in one go reach the bus together and wake it once; `defer`
  /// returns false (and the event goes at once) when called on another
  /// thread or when its thread runs nothing any more. Set before the first
  /// call.
  void batch_events(std::function<bool(std::function<void()>)> defer);

  /// Ends the timer of the call deadlines; call before the actor system
  /// stops.
  void stop();

  /// How much longer than its timeout a whole call may take.
  static constexpr std::chrono::milliseconds deadline_margin{100};

private:
  struct session_state {
    std::chrono::steady_clock::time_point used;
    std::string client;
    std::string version;
    size_t log_level = 1;
    bool keyed = false;
  };

  json initialize(const rpc::message& msg, const caller& who);
  json list_tools(const rpc::message& msg);
  json set_log_level(const rpc::message& msg, const caller& who);
  void call_tool(const rpc::message& msg, const caller& who, reply_fn reply);
  /// Post-execution hooks (metrics, the event, the trace span), then the
  /// answer. `trace` is the call's span, begun when it came.
  void finish(const tool& t, const std::string& client,
              std::chrono::steady_clock::time_point started,
              const std::optional<tracing::server_start>& trace,
              const tool_result& res, const json& id, const reply_fn& reply);
  /// Calls `k(res)` once PostgreSQL holds everything published so far (at
  /// once without DATABASE_URL), as the REST API answers its writes.
  void after_commit(tool_result res, std::chrono::milliseconds timeout,
                    tool_done k) const;
  std::string client_of(const std::string& session) const;
  /// The `update-state` hook: publishes now, or with the batch `defer` runs.
  void publish_called(tool_called x, int64_t time_ms);
  void publish_batch();
  void expire(std::chrono::steady_clock::time_point now);

  tool_env base_;
  settings cfg_;
  std::shared_ptr<telemetry> tel_;
  net::rate_limiter limiter_;
  /// The REST handlers per tool, bound to the tool's timeout.
  std::unordered_map<std::string, std::shared_ptr<const http::router>> routes_;
  /// Calls in flight per tool, for maxConcurrent.
  std::unordered_map<std::string, std::unique_ptr<std::atomic<uint32_t>>>
    in_flight_;
  mutable std::mutex mtx_;
  std::unordered_map<std::string, session_state> sessions_;
  /// Ends calls that outlive their timeout.
  call_deadlines deadlines_;
  std::function<bool(std::function<void()>)> defer_;
  std::mutex batch_mtx_;
  /// `tool.called` events waiting for the batch, with their times.
  std::vector<std::pair<tool_called, int64_t>> batch_;
  std::atomic<uint64_t> next_call_{0};
};

} // namespace av::mcp
