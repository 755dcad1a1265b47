#include "viewer_client.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <random>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

// The handshake's key and accept value (base64 of SHA-1), as Beast makes them
// for its own client.
#include <boost/beast/websocket/detail/hybi13.hpp>

namespace viewer_client {

namespace {

/// Bytes of one read: large, so that a thread drains many frames per call.
constexpr size_t read_buffer_bytes = 256 * 1024;

/// The most bytes of an HTTP upgrade response.
constexpr size_t max_response_bytes = 8192;

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) {
    return static_cast<char>(std::tolower(c));
  });
  return s;
}

/// The value of `name` (lower case) in an HTTP header block, trimmed.
std::string header_value(const std::string& head, const std::string& name) {
  auto lowered = lower(head);
  auto at = lowered.find("\r\n" + name + ":");
  if (at == std::string::npos)
    return "";
  auto begin = head.find_first_not_of(" \t", at + name.size() + 3);
  auto end = head.find("\r\n", at + 2);
  if (begin == std::string::npos || begin >= end)
    return "";
  auto value = head.substr(begin, end - begin);
  return value.substr(0, value.find_last_not_of(" \t") + 1);
}

} // namespace

/// One viewer's socket and where its handshake stands.
struct connection {
  enum class phase { connecting, upgrading, open, done };

  connection(bool probe, size_t text_limit)
    : probe(probe), reader(probe ? SIZE_MAX : text_limit) {}

  int fd = -1;
  bool probe;
  phase at = phase::connecting;
  std::string key;
  std::string response;
  std::string out;
  ws_frame::reader reader;
};

/// One thread's viewers and epoll set.
class io_thread {
public:
  io_thread(pool& owner, uint32_t index)
    : owner_(owner), index_(index), buf_(read_buffer_bytes),
      rng_(std::random_device{}()) {
    epfd_ = epoll_create1(EPOLL_CLOEXEC);
  }

  ~io_thread() {
    for (auto& c : conns_)
      if (c->fd >= 0)
        ::close(c->fd);
    if (epfd_ >= 0)
      ::close(epfd_);
  }

  void add(bool probe) {
    conns_.push_back(
      std::make_unique<connection>(probe, owner_.opts_.text_limit));
  }

  void run() {
    if (epfd_ < 0) {
      for (auto& c : conns_)
        fail(*c, std::string{"epoll_create1: "} + std::strerror(errno));
      return;
    }
    for (auto& c : conns_)
      connect(*c);
    std::vector<epoll_event> events(512);
    while (!owner_.stop_.load(std::memory_order_relaxed)) {
      auto n
        = epoll_wait(epfd_, events.data(), static_cast<int>(events.size()), 50);
      for (int i = 0; i < n; ++i)
        on_event(*static_cast<connection*>(events[i].data.ptr),
                 events[i].events);
    }
  }

  // The reader's sink: messages go to the benchmark, pings are answered,
  // a close frame is answered and ends the connection.
  struct sink {
    io_thread& t;
    connection& c;

    void on_message(const ws_frame::message& msg) {
      t.owner_.on_message_(t.index_, c.probe, msg);
    }

    void on_control(uint8_t op, std::string_view payload) {
      if (op == ws_frame::ping) {
        t.send(c, ws_frame::pong, payload);
      } else if (op == ws_frame::close) {
        t.send(c, ws_frame::close, payload.substr(0, 2));
        t.end(c, "closed by the server" + close_reason(payload));
      }
    }
  };

private:
  static std::string close_reason(std::string_view payload) {
    if (payload.size() < 2)
      return "";
    auto code = static_cast<unsigned char>(payload[0]) << 8
                | static_cast<unsigned char>(payload[1]);
    return " (" + std::to_string(code) + " " + std::string{payload.substr(2)}
           + ")";
  }

  void connect(connection& c) {
    c.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c.fd < 0)
      return fail(c, std::string{"socket: "} + std::strerror(errno));
    int one = 1;
    setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    auto rcvbuf = owner_.opts_.rcvbuf;
    if (rcvbuf > 0
        && setsockopt(c.fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf) != 0)
      return fail(c, std::string{"SO_RCVBUF: "} + std::strerror(errno));
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
    ev.data.ptr = &c;
    if (epoll_ctl(epfd_, EPOLL_CTL_ADD, c.fd, &ev) != 0)
      return fail(c, std::string{"epoll_ctl: "} + std::strerror(errno));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(owner_.opts_.port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(c.fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0)
      return upgrade(c);
    if (errno != EINPROGRESS)
      fail(c, std::string{"connect: "} + std::strerror(errno));
  }

