#define CAF_SUITE net.send_ring
#include "caf/test/unit_test.hpp"
#include "caf_checks.hpp"

#include <string>

#include <functional>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>

#include "av/ws/frame_stream.hpp"
#include "av/ws/send_ring.hpp"
#include "patterned_payload.hpp"

// Where the kernel refuses io_uring (an old kernel, a seccomp profile) every
// test says so and CTest reports the suite skipped (SKIP_REGULAR_EXPRESSION
// in tests/CMakeLists.txt); the writers' sendmsg path is what
// ws.frame_stream and ws.threads test.

using namespace av;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

namespace {

/// A write of `text` to `fd`, recording its outcome.
struct text_sender : net::send_ring::sender {
  text_sender(int fd, std::string text) : sock(fd), data(std::move(text)) {
    part.iov_base = data.data();
    part.iov_len = data.size();
    msg.msg_iov = &part;
    msg.msg_iovlen = 1;
  }
  int fd() override { return sock; }
  const msghdr* message() const override { return &msg; }
  void sent(int r) override {
    result = r;
    ++calls;
    if (then)
      then();
  }

  int sock;
  std::string data;
  iovec part{};
  msghdr msg{};
  int result = 0;
  int calls = 0;
  /// Runs in `sent`.
  std::function<void()> then;
};

/// `n` loopback connections; the server ends are what the ring writes to.
struct fixture {
  asio::io_context ioc{1};
  std::vector<tcp::socket> servers;
  std::vector<tcp::socket> clients;
  std::unique_ptr<net::send_ring> ring;
  std::string why;

  fixture() { ring = net::send_ring::open(4, why); }

  /// False (and says why) where io_uring is unavailable.
  bool have_ring() {
    if (!ring)
      CAF_MESSAGE("send ring: " << why);
    return ring != nullptr;
  }

  /// Opens `n` connections; with `server_sndbuf`, small kernel buffers
  /// (that send buffer, and 4 KiB to receive) so that writes fill them.
  void connect(size_t n, int server_sndbuf = 0) {
    tcp::acceptor acc{ioc, {asio::ip::make_address("127.0.0.1"), 0}};
    for (size_t i = 0; i < n; ++i) {
      clients.emplace_back(ioc);
      clients.back().open(tcp::v4());
      if (server_sndbuf > 0)
        clients.back().set_option(asio::socket_base::receive_buffer_size(4096));
      clients.back().connect(acc.local_endpoint());
      servers.emplace_back(ioc);
      acc.accept(servers.back());
      if (server_sndbuf > 0)
        servers.back().set_option(
          asio::socket_base::send_buffer_size(server_sndbuf));
      servers.back().non_blocking(true);
    }
  }

  /// Server end `i` under a frame_stream.
  std::unique_ptr<ws::frame_stream> stream(size_t i) {
    return std::make_unique<ws::frame_stream>(
      ws::socket_stream{ioc.get_executor(), tcp::v4(), servers[i].release()});
  }

