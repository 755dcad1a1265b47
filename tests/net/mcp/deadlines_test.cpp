#define CAF_SUITE mcp.deadlines
#include "caf/test/unit_test.hpp"
#include "caf_checks.hpp"

#include <condition_variable>
#include <mutex>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>

#include "av/mcp/deadlines.hpp"

using namespace av;
using namespace std::chrono_literals;

namespace {

struct fixture {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  mcp::call_deadlines deadlines{sys};
  std::mutex mtx;
  std::condition_variable cv;
  std::vector<uint64_t> expired;

  std::function<void()> record(uint64_t call) {
    return [this, call] {
      std::lock_guard<std::mutex> guard{mtx};
      expired.push_back(call);
      cv.notify_all();
    };
  }

  bool await_expired(size_t n) {
    std::unique_lock<std::mutex> guard{mtx};
    return cv.wait_for(guard, 10s, [&] { return expired.size() >= n; });
  }

  ~fixture() { deadlines.stop(); }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(mcp_deadlines_tests, fixture)

CAF_TEST(deadlines expire in order and removed ones never) {
  auto now = mcp::call_deadlines::clock::now();
  deadlines.add(1, now + 200ms, record(1));
  deadlines.add(2, now + 50ms, record(2));
  deadlines.add(3, now + 100ms, record(3));
  deadlines.add(4, now + 20ms, record(4));
  // The earliest goes before its timer fires; the next one re-arms it.
  deadlines.remove(4);
  CAF_REQUIRE(await_expired(3));
  CAF_CHECK_EQUAL(expired, (std::vector<uint64_t>{2, 3, 1}));
  CAF_CHECK_EQUAL(deadlines.size(), 0u);
}

CAF_TEST(a deadline added later but due earlier fires first) {
  auto now = mcp::call_deadlines::clock::now();
  deadlines.add(1, now + 5s, record(1));
  deadlines.add(2, now + 30ms, record(2));
  CAF_REQUIRE(await_expired(1));
  CAF_CHECK_EQUAL(expired, (std::vector<uint64_t>{2}));
  CAF_CHECK_EQUAL(deadlines.size(), 1u);
  deadlines.remove(1);
  CAF_CHECK_EQUAL(deadlines.size(), 0u);
}

CAF_TEST_FIXTURE_SCOPE_END()
