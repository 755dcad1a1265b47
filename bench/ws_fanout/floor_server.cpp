#include "floor_server.hpp"
#include "ws_frame.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <unistd.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/websocket.hpp>

#ifdef AV_HAVE_LIBURING
#  include <liburing.h>
#endif

namespace floor_server {

namespace asio = boost::asio;
namespace websocket = boost::beast::websocket;
using tcp = asio::ip::tcp;

std::string io_uring_unavailable() {
#ifdef AV_HAVE_LIBURING
  io_uring ring{};
  if (int err = io_uring_queue_init(8, &ring, 0); err < 0)
    return std::string{"io_uring refused: "} + std::strerror(-err);
  io_uring_queue_exit(&ring);
  return {};
#else
  return "built without liburing";
#endif
}

namespace {

/// A viewer's socket and what it has not yet taken of an earlier frame.
struct viewer {
  int fd = -1;
  std::string rest;
};

/// The frame of ws_peer.mjs, in agent-server's layout (docs/protocol.md),
/// preceded by its unmasked WebSocket header.
class frame {
public:
  frame(uint32_t agents, uint32_t record_bytes)
    : agents_(agents), record_bytes_(record_bytes),
      header_bytes_(record_bytes == 16 ? 44 : 36),
      data_(header_bytes_ + size_t{record_bytes} * agents, '\0'),
      ws_(ws_frame::header(ws_frame::binary, data_.size(), false)) {
    std::memcpy(&data_[0], "AVPF", 4);
    data_[4] = 1;
    data_[5] = record_bytes == 16 ? 2 : 0;
    put<uint32_t>(24, 0);
    put<uint32_t>(28, 1);
    put<uint32_t>(32, agents);
    for (uint32_t i = 0; i < agents; ++i)
      put<uint32_t>(record(i), i + 1);
    parts_[0] = {ws_.data(), ws_.size()};
    parts_[1] = {data_.data(), data_.size()};
  }

  /// Stamps tick `seq` and moves the agents, as the peer does.
  void tick(uint64_t seq) {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                std::chrono::system_clock::now().time_since_epoch())
                .count();
    put<uint64_t>(8, seq);
    put<uint64_t>(16, static_cast<uint64_t>(ms));
    for (uint32_t i = 0; i < agents_; ++i) {
      auto x = std::sin(static_cast<double>(seq) / 60 + i);
      if (record_bytes_ == 28)
        put<float>(record(i) + 4, static_cast<float>(x));
      else
        put<int16_t>(record(i) + 4,
                     static_cast<int16_t>(std::lround(x * 32767)));
    }
  }

  /// The WebSocket header and the payload, for sendmsg.
  iovec* parts() { return parts_; }
  size_t size() const { return ws_.size() + data_.size(); }

  /// The bytes from `sent` on, for a viewer that took only part.
  std::string after(size_t sent) const { return (ws_ + data_).substr(sent); }

private:
  template <class T>
  void put(size_t at, T v) {
    std::memcpy(&data_[at], &v, sizeof v);
  }

  size_t record(uint32_t i) const {
    return header_bytes_ + size_t{record_bytes_} * i;
  }

