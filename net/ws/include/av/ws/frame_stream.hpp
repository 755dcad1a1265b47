#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/async_result.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/role.hpp>
#include <boost/beast/websocket/teardown.hpp>

#include <sys/uio.h>

#include "av/ws/hub.hpp"
#include "av/ws/send_ring.hpp"

namespace av::ws {

/// A session's socket. Each context is run by one thread, so its sessions
/// need no strand, and the concrete executor spares the type-erased one's
/// cost on every write.
using socket_stream
  = boost::asio::basic_stream_socket<boost::asio::ip::tcp,
                                     boost::asio::io_context::executor_type>;

/// The socket under a session's websocket::stream. Position frames and
/// events, most of the traffic, go straight to the socket as whole
/// uncompressed messages: one system call and no asynchronous operation
/// when the kernel takes them at once, or a share of one when the thread
/// has an active net::send_ring (a lane handing out a tick). Beast's own writes
/// (compressed messages, pings, pongs, the close) pass through
/// `async_write_some`, which holds them back while the rest of a message is
/// still being written, so that two messages never interleave on the wire.
class frame_stream {
public:
  using executor_type = socket_stream::executor_type;

  explicit frame_stream(socket_stream sock);

  /// Closes the socket: the rest of a frame fails, and so does what waits
  /// behind it, rather than holding its context's thread.
  ~frame_stream();

  frame_stream(const frame_stream&) = delete;
  frame_stream& operator=(const frame_stream&) = delete;

  executor_type get_executor() noexcept { return state_->sock.get_executor(); }

  socket_stream& socket() { return state_->sock; }

  template <class Buffers, class Handler>
  auto async_read_some(const Buffers& b, Handler&& h) {
    return state_->sock.async_read_some(b, std::forward<Handler>(h));
  }

  template <class Buffers, class Handler>
  auto async_write_some(const Buffers& b, Handler&& h) {
    return boost::asio::async_initiate<Handler,
                                       void(boost::beast::error_code, size_t)>(
      [st = state_](auto handler, const Buffers& b) {
        start_write(st, b, std::move(handler));
      },
      h, b);
  }

  /// Whether a message may be written now: nothing else is being written.
  bool idle() const { return !state_->frame_busy && state_->writes == 0; }

  /// A message to write: a payload the writer keeps alive (see
  /// `write_messages`), binary or text. Not a shared_ptr: copies would
  /// bump a reference count that every I/O thread bumps for the same frame.
  struct outgoing {
    const std::string* data;
    bool binary = true;
  };

  /// Most messages written by one system call.
  static constexpr size_t max_batch = 8;

  /// Writes `xs` (at most `max_batch`) as whole unmasked messages in one
  /// system call; call only when `idle()`. True when the kernel took all of
  /// it; otherwise (also whenever the thread's send_ring takes the write)
  /// the rest is written in the background and `done(err)` is called when it
  /// is out. `err` is set (and `done` not called) when the connection
  /// failed at once. The payloads must live until true is returned or
  /// `done` is called.
  bool write_messages(const std::vector<outgoing>& xs,
                      boost::beast::error_code& err,
                      std::function<void(boost::beast::error_code)> done);

private:
  /// Shared with pending handlers and the send ring, which may complete
  /// after the stream is gone (with an error).
  struct state : net::send_ring::sender, std::enable_shared_from_this<state> {
    explicit state(socket_stream s)
      : sock(std::move(s)), resume(sock.get_executor()) {
      resume.expires_at(boost::asio::steady_timer::time_point::max());
    }
    socket_stream sock;
    /// Writes Beast has in flight.
    uint32_t writes = 0;
    /// Messages of ours are being written: Beast's writes wait.
    bool frame_busy = false;
    /// Beast's writes wait on it while `frame_busy`; cancelled to go on.
    boost::asio::steady_timer resume;
    /// The messages being written: headers, then header and payload parts.
    uint8_t headers[10 * max_batch];
    iovec parts[2 * max_batch];
    msghdr msg{};
    size_t total = 0;
    /// Called when a write that did not finish at once is out.
    std::function<void(boost::beast::error_code)> done;

    int fd() override;
    const msghdr* message() const override { return &msg; }
    /// The send ring's outcome.
    void sent(int result) override;
    /// Writes what is left after `sent` bytes in the background, then ends
    /// the write.
    void write_rest(size_t sent);
    /// Lets Beast's writes go on and calls `done`.
    void end_write(boost::beast::error_code err);
  };
  using state_ptr = std::shared_ptr<state>;

  /// Fills the state's headers and parts for `xs`.
  void prepare(const std::vector<outgoing>& xs);

  template <class Buffers, class Handler>
  static void start_write(const state_ptr& st, const Buffers& b, Handler h) {
    if (st->frame_busy) {
      st->resume.async_wait(
        [st, b, h = std::move(h)](boost::beast::error_code) mutable {
          start_write(st, b, std::move(h));
        });
      return;
    }
    ++st->writes;
    st->sock.async_write_some(
      b,
      [st, h = std::move(h)](boost::beast::error_code err, size_t n) mutable {
        --st->writes;
        h(err, n);
      });
  }

  state_ptr state_;
};

// For Beast, found by argument-dependent lookup: closing on a timeout, and
// the closing handshake.
void beast_close_socket(frame_stream& s);

void teardown(boost::beast::role_type role, frame_stream& s,
              boost::beast::error_code& err);

template <class Handler>
void async_teardown(boost::beast::role_type role, frame_stream& s,
                    Handler&& h) {
  boost::beast::websocket::async_teardown(role, s.socket(),
                                          std::forward<Handler>(h));
}

} // namespace av::ws
