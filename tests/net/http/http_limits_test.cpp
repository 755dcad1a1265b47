#define CAF_SUITE net.http_limits
#include "caf/test/unit_test.hpp"
#include "caf_checks.hpp"

#include "../api_fixture.hpp"

using namespace av;
using namespace av::test;
using json = nlohmann::json;

namespace {

/// A node plus a second server on it with tight limits, for the timeouts.
struct limits_fixture : api_fixture {
  std::unique_ptr<http_server> tight;

  limits_fixture() {
    http_server::limits lim;
    lim.read_timeout = std::chrono::milliseconds{200};
    lim.idle_timeout = std::chrono::milliseconds{1000};
    lim.max_requests_per_connection = 3;
    lim.max_connections = 2;
    tight = std::make_unique<http_server>(cfg, node->system(), node->registry(),
                                          node->bus(), node->physics(),
                                          node->context(), nullptr, lim);
  }

  ~limits_fixture() { tight->stop(); }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(limits_tests, limits_fixture)

CAF_TEST(oversized bodies get 413) {
  std::string big(2 * 1024 * 1024, 'x');
  auto res = client.request(verb::post, "/api/agents", big);
  CAF_CHECK_EQUAL(res.status, 413);
  CAF_CHECK_EQUAL(code(res), "payload_too_large");
  CAF_CHECK_EQUAL(get("/health").status, 200);
}

CAF_TEST(oversized heads get 431) {
  auto res = get("/api/agents", {{"X-Filler", std::string(20000, 'y')}});
  CAF_CHECK_EQUAL(res.status, 431);
  CAF_CHECK_EQUAL(get("/health").status, 200);
}

CAF_TEST(malformed requests get 400 and the server carries on) {
  const char* junk[] = {
    "GARBAGE\r\n\r\n",
    "GET /health HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
    "POST /api/agents HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
    "\r\nzz\r\n",
    "GET /api/agents/%zz HTTP/1.1\r\nHost: x\r\n\r\n",
    "GET http://other/api/agents HTTP/1.1\r\nHost: x\r\n\r\n",
    "\x01\x02\x03\x04\r\n\r\n",
  };
  for (auto bytes : junk) {
    http_client raw{port};
    auto res = raw.raw(bytes);
    CAF_CHECK_EQUAL(res.status, 400);
    CAF_CHECK(res.json.is_object());
  }
  CAF_CHECK_EQUAL(get("/health").status, 200);
}

CAF_TEST(a connection serves a bounded number of requests) {
  http_client c{tight->port()};
  for (int i = 1; i <= 3; ++i) {
    auto res = c.request(verb::get, "/health");
    CAF_CHECK_EQUAL(res.status, 200);
    CAF_CHECK_EQUAL(res.keep_alive, i < 3);
  }
  CAF_CHECK(!c.connected());
  CAF_CHECK_EQUAL(c.request(verb::get, "/health").status, 200);
}

CAF_TEST(silent and slow clients are timed out) {
  http_client silent{tight->port()};
  CAF_REQUIRE(silent.send_only(""));
  CAF_CHECK(silent.wait_closed());
  http_client slow{tight->port()};
  CAF_REQUIRE(slow.send_only("GET /health HTTP/1.1\r\nHost: x\r\n"));
  CAF_CHECK(slow.wait_closed());
  http_client idle{tight->port()};
  CAF_CHECK_EQUAL(idle.request(verb::get, "/health").status, 200);
  CAF_CHECK(idle.wait_closed());
}

CAF_TEST(connections beyond the cap are closed) {
  http_client a{tight->port()};
  http_client b{tight->port()};
  CAF_CHECK_EQUAL(a.request(verb::get, "/health").status, 200);
  CAF_CHECK_EQUAL(b.request(verb::get, "/health").status, 200);
  http_client c{tight->port()};
  auto res = c.request(verb::get, "/health");
  CAF_CHECK_EQUAL(res.status, 0);
}

CAF_TEST(stopping closes open connections) {
  http_client a{tight->port()};
  CAF_CHECK_EQUAL(a.request(verb::get, "/health").status, 200);
  tight->stop();
  CAF_CHECK(a.wait_closed());
  tight->stop();
}

CAF_TEST_FIXTURE_SCOPE_END()
