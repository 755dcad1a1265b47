#define CAF_SUITE net.http_security
#include "caf/test/unit_test.hpp"
#include "caf_checks.hpp"

#include <jwt/jwt.hpp>

#include "../api_fixture.hpp"
#include "av/net/cors.hpp"
#include "av/net/rate_limiter.hpp"

using namespace av;
using namespace av::test;
using json = nlohmann::json;

namespace {

constexpr const char* api_key = "test-key-0123456789abcdef";
constexpr const char* jwt_secret = "test-secret-0123456789abcdef-0123456789";

config::settings auth_settings() {
  auto cfg = test_settings();
  cfg.api_key = api_key;
  cfg.jwt_secret = jwt_secret;
  return cfg;
}

std::string bearer(const std::string& token) {
  return "Bearer " + token;
}

/// An HS256 token expiring `exp_in` seconds from now.
std::string make_token(const std::string& key, std::chrono::seconds exp_in,
                       bool with_exp = true) {
  using namespace jwt::params;
  jwt::jwt_object obj{algorithm("HS256"), secret(key),
                      payload({{"sub", "operator"}})};
  if (with_exp)
    obj.add_claim("exp", std::chrono::system_clock::now() + exp_in);
  return obj.signature();
}

std::string b64(const std::string& x) {
  auto result = jwt::base64_encode(x.data(), x.size());
  result.resize(jwt::base64_uri_encode(result.data(), result.size()));
  return result;
}

struct auth_fixture : api_fixture {
  auth_fixture() : api_fixture(auth_settings()) {
    // nop
  }

  http_result spawn_with(const std::string& authorization) {
    http_client::headers_t headers;
    if (!authorization.empty())
      headers.emplace_back("Authorization", authorization);
    return post("/api/agents", {{"type", "coder"}}, headers);
  }
};

struct read_auth_fixture : api_fixture {
  read_auth_fixture()
    : api_fixture([] {
        auto cfg = auth_settings();
        cfg.read_auth = true;
        return cfg;
      }()) {
    // nop
  }
};

struct rate_fixture : api_fixture {
  rate_fixture()
    : api_fixture([] {
        auto cfg = test_settings();
        cfg.rate_limit_max_requests = 3;
        cfg.rate_limit_window_ms = 60000;
        return cfg;
      }()) {
    // nop
  }
};

/// Two requests a minute per client, behind a proxy on loopback.
struct proxy_fixture : api_fixture {
  proxy_fixture()
    : api_fixture([] {
        auto cfg = test_settings();
        cfg.rate_limit_max_requests = 2;
        cfg.rate_limit_window_ms = 60000;
        cfg.trusted_proxies = "127.0.0.1";
        return cfg;
      }()) {
    // nop
  }

