#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>

#include "av/types.hpp"

namespace av::mcp {

class engine;
class http_connection;

/// The log level of an event's notification (an index into
/// `engine::log_levels()`); none for metrics samples and agent messages,
/// which come too often to be worth a model's attention.
std::optional<size_t> notification_level(const event& e);

/// The event as an MCP `notifications/message` at `level`.
std::string notification_text(const event& e, size_t level);

/// The server-to-client streams of the Streamable HTTP transport (`GET
/// /mcp`): per session its open stream and its recent notifications,
/// numbered, so that a client reconnecting with `Last-Event-ID` gets what
/// it missed. Thread-safe.
class sse_streams {
public:
  explicit sse_streams(std::shared_ptr<engine> eng);

  /// Makes `s` the session's stream, closing one opened before, primes it
  /// with the current event id and sends the kept notifications numbered
  /// after `last_id`.
  void attach(const std::string& session,
              const std::shared_ptr<http_connection>& s,
              std::optional<uint64_t> last_id);

  /// Sends `e` to each session with a stream whose level admits it.
  void publish(const event& e);

  /// Forgets a session that ended; closes its stream.
  void drop(const std::string& session);

  /// Notifications kept per session for resumption.
  static constexpr size_t kept = 256;

  /// Suggested reconnection delay sent with the priming event.
  static constexpr int retry_ms = 1000;

private:
  struct channel {
    uint64_t last_id = 0;
    std::deque<std::pair<uint64_t, std::string>> recent;
    std::weak_ptr<http_connection> stream;
  };

  std::shared_ptr<engine> eng_;
  std::mutex mtx_;
  std::unordered_map<std::string, channel> channels_;
};

} // namespace av::mcp
