#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <nlohmann/json.hpp>

#include "av/ws/client_message.hpp"
#include "av/ws/outbox.hpp"
#include "av/ws/stream_state.hpp"

namespace av::ws {

/// One WebSocket connection. Beast owns the socket on one of the server's
/// I/O threads; everything here runs on that thread, and the hub's pushes
/// reach it through the thread's lane. One write is in flight at a time;
/// what waits behind it is in the connection's `outbox`, which decides
/// what goes next.
class connection : public ws_outlet,
                   public std::enable_shared_from_this<connection> {
public:
  connection(std::shared_ptr<stream_state> owner, socket_stream sock,
             uint64_t id, bool refuse);

  ~connection() override;

  /// Reads the upgrade request.
  void start();

  /// Closes with 1001 (server going away) once the control messages and
  /// events queued so far are written; callable from any thread.
  void close();

  void push_events(std::vector<ws_payload> xs, uint64_t last_seq) override;

  void push_frame(uint64_t frame, ws_payload x) override;

  void push_control(ws_payload x) override;

  ws_lane* lane() override;

  /// A push from the hub, on this connection's I/O thread.
  void take(const ws_push& x) override;

  void flush() override;

private:
  using request = boost::beast::http::request<boost::beast::http::string_body>;

  /// Where the connection is in its life; it only moves down the list.
  enum class phase : uint8_t {
    /// Reading the upgrade request (or refusing it).
    upgrading,
    /// Reading client messages and writing the outbox.
    open,
    /// Takes nothing more, reads on and writes the queued control messages
    /// and events, then closes.
    draining,
    /// A close frame waits for the write in flight or is on its way; no
    /// more reads.
    closing,
    /// Finished: the socket is closed.
    closed,
  };

  /// SO_SNDBUF of a session's socket (the kernel doubles it): a few frames.
  static constexpr int send_buffer_bytes = 64 * 1024;

  void on_request(boost::beast::error_code err, size_t);
  void reject(boost::beast::http::status code, std::string why);
  void on_accept(boost::beast::error_code err);
  void read_next();
  void on_read(boost::beast::error_code err, size_t);
  void handle(const std::string& text);
  void subscribe(client_message& msg);
  void command(const nlohmann::json& msg);
  void bad_message(const char* code, std::string message);
  void control(const nlohmann::json& msg);
  void enqueue_events(const std::vector<ws_payload>& xs, uint64_t last_seq);
  void enqueue_control(ws_payload x);
  void enqueue_frame(uint64_t frame, ws_payload x);
  void pump();
  /// `batch_` is out and counted (or failed: then the session ends); false
  /// on failure.
  bool batch_done(boost::beast::error_code err);
  /// Sends a close frame once the write in flight is done.
  void close_with(boost::beast::websocket::close_code code, std::string reason,
                  const char* metric);
  /// Takes nothing more, writes the queued control messages and events
  /// (frames are dropped), then closes; a peer that does not take them
  /// within the handshake timeout is cut off.
  void close_after_queue(boost::beast::websocket::close_code code,
                         std::string reason, const char* metric);
  /// Ends the connection, counted under `reason` (the first one wins).
  void finish(const char* reason);
  /// Whether pushes and control messages are still taken.
  bool taking() const;
  /// Half-closes and discards input for a while, then finishes: closing
  /// with unread input would reset the connection and could destroy the
  /// close frame before the peer reads it (1009 after a large message).
  void linger(const char* reason);
  void drain();

  /// Queues `fn` on this connection's context unless the server has ended.
  template <class F>
  void post(F&& fn);
  /// Closes the socket if the upgrade request, a lingering peer or a close
  /// waiting behind a stuck write takes longer than the handshake timeout.
  void arm_deadline();

  std::shared_ptr<stream_state> core_;
  boost::beast::websocket::stream<frame_stream> ws_;
  boost::asio::steady_timer deadline_;
  boost::beast::flat_buffer buffer_;
  std::optional<
    boost::beast::http::request_parser<boost::beast::http::string_body>>
    parser_;
  request req_;
  uint64_t id_;
  bool refuse_;
  std::string token_;
  /// The peer's address: commands are rate limited per address.
  std::string client_;
  /// The actor the hub sends to; it forwards onto this connection.
  ws_session_actor actor_;
  /// Written only on the I/O thread; atomic because the hub's threads read
  /// it to drop pushes to a finished connection.
  std::atomic<phase> phase_{phase::upgrading};
  /// The close frame to send (set when draining or closing).
  boost::beast::websocket::close_reason close_;
  /// The close's metric; the first reason wins.
  std::string reason_;
  /// These flags are not phases: a viewer subscribes and unsubscribes while
  /// open, and a write is in flight, or a lane hands out pushes, in any
  /// phase from open to closing.
  bool subscribed_ = false;
  bool writing_ = false;
  /// A lane is handing out pushes: write once it is done (`flush`).
  bool holding_ = false;
  /// permessage-deflate was agreed: text messages go through Beast.
  bool deflate_ = false;
  uint32_t bad_ = 0;
  outbox box_;
  /// The messages of the write in flight, and their payloads as the frame
  /// stream takes them; reused, so a write allocates nothing once they
  /// have grown.
  std::vector<outbox::message> batch_;
  std::vector<frame_stream::outgoing> out_;
};

} // namespace av::ws