  int get_as(const std::string& forwarded) {
    return get("/api/agents", {{"X-Forwarded-For", forwarded}}).status;
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(auth_tests, auth_fixture)

CAF_TEST(writes need a key or a valid token and reads stay open) {
  auto res = get("/api/agents");
  CAF_CHECK_EQUAL(res.status, 200);
  res = spawn_with("");
  CAF_CHECK_EQUAL(res.status, 401);
  CAF_CHECK_EQUAL(code(res), "unauthorized");
  CAF_CHECK_EQUAL(res.header("www-authenticate"), "Bearer");
  res = spawn_with(bearer("wrong-key-0123456789abcdef"));
  CAF_CHECK_EQUAL(res.status, 401);
  CAF_CHECK_EQUAL(res.header("www-authenticate"),
                  "Bearer error=\"invalid_token\"");
  res = spawn_with(std::string{"Basic "} + api_key);
  CAF_CHECK_EQUAL(res.status, 401);
  res = spawn_with(bearer(api_key));
  CAF_CHECK_EQUAL(res.status, 201);
  res = spawn_with(std::string{"bearer   "} + api_key);
  CAF_CHECK_EQUAL(res.status, 201);
  // The body of a refused request is never looked at.
  res = client.request(http_client::verb::delete_, "/api/agents/1");
  CAF_CHECK_EQUAL(res.status, 401);
  res = get("/health");
  CAF_CHECK_EQUAL(res.status, 200);
}

CAF_TEST(tokens are checked for signature algorithm and expiry) {
  auto res = spawn_with(bearer(make_token(jwt_secret, std::chrono::hours{1})));
  CAF_CHECK_EQUAL(res.status, 201);
  res = spawn_with(bearer(make_token(jwt_secret, -std::chrono::hours{1})));
  CAF_CHECK_EQUAL(res.status, 401);
  CAF_CHECK_EQUAL(res.json["error"]["message"], "the token has expired");
  res = spawn_with(bearer(
    make_token("another-secret-0123456789abcdef-0123", std::chrono::hours{1})));
  CAF_CHECK_EQUAL(res.status, 401);
  res
    = spawn_with(bearer(make_token(jwt_secret, std::chrono::hours{1}, false)));
  CAF_CHECK_EQUAL(res.status, 401);
  auto exp = std::to_string(now_ms() / 1000 + 3600);
  auto unsigned_token = b64(R"({"alg":"none","typ":"JWT"})") + "."
                        + b64(R"({"sub":"x","exp":)" + exp + "}") + ".";
  res = spawn_with(bearer(unsigned_token));
  CAF_CHECK_EQUAL(res.status, 401);
  res = spawn_with(bearer("not.a.token"));
  CAF_CHECK_EQUAL(res.status, 401);
  res = spawn_with(bearer("...."));
  CAF_CHECK_EQUAL(res.status, 401);
}

CAF_TEST(a wildcard origin is ignored while auth is on) {
  av::net::cors_policy open{{"*"}, false};
  CAF_CHECK(open.allowed("https://any.example"));
  CAF_CHECK_EQUAL(open.allow_origin("https://any.example"), "*");
  av::net::cors_policy locked{{"*", "https://ok.example"}, true};
  CAF_CHECK(locked.wildcard_ignored());
  CAF_CHECK(!locked.allowed("https://any.example"));
  CAF_CHECK(locked.allowed("https://ok.example"));
  CAF_CHECK_EQUAL(locked.allow_origin("https://ok.example"),
                  "https://ok.example");
}

CAF_TEST_FIXTURE_SCOPE_END()

CAF_TEST_FIXTURE_SCOPE(read_auth_tests, read_auth_fixture)

CAF_TEST(read auth closes reads but not the probes) {
  auto res = get("/api/agents");
  CAF_CHECK_EQUAL(res.status, 401);
  res = get("/api/agents", {{"Authorization", bearer(api_key)}});
  CAF_CHECK_EQUAL(res.status, 200);
  CAF_CHECK_EQUAL(get("/health").status, 200);
  CAF_CHECK_EQUAL(get("/ready").status, 200);
}

CAF_TEST_FIXTURE_SCOPE_END()

CAF_TEST_FIXTURE_SCOPE(rate_tests, rate_fixture)

CAF_TEST(clients over their budget get 429 with retry after) {
  for (int i = 0; i < 3; ++i)
    CAF_CHECK_EQUAL(get("/api/agents").status, 200);
  auto res = get("/api/agents");
  CAF_CHECK_EQUAL(res.status, 429);
  CAF_CHECK_EQUAL(code(res), "rate_limited");
  CAF_CHECK(std::stoi(res.header("retry-after")) >= 1);
  // Probes are not limited.
  CAF_CHECK_EQUAL(get("/health").status, 200);
}

CAF_TEST(x forwarded for from an untrusted peer is ignored) {
  // Without TRUSTED_PROXIES the header cannot buy a fresh budget.
  CAF_CHECK_EQUAL(get("/api/agents", {{"X-Forwarded-For", "10.0.0.1"}}).status,
                  200);
  CAF_CHECK_EQUAL(get("/api/agents", {{"X-Forwarded-For", "10.0.0.2"}}).status,
                  200);
  CAF_CHECK_EQUAL(get("/api/agents", {{"X-Forwarded-For", "10.0.0.3"}}).status,
                  200);
  CAF_CHECK_EQUAL(get("/api/agents", {{"X-Forwarded-For", "10.0.0.4"}}).status,
                  429);
}

CAF_TEST(the token bucket refills with time) {
  using namespace std::chrono;
  av::net::rate_limiter limiter{2, milliseconds{1000}};
  auto t0 = av::net::rate_limiter::clock::time_point{} + hours{1};
  CAF_CHECK_EQUAL(limiter.admit("a", t0).count(), 0);
  CAF_CHECK_EQUAL(limiter.admit("a", t0).count(), 0);
  CAF_CHECK_EQUAL(limiter.admit("a", t0).count(), 500);
  CAF_CHECK_EQUAL(limiter.admit("b", t0).count(), 0);
  CAF_CHECK_EQUAL(limiter.admit("a", t0 + milliseconds{500}).count(), 0);
  CAF_CHECK(limiter.admit("a", t0 + milliseconds{500}).count() > 0);
  av::net::rate_limiter small{1, milliseconds{1000}, 2};
  for (int i = 0; i < 10; ++i)
    small.admit("client" + std::to_string(i), t0);
  CAF_CHECK(small.clients() <= 2u);
}

CAF_TEST_FIXTURE_SCOPE_END()

CAF_TEST_FIXTURE_SCOPE(cors_tests, api_fixture)

CAF_TEST(allowed origins get cors headers and others are refused) {
  auto res = get("/api/agents", {{"Origin", "http://localhost:3000"}});
  CAF_CHECK_EQUAL(res.status, 200);
  CAF_CHECK_EQUAL(res.header("access-control-allow-origin"),
                  "http://localhost:3000");
  CAF_CHECK_EQUAL(res.header("vary"), "Origin");
  res = get("/api/agents", {{"Origin", "https://evil.example"}});
  CAF_CHECK_EQUAL(res.status, 403);
  CAF_CHECK_EQUAL(code(res), "origin_not_allowed");
  CAF_CHECK_EQUAL(res.header("access-control-allow-origin"), "");
  res = client.request(http_client::verb::options, "/api/agents", {},
                       {{"Origin", "http://localhost:3000"},
                        {"Access-Control-Request-Method", "POST"}});
  CAF_CHECK_EQUAL(res.status, 204);
  CAF_CHECK_EQUAL(res.header("access-control-allow-methods"),
                  "GET, HEAD, POST, OPTIONS");
  CAF_CHECK_EQUAL(res.header("access-control-allow-origin"),
                  "http://localhost:3000");
  CAF_CHECK(res.header("access-control-allow-headers").find("Authorization")
            != std::string::npos);
  res = client.request(http_client::verb::options, "/api/agents", {},
                       {{"Origin", "https://evil.example"},
                        {"Access-Control-Request-Method", "POST"}});
  CAF_CHECK_EQUAL(res.status, 403);
  res = client.request(http_client::verb::options, "/api/nowhere");
  CAF_CHECK_EQUAL(res.status, 404);
}

CAF_TEST_FIXTURE_SCOPE_END()

CAF_TEST_FIXTURE_SCOPE(proxy_tests, proxy_fixture)

CAF_TEST(a trusted proxy names the client that the rate limit counts) {
  CAF_CHECK_EQUAL(get_as("203.0.113.1"), 200);
  CAF_CHECK_EQUAL(get_as("203.0.113.1"), 200);
  CAF_CHECK_EQUAL(get_as("203.0.113.1"), 429);
  // Another client behind the same proxy has its own budget.
  CAF_CHECK_EQUAL(get_as("203.0.113.2"), 200);
  // Hops a client adds on the left do not change who it is.
  CAF_CHECK_EQUAL(get_as("198.51.100.7, 203.0.113.1"), 429);
  // The proxy's own requests count for the proxy.
  CAF_CHECK_EQUAL(get("/api/agents").status, 200);
  CAF_CHECK_EQUAL(get("/api/agents").status, 200);
  CAF_CHECK_EQUAL(get("/api/agents").status, 429);
}

CAF_TEST_FIXTURE_SCOPE_END()