  void on_event(connection& c, uint32_t events) {
    if (c.at == connection::phase::done)
      return;
    if (c.at == connection::phase::connecting) {
      int err = 0;
      socklen_t len = sizeof err;
      getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
      if (err != 0)
        return fail(c, std::string{"connect: "} + std::strerror(err));
      if ((events & EPOLLOUT) == 0)
        return;
      upgrade(c);
    }
    if ((events & EPOLLOUT) != 0 && !c.out.empty())
      flush(c);
    if ((events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0)
      drain(c);
  }

  void upgrade(connection& c) {
    boost::beast::websocket::detail::sec_ws_key_type key;
    boost::beast::websocket::detail::make_sec_ws_key(key);
    c.key.assign(key.data(), key.size());
    c.at = connection::phase::upgrading;
    c.out += "GET /ws HTTP/1.1\r\nHost: 127.0.0.1:"
             + std::to_string(owner_.opts_.port)
             + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               "Sec-WebSocket-Key: "
             + c.key + "\r\nSec-WebSocket-Version: 13\r\n\r\n";
    flush(c);
  }

  /// Reads until EAGAIN (the set is edge-triggered).
  void drain(connection& c) {
    while (c.at != connection::phase::done) {
      auto n = ::recv(c.fd, buf_.data(), buf_.size(), 0);
      if (n > 0) {
        consume(c, buf_.data(), static_cast<size_t>(n));
      } else if (n == 0) {
        return end(c, "the server closed the connection");
      } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
        return;
      } else if (errno != EINTR) {
        return end(c, std::string{"recv: "} + std::strerror(errno));
      }
    }
  }

  void consume(connection& c, const unsigned char* p, size_t n) {
    if (c.at == connection::phase::upgrading) {
      c.response.append(reinterpret_cast<const char*>(p), n);
      auto end = c.response.find("\r\n\r\n");
      if (end == std::string::npos) {
        if (c.response.size() > max_response_bytes)
          fail(c, "an upgrade response without an end of headers");
        return;
      }
      auto rest = c.response.size() - (end + 4);
      if (!accepted(c, c.response.substr(0, end + 2)))
        return;
      send(c, ws_frame::text,
           c.probe ? owner_.opts_.probe_subscribe : owner_.opts_.subscribe);
      if (c.at == connection::phase::done)
        return;
      c.at = connection::phase::open;
      ++owner_.ready_;
      p += n - rest;
      n = rest;
      c.response.clear();
    }
    sink s{*this, c};
    if (!c.reader.feed(p, n, s) && c.at != connection::phase::done)
      end(c, "bad frame: " + c.reader.error());
  }

  /// Checks the 101 answer and its Sec-WebSocket-Accept.
  bool accepted(connection& c, const std::string& head) {
    auto status_line = head.substr(0, head.find("\r\n"));
    if (status_line.rfind("HTTP/1.1 101", 0) != 0) {
      fail(c, "upgrade answered `" + status_line + "`");
      return false;
    }
    boost::beast::websocket::detail::sec_ws_accept_type expected;
    boost::beast::websocket::detail::make_sec_ws_accept(expected, c.key);
    auto accept = header_value(head, "sec-websocket-accept");
    if (accept != std::string{expected.data(), expected.size()}) {
      fail(c, "upgrade with a wrong Sec-WebSocket-Accept `" + accept + "`");
      return false;
    }
    return true;
  }

  void send(connection& c, uint8_t op, std::string_view payload) {
    c.out += ws_frame::masked(op, payload, static_cast<uint32_t>(rng_()));
    flush(c);
  }

  void flush(connection& c) {
    while (!c.out.empty()) {
      auto n = ::send(c.fd, c.out.data(), c.out.size(), MSG_NOSIGNAL);
      if (n > 0) {
        c.out.erase(0, static_cast<size_t>(n));
      } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        return; // EPOLLOUT resumes it
      } else if (n < 0 && errno != EINTR) {
        return end(c, std::string{"send: "} + std::strerror(errno));
      }
    }
  }

  /// A viewer that never subscribed.
  void fail(connection& c, const std::string& why) {
    ++owner_.failed_;
    owner_.problem(why);
    close(c);
  }

  /// A viewer that stops: a failure before it subscribed, a close after.
  void end(connection& c, const std::string& why) {
    if (c.at != connection::phase::open)
      return fail(c, why);
    ++owner_.closed_;
    owner_.problem(why);
    close(c);
  }

  void close(connection& c) {
    c.at = connection::phase::done;
    if (c.fd >= 0)
      ::close(c.fd);
    c.fd = -1;
  }

  pool& owner_;
  uint32_t index_;
  int epfd_ = -1;
  std::vector<unsigned char> buf_;
  std::mt19937 rng_;
  // Stable addresses: epoll events point at them.
  std::vector<std::unique_ptr<connection>> conns_;
};

pool::pool(options opts, message_handler on_message)
  : opts_(std::move(opts)), on_message_(std::move(on_message)) {
  auto threads = std::max(1u, opts_.threads);
  for (uint32_t i = 0; i < threads; ++i)
    io_.push_back(std::make_unique<io_thread>(*this, i));
  for (uint32_t i = 0; i < opts_.viewers; ++i)
    io_[i % threads]->add(i == 0);
  for (auto& t : io_)
    threads_.emplace_back([&t] { t->run(); });
}

pool::~pool() {
  stop();
}

void pool::stop() {
  stop_ = true;
  for (auto& t : threads_)
    t.join();
  threads_.clear();
  io_.clear();
}

std::string pool::first_problem() const {
  std::lock_guard<std::mutex> guard{problem_mtx_};
  return problem_;
}

void pool::problem(const std::string& what) {
  std::lock_guard<std::mutex> guard{problem_mtx_};
  if (problem_.empty())
    problem_ = what;
}

} // namespace viewer_client
