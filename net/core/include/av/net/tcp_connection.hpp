#pragma once

#include <memory>
#include <utility>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>

namespace av::net {

/// What the connections of the HTTP servers (the REST API's and MCP's)
/// share: a stream on the connection's strand, its read buffer and the
/// server state it belongs to; starting, closing from any thread, and
/// shutting the socket down. `Derived` has `read_next()` and `do_close()`
/// (and befriends this class); `State` has a `net::post_gate gate`.
template <class Derived, class State>
class tcp_connection : public std::enable_shared_from_this<Derived> {
public:
  /// Starts reading on the connection's strand.
  void start() {
    boost::asio::dispatch(
      stream_.get_executor(),
      [self = this->shared_from_this()] { self->read_next(); });
  }

  /// Closes the connection; callable from any thread.
  void close() {
    core_->gate.post(stream_.get_executor(),
                     [self = this->shared_from_this()] { self->do_close(); });
  }

protected:
  tcp_connection(std::shared_ptr<State> core, boost::asio::ip::tcp::socket sock)
    : core_(std::move(core)), stream_(std::move(sock)) {
    // nop
  }

  /// Shuts the socket down both ways and closes it.
  void close_socket() {
    boost::system::error_code err;
    stream_.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_both, err);
    stream_.close();
  }

  // Declared first so that it is destroyed last: the socket needs the
  // io_context the state owns.
  std::shared_ptr<State> core_;
  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
};

} // namespace av::net
