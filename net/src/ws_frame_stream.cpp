#include "ws_frame_stream.hpp"

#include <array>
#include <cerrno>

#include <sys/socket.h>
#include <sys/uio.h>

#include <boost/asio/write.hpp>

namespace av::ws {

namespace asio = boost::asio;
namespace beast = boost::beast;

frame_stream::frame_stream(socket_stream sock)
  : state_(std::make_shared<state>(std::move(sock))) {}

frame_stream::~frame_stream() {
  beast::error_code ignored;
  state_->sock.close(ignored);
}

size_t frame_stream::send_now(const std::string& payload, const uint8_t* header,
                              size_t header_len, beast::error_code& err) {
  iovec parts[2];
  parts[0].iov_base = const_cast<uint8_t*>(header);
  parts[0].iov_len = header_len;
  parts[1].iov_base = const_cast<char*>(payload.data());
  parts[1].iov_len = payload.size();
  msghdr msg{};
  msg.msg_iov = parts;
  msg.msg_iovlen = 2;
  for (;;) {
    auto n = ::sendmsg(state_->sock.native_handle(), &msg,
                       MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n >= 0)
      return static_cast<size_t>(n);
    if (errno == EINTR)
      continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK)
      return 0;
    err.assign(errno, beast::system_category());
    return 0;
  }
}

void frame_stream::write_rest(ws_payload payload, std::string header,
                              size_t sent,
                              std::function<void(beast::error_code)> done) {
  auto st = state_;
  st->frame_busy = true;
  auto head = std::make_shared<std::string>(std::move(header));
  auto skip_head = std::min(sent, head->size());
  auto skip_body = sent - skip_head;
  std::array<asio::const_buffer, 2> rest{asio::buffer(*head) + skip_head,
                                         asio::buffer(*payload) + skip_body};
  asio::async_write(
    st->sock, rest,
    [st, head, payload, done = std::move(done)](beast::error_code err, size_t) {
      st->frame_busy = false;
      st->resume.cancel();
      done(err);
    });
}

void beast_close_socket(frame_stream& s) {
  beast::error_code ignored;
  s.socket().close(ignored);
}

void teardown(beast::role_type role, frame_stream& s, beast::error_code& err) {
  beast::websocket::teardown(role, s.socket(), err);
}

} // namespace av::ws
