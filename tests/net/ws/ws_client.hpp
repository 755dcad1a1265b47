#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <boost/beast/websocket/rfc6455.hpp>
#include <nlohmann/json.hpp>

namespace av::test {

/// A WebSocket client over loopback for tests. Every step runs with a
/// deadline, so a misbehaving server fails a test instead of hanging it.
/// Compiled once (ws_client.cpp): Beast's templates are most of a test
/// file's compile time.
class ws_client {
public:
  using headers_t = std::vector<std::pair<std::string, std::string>>;
  using clock = std::chrono::steady_clock;

  struct message {
    bool binary = false;
    std::string data;
    nlohmann::json json;
  };

  struct options {
    std::string target = "/ws";
    headers_t headers;
    bool compression = false;
    /// SO_RCVBUF of the socket; 0 keeps the default. A small one makes a
    /// client that stops reading fall behind quickly.
    int receive_buffer = 0;
    std::chrono::milliseconds timeout{5000};
  };

  explicit ws_client(uint16_t port);
  ws_client(uint16_t port, options opts);
  ~ws_client();

  /// Sends a text (or binary) message; false on failure or timeout.
  bool send_raw(const std::string& data, bool binary = false);

  bool send(const nlohmann::json& x) { return send_raw(x.dump()); }

  /// Writes bytes to the socket as they are, bypassing the WebSocket
  /// framing (e.g. a frame header that announces more than the limit).
  bool send_bytes(const std::string& bytes);

  /// The next message, or none on timeout or close (see `closed`).
  std::optional<message> read(std::chrono::milliseconds timeout);

  /// Reads until a text message's `type` is `type` (skipping others), or
  /// the deadline.
  std::optional<nlohmann::json> read_type(const std::string& type,
                                          std::chrono::milliseconds timeout
                                          = std::chrono::milliseconds{5000});

  /// Reads until the server closes; true if it did before the deadline.
  bool await_close(std::chrono::milliseconds timeout
                   = std::chrono::milliseconds{10000});

  /// Sends a close frame and waits for the answer.
  void close();

  bool connected = false;
  bool closed = false;
  /// Text messages that carried coalesced events (a JSON array).
  size_t arrays = 0;
  int http_status = 0;
  std::string error;
  boost::beast::websocket::close_reason close_reason;

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace av::test
