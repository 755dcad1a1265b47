#include "av/ws/frame_stream.hpp"

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

} // namespace

void frame_stream::prepare(const std::vector<outgoing>& xs) {
  auto& st = *state_;
  size_t n = std::min(xs.size(), max_batch);
  size_t used = 0;
  st.total = 0;
  for (size_t i = 0; i < n; ++i) {
    auto len = header_of(xs[i].data->size(), xs[i].binary, st.headers + used);
    st.parts[2 * i].iov_base = st.headers + used;
    st.parts[2 * i].iov_len = len;
    st.parts[2 * i + 1].iov_base = const_cast<char*>(xs[i].data->data());
    st.parts[2 * i + 1].iov_len = xs[i].data->size();
    used += len;
    st.total += len + xs[i].data->size();
  }
  st.msg = msghdr{};
  st.msg.msg_iov = st.parts;
  st.msg.msg_iovlen = 2 * n;
}

bool frame_stream::write_messages(const std::vector<outgoing>& xs,
                                  beast::error_code& err,
                                  std::function<void(beast::error_code)> done) {
  prepare(xs);
  auto& st = *state_;
  if (auto* ring = net::send_ring::active()) {
    st.frame_busy = true;
    st.done = std::move(done);
    ring->add(state_);
    return false;
  }
  auto r = net::send_ring::write_now(st);
  if (r >= 0 && static_cast<size_t>(r) == st.total)
    return true;
  if (r < 0 && r != -EAGAIN && r != -EWOULDBLOCK) {
    err.assign(-r, beast::system_category());
    return false;
  }
  st.frame_busy = true;
  st.done = std::move(done);
  st.write_rest(static_cast<size_t>(std::max(r, 0)));
  return false;
}

int frame_stream::state::fd() {
  return sock.is_open() ? sock.native_handle() : -1;
}

void frame_stream::state::sent(int result) {
  if (result >= 0 || result == -EAGAIN || result == -EWOULDBLOCK) {
    auto n = static_cast<size_t>(std::max(result, 0));
    if (n == total)
      return end_write({});
    return write_rest(n);
  }
  end_write({-result, beast::system_category()});
}

void frame_stream::state::write_rest(size_t sent) {
  // The kernel took part of it: the rest goes out in the background, and
  // Beast's writes wait behind it. The parts point into the headers here
  // and the payloads, which the writer keeps until `done`.
  std::vector<asio::const_buffer> left;
  for (size_t i = 0; i < msg.msg_iovlen; ++i) {
    asio::const_buffer b{parts[i].iov_base, parts[i].iov_len};
    auto skip = std::min(sent, b.size());
    sent -= skip;
    if (b.size() > skip)
      left.push_back(b + skip);
  }
  asio::async_write(sock, left,
                    [self = shared_from_this()](beast::error_code e, size_t) {
                      self->end_write(e);
                    });
}

void frame_stream::state::end_write(beast::error_code err) {
  frame_busy = false;
  resume.cancel();
  auto d = std::move(done);
  done = nullptr;
  d(err);
}

void beast_close_socket(frame_stream& s) {
  beast::error_code ignored;
  s.socket().close(ignored);
}

void teardown(beast::role_type role, frame_stream& s, beast::error_code& err) {
  beast::websocket::teardown(role, s.socket(), err);
}

} // namespace av::ws