  /// Reads exactly `n` bytes from client `i`.
  std::string read(size_t i, size_t n) {
    std::string out(n, '\0');
    asio::read(clients[i], asio::buffer(out));
    return out;
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(send_ring_tests, fixture)

CAF_TEST(queued writes go out on flush in submissions of the ring size) {
  if (!have_ring())
    return;
  connect(10);
  std::vector<std::shared_ptr<text_sender>> xs;
  for (size_t i = 0; i < 10; ++i) {
    xs.push_back(std::make_shared<text_sender>(servers[i].native_handle(),
                                               "viewer " + std::to_string(i)));
    ring->add(xs.back());
  }
  for (auto& x : xs)
    CAF_CHECK_EQUAL(x->calls, 0);
  ring->flush();
  for (size_t i = 0; i < 10; ++i) {
    CAF_CHECK_EQUAL(xs[i]->calls, 1);
    CAF_CHECK_EQUAL(xs[i]->result, static_cast<int>(xs[i]->data.size()));
    CAF_CHECK_EQUAL(read(i, xs[i]->data.size()), xs[i]->data);
  }
  // Four entries: ten writes take three system calls.
  CAF_CHECK_EQUAL(ring->writes(), 10u);
  CAF_CHECK_EQUAL(ring->submissions(), 3u);
}

CAF_TEST(a full socket answers at once instead of holding the thread) {
  if (!have_ring())
    return;
  connect(1, 4096);
  // The client never reads: the kernel takes part, then nothing.
  auto big = std::make_shared<text_sender>(servers[0].native_handle(),
                                           std::string(4 << 20, 'x'));
  ring->add(big);
  ring->flush();
  CAF_CHECK_EQUAL(big->calls, 1);
  CAF_CHECK(big->result > 0);
  CAF_CHECK(big->result < static_cast<int>(big->data.size()));
  // Once the buffers are full a write takes nothing and answers -EAGAIN.
  int result = 0;
  for (int i = 0; i < 100 && result != -EAGAIN; ++i) {
    auto again = std::make_shared<text_sender>(servers[0].native_handle(),
                                               std::string(4 << 20, 'y'));
    ring->add(again);
    ring->flush();
    CAF_REQUIRE_EQUAL(again->calls, 1);
    result = again->result;
    CAF_REQUIRE(result > 0 || result == -EAGAIN);
  }
  CAF_CHECK_EQUAL(result, -EAGAIN);
}

CAF_TEST(a closed socket fails its write and not the others) {
  if (!have_ring())
    return;
  connect(2);
  auto closed = std::make_shared<text_sender>(-1, "gone");
  auto open = std::make_shared<text_sender>(servers[1].native_handle(), "ok");
  ring->add(closed);
  ring->add(open);
  ring->flush();
  CAF_CHECK_EQUAL(closed->result, -EBADF);
  CAF_CHECK_EQUAL(open->result, 2);
  CAF_CHECK_EQUAL(read(1, 2), "ok");
}

CAF_TEST(a write queued from an outcome goes out in the same flush) {
  if (!have_ring())
    return;
  connect(1);
  auto second
    = std::make_shared<text_sender>(servers[0].native_handle(), "second");
  auto first
    = std::make_shared<text_sender>(servers[0].native_handle(), "first ");
  first->then = [&] {
    ring->add(second);
  };
  ring->add(first);
  ring->flush();
  CAF_CHECK_EQUAL(first->calls, 1);
  CAF_CHECK_EQUAL(second->calls, 1);
  CAF_CHECK_EQUAL(read(0, 12), "first second");
}

CAF_TEST(a scope makes its ring the active one and flushes it on leaving) {
  if (!have_ring())
    return;
  connect(1);
  CAF_CHECK(net::send_ring::active() == nullptr);
  auto x = std::make_shared<text_sender>(servers[0].native_handle(), "hi");
  {
    net::send_ring::scope s{ring.get()};
    CAF_CHECK(net::send_ring::active() == ring.get());
    net::send_ring::active()->add(x);
    CAF_CHECK_EQUAL(x->calls, 0);
    {
      net::send_ring::scope none{nullptr};
      CAF_CHECK(net::send_ring::active() == nullptr);
    }
    CAF_CHECK(net::send_ring::active() == ring.get());
  }
  CAF_CHECK(net::send_ring::active() == nullptr);
  CAF_CHECK_EQUAL(x->calls, 1);
  CAF_CHECK_EQUAL(read(0, 2), "hi");
}

CAF_TEST(a frame stream writes through the active ring) {
  if (!have_ring())
    return;
  connect(1);
  auto fs_ptr = stream(0);
  auto& fs = *fs_ptr;
  auto p = test::patterned_payload(1000);
  bool done = false;
  {
    net::send_ring::scope s{ring.get()};
    error_code err;
    CAF_CHECK(!fs.write_messages({{p.get(), true}}, err, [&](error_code e) {
      CAF_CHECK(!e);
      done = true;
    }));
    CAF_CHECK(!err);
    // Beast's writes wait until the ring has made it.
    CAF_CHECK(!fs.idle());
    CAF_CHECK(!done);
  }
  CAF_CHECK(done);
  CAF_CHECK(fs.idle());
  auto got = read(0, 4 + p->size());
  CAF_CHECK_EQUAL(static_cast<uint8_t>(got[0]), 0x82u);
  CAF_CHECK_EQUAL(static_cast<uint8_t>(got[1]), 126u);
  CAF_CHECK(got.compare(4, p->size(), *p) == 0);
  CAF_CHECK_EQUAL(ring->writes(), 1u);
}

CAF_TEST(what the ring could not write follows in the background) {
  if (!have_ring())
    return;
  connect(1, 4096);
  auto fs_ptr = stream(0);
  auto& fs = *fs_ptr;
  auto p = test::patterned_payload(300000);
  bool done = false;
  {
    net::send_ring::scope s{ring.get()};
    error_code err;
    fs.write_messages({{p.get(), true}}, err, [&](error_code e) {
      CAF_CHECK(!e);
      done = true;
    });
  }
  CAF_CHECK(!done);
  CAF_CHECK(!fs.idle());
  std::string got(10 + p->size(), '\0');
  size_t at = 0;
  clients[0].non_blocking(true);
  while (at < got.size()) {
    error_code err;
    at += clients[0].read_some(asio::buffer(&got[at], got.size() - at), err);
    ioc.poll();
    ioc.restart();
  }
  CAF_CHECK(done);
  CAF_CHECK(fs.idle());
  CAF_CHECK(got.compare(10, p->size(), *p) == 0);
}

CAF_TEST(a frame stream closed before the flush reports the error) {
  if (!have_ring())
    return;
  connect(1);
  auto fs_ptr = stream(0);
  auto& fs = *fs_ptr;
  auto p = test::patterned_payload(100);
  error_code failed;
  {
    net::send_ring::scope s{ring.get()};
    error_code err;
    fs.write_messages({{p.get(), true}}, err,
                      [&](error_code e) { failed = e; });
    fs.socket().close();
  }
  CAF_CHECK(failed);
}

CAF_TEST_FIXTURE_SCOPE_END()
