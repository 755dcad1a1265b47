#define CAF_SUITE net.post_gate
#include "caf/test/unit_test.hpp"
#include "caf_checks.hpp"

#include <memory>

#include "av/net/io_thread.hpp"

using namespace av;

// What a server's stop does: the I/O thread has run out of work and ended;
// a handler queued just before runs with the leftovers, one posted after is
// refused, so the session it holds is freed at once.
CAF_TEST(posts after closing are refused and release what they hold) {
  boost::asio::io_context ioc{1};
  net::post_gate gate;
  int ran = 0;
  CAF_CHECK(gate.post(ioc.get_executor(), [&ran] { ++ran; }));
  gate.close(ioc);
  CAF_CHECK_EQUAL(ran, 1);
  auto held = std::make_shared<int>(0);
  std::weak_ptr<int> watch = held;
  CAF_CHECK(!gate.post(ioc.get_executor(), [&ran, held] { ++ran; }));
  held.reset();
  CAF_CHECK(watch.expired());
  CAF_CHECK_EQUAL(ioc.poll(), 0u);
  CAF_CHECK_EQUAL(ran, 1);
}