  uint32_t agents_;
  uint32_t record_bytes_;
  size_t header_bytes_;
  std::string data_;
  /// The unmasked WebSocket header.
  std::string ws_;
  iovec parts_[2];
};

/// Viewers that finished their upgrade, handed from the accepting thread to
/// a writing one.
struct arrivals {
  std::mutex mtx;
  std::vector<int> fds;
};

/// Upgrades connections one after another and deals them out to the
/// writing threads in turn; what viewers send afterwards is never read (the
/// subscribe message stays in the kernel's buffer).
void accept_viewers(tcp::acceptor& acc, std::vector<arrivals>& to) {
  for (size_t next = 0;; next = (next + 1) % to.size()) {
    boost::system::error_code err;
    tcp::socket sock{acc.get_executor()};
    acc.accept(sock, err);
    if (err)
      continue;
    // A peer that never finishes its upgrade must not stall the others.
    timeval limit{5, 0};
    setsockopt(sock.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &limit,
               sizeof limit);
    websocket::stream<tcp::socket> ws{std::move(sock)};
    ws.accept(err);
    if (err)
      continue;
    int fd = ws.next_layer().release(err);
    if (err)
      continue;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    std::lock_guard<std::mutex> guard{to[next].mtx};
    to[next].fds.push_back(fd);
  }
}

/// Writes `rest` on; true when it is all out. A failed connection is closed
/// and its descriptor set to -1.
bool finish(viewer& v) {
  while (!v.rest.empty()) {
    auto n
      = ::send(v.fd, v.rest.data(), v.rest.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
      return false;
    if (n <= 0) {
      ::close(v.fd);
      v.fd = -1;
      return false;
    }
    v.rest.erase(0, static_cast<size_t>(n));
  }
  return true;
}

/// What one write of the whole frame did: `n` bytes sent or -errno.
void settle(viewer& v, const frame& f, ssize_t n) {
  if (n == static_cast<ssize_t>(f.size()) || n == -EAGAIN || n == -EWOULDBLOCK)
    return;
  if (n >= 0) {
    v.rest = f.after(static_cast<size_t>(n));
    return;
  }
  ::close(v.fd);
  v.fd = -1;
}

/// One sendmsg per viewer.
class syscall_writer {
public:
  explicit syscall_writer(const options&) {}

  void write(std::vector<viewer*>& to, frame& f) {
    msghdr msg{};
    msg.msg_iov = f.parts();
    msg.msg_iovlen = 2;
    for (auto* v : to) {
      ssize_t n;
      do
        n = ::sendmsg(v->fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
      while (n < 0 && errno == EINTR);
      settle(*v, f, n < 0 ? -errno : n);
    }
  }
};

#ifdef AV_HAVE_LIBURING
/// One io_uring submission for all viewers, every send done inline by the
/// kernel (MSG_DONTWAIT: a full socket answers -EAGAIN instead of waiting).
class uring_writer {
public:
  static constexpr unsigned entries = 4096;

  explicit uring_writer(const options&) {
    if (int err = io_uring_queue_init(entries, &ring_, 0); err < 0)
      throw std::runtime_error(std::string{"io_uring_queue_init: "}
                               + std::strerror(-err));
  }

  ~uring_writer() { io_uring_queue_exit(&ring_); }

  void write(std::vector<viewer*>& to, frame& f) {
    msg_ = {};
    msg_.msg_iov = f.parts();
    msg_.msg_iovlen = 2;
    for (size_t at = 0; at < to.size();) {
      size_t n = std::min<size_t>(to.size() - at, entries);
      for (size_t i = at; i < at + n; ++i) {
        auto* sqe = io_uring_get_sqe(&ring_);
        io_uring_prep_sendmsg(sqe, to[i]->fd, &msg_,
                              MSG_DONTWAIT | MSG_NOSIGNAL);
        io_uring_sqe_set_data64(sqe, i);
      }
      io_uring_submit_and_wait(&ring_, static_cast<unsigned>(n));
      for (size_t done = 0; done < n; ++done) {
        io_uring_cqe* cqe = nullptr;
        if (io_uring_wait_cqe(&ring_, &cqe) < 0)
          break;
        settle(*to[io_uring_cqe_get_data64(cqe)], f, cqe->res);
        io_uring_cqe_seen(&ring_, cqe);
      }
      at += n;
    }
  }

private:
  io_uring ring_{};
  msghdr msg_{};
};
#endif

/// One writing thread: its viewers get the frame every tick.
template <class Writer>
void tick_loop(const options& o, arrivals& in) {
  Writer writer{o};
  frame f{o.agents, o.record_bytes};
  std::vector<viewer> viewers;
  std::vector<viewer*> ready;
  auto period = std::chrono::nanoseconds{1'000'000'000 / o.rate};
  auto next = std::chrono::steady_clock::now();
  for (uint64_t seq = 1;; ++seq) {
    {
      std::lock_guard<std::mutex> guard{in.mtx};
      for (int fd : in.fds)
        viewers.push_back(viewer{fd, {}});
      in.fds.clear();
    }
    f.tick(seq);
    // A viewer still taking an earlier frame skips this one.
    ready.clear();
    for (auto& v : viewers)
      if (finish(v))
        ready.push_back(&v);
    writer.write(ready, f);
    viewers.erase(std::remove_if(viewers.begin(), viewers.end(),
                                 [](const viewer& v) { return v.fd < 0; }),
                  viewers.end());
    next += period;
    std::this_thread::sleep_until(next);
  }
}

} // namespace

int serve(const options& o) {
  if (o.rate == 0 || o.threads == 0
      || (o.record_bytes != 28 && o.record_bytes != 16)) {
    std::fprintf(stderr, "floor-server: --rate and --threads must be > 0 "
                         "and --record-bytes 28 or 16\n");
    return 2;
  }
#ifndef AV_HAVE_LIBURING
  if (o.writes != "sendmsg") {
    std::fprintf(stderr, "floor-server: built without liburing\n");
    return 2;
  }
#endif
  // Shared with the threads, which run until the process ends.
  struct listener {
    asio::io_context ioc;
    tcp::acceptor acc{ioc};
    std::vector<arrivals> to;
  };
  auto l = std::make_shared<listener>();
  l->to = std::vector<arrivals>(o.threads);
  try {
    l->acc
      = tcp::acceptor{l->ioc, {asio::ip::make_address("127.0.0.1"), o.port}};
  } catch (const boost::system::system_error& e) {
    std::fprintf(stderr, "floor-server: cannot listen on 127.0.0.1:%u: %s\n",
                 o.port, e.what());
    return 1;
  }
  std::thread{[l] {
    accept_viewers(l->acc, l->to);
  }}.detach();
  for (uint32_t i = 0; i < o.threads; ++i)
    std::thread{[l, o, i] {
      try {
#ifdef AV_HAVE_LIBURING
        if (o.writes != "sendmsg")
          return tick_loop<uring_writer>(o, l->to[i]);
#endif
        tick_loop<syscall_writer>(o, l->to[i]);
      } catch (const std::exception& e) {
        std::fprintf(stderr, "floor-server: %s\n", e.what());
        std::_Exit(1);
      }
    }}.detach();
  for (;;)
    pause();
}

} // namespace floor_server
