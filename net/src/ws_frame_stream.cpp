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

namespace {

/// Writes the header of an unmasked, final message of `size` bytes into
/// `out` (room for 10); returns its length.
size_t header_of(size_t size, bool binary, uint8_t* out) {
  out[0] = binary ? 0x82 : 0x81;
  if (size < 126) {
    out[1] = static_cast<uint8_t>(size);
    return 2;
  }
  if (size < 65536) {
    out[1] = 126;
    out[2] = static_cast<uint8_t>(size >> 8);
    out[3] = static_cast<uint8_t>(size);
    return 4;
  }
  out[1] = 127;
  for (int i = 0; i < 8; ++i)
    out[2 + i] = static_cast<uint8_t>(uint64_t{size} >> (56 - 8 * i));
  return 10;
}

/// What is left of a batch after a partial write, kept alive until out.
struct rest {
  std::string headers;
  std::vector<ws_payload> payloads;
  std::vector<asio::const_buffer> parts;
};

} // namespace

bool frame_stream::write_messages(const std::vector<outgoing>& xs,
                                  beast::error_code& err,
                                  std::function<void(beast::error_code)> done) {
  uint8_t headers[10 * max_batch];
  iovec parts[2 * max_batch];
  size_t n = std::min(xs.size(), max_batch);
  size_t total = 0;
  size_t used = 0;
  for (size_t i = 0; i < n; ++i) {
    auto len = header_of(xs[i].data->size(), xs[i].binary, headers + used);
    parts[2 * i].iov_base = headers + used;
    parts[2 * i].iov_len = len;
    parts[2 * i + 1].iov_base = const_cast<char*>(xs[i].data->data());
    parts[2 * i + 1].iov_len = xs[i].data->size();
    used += len;
    total += len + xs[i].data->size();
  }
  msghdr msg{};
  msg.msg_iov = parts;
  msg.msg_iovlen = 2 * n;
  size_t sent = 0;
  for (;;) {
    auto r = ::sendmsg(state_->sock.native_handle(), &msg,
                       MSG_DONTWAIT | MSG_NOSIGNAL);
    if (r >= 0) {
      sent = static_cast<size_t>(r);
      break;
    }
    if (errno == EINTR)
      continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) {
      err.assign(errno, beast::system_category());
      return false;
    }
    break;
  }
  if (sent == total)
    return true;
  // The kernel took part of it: the rest goes out in the background, and
  // Beast's writes wait behind it.
  auto left = std::make_shared<rest>();
  left->headers.assign(reinterpret_cast<const char*>(headers), used);
  size_t at = 0;
  for (size_t i = 0; i < n; ++i) {
    left->payloads.push_back(xs[i].data);
    auto len = parts[2 * i].iov_len;
    for (auto b :
         {asio::const_buffer{left->headers.data() + at, len},
          asio::const_buffer{xs[i].data->data(), xs[i].data->size()}}) {
      auto skip = std::min(sent, b.size());
      sent -= skip;
      if (b.size() > skip)
        left->parts.push_back(b + skip);
    }
    at += len;
  }
  auto st = state_;
  st->frame_busy = true;
  asio::async_write(
    st->sock, left->parts,
    [st, left, done = std::move(done)](beast::error_code e, size_t) {
      st->frame_busy = false;
      st->resume.cancel();
      done(e);
    });
  return false;
}

void beast_close_socket(frame_stream& s) {
  beast::error_code ignored;
  s.socket().close(ignored);
}

void teardown(beast::role_type role, frame_stream& s, beast::error_code& err) {
  beast::websocket::teardown(role, s.socket(), err);
}

} // namespace av::ws
