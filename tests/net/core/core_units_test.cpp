#define CAF_SUITE net.core_units
#include "caf/test/unit_test.hpp"
#include "caf_checks.hpp"

#include "av/net/auth.hpp"
#include "av/net/cors.hpp"
#include "av/net/trusted_proxies.hpp"

using namespace av;
using namespace av::net;

CAF_TEST(the authenticator checks keys without jwt) {
  authenticator off{"", "", 3600, false};
  CAF_CHECK(!off.enabled());
  CAF_CHECK(!off.required(true));
  authenticator keyed{"0123456789abcdef", "", 3600, false};
  CAF_CHECK(keyed.required(true));
  CAF_CHECK(!keyed.required(false));
  using v = authenticator::verdict;
  CAF_CHECK(keyed.check("Bearer 0123456789abcdef", 0) == v::ok);
  CAF_CHECK(keyed.check("Bearer 0123456789abcdeF", 0) == v::invalid);
  CAF_CHECK(keyed.check("Bearer 0123456789abcdef0", 0) == v::invalid);
  CAF_CHECK(keyed.check("", 0) == v::missing);
  CAF_CHECK(keyed.check("Bearer", 0) == v::invalid);
  CAF_CHECK(keyed.check("Bearer a.b.c", 0) == v::invalid);
}

CAF_TEST(loopback origins are pages of this machine and nothing else) {
  // The origin is in the compared text, so a failure names it.
  auto verdict = [](std::string x) {
    return x + (loopback_origin(x) ? ": loopback" : ": foreign");
  };
  for (auto x :
       {"http://localhost", "http://localhost:6274", "https://127.0.0.1:3001",
        "http://[::1]:8080", "HTTP://LocalHost:1", "https://[::1]"})
    CAF_CHECK_EQUAL(verdict(x), std::string{x} + ": loopback");
  for (auto x :
       {"", "null", "localhost", "http://", "http://:80", "ftp://localhost",
        "http://localhost.evil.example", "http://127.0.0.1.evil.example",
        "http://evil.example", "http://localhost@evil.example",
        "http://localhost:80@x", "http://localhost:", "http://localhost:12a",
        "http://localhost:1234567", "http://localhost/path", "http://[::1",
        "http://[::2]:80", "http://127.0.0.2", "http://0.0.0.0:3000"})
    CAF_CHECK_EQUAL(verdict(x), std::string{x} + ": foreign");
}

CAF_TEST(trusted proxies parse addresses and ranges) {
  auto ok = trusted_proxies::parse(" 10.0.0.1, 192.168.0.0/16 ,fd00::/8,::1");
  CAF_REQUIRE(ok);
  auto addr = [](const char* x) {
    return boost::asio::ip::make_address(x);
  };
  CAF_CHECK(ok->contains(addr("10.0.0.1")));
  CAF_CHECK(!ok->contains(addr("10.0.0.2")));
  CAF_CHECK(ok->contains(addr("192.168.200.7")));
  CAF_CHECK(!ok->contains(addr("192.169.0.1")));
  CAF_CHECK(ok->contains(addr("fd12::1")));
  CAF_CHECK(ok->contains(addr("::1")));
  CAF_CHECK(!ok->contains(addr("::2")));
  // An IPv4 range never matches IPv6 addresses outside the mapped space.
  CAF_CHECK(!ok->contains(addr("c0a8::1")));
  CAF_CHECK(trusted_proxies::parse("")->empty());
  CAF_CHECK(trusted_proxies::parse("0.0.0.0/0")->contains(addr("8.8.8.8")));
  for (auto bad : {"10.0.0.0/33", "10.0.0.1/", "::/129", "proxy.example",
                   "10.0.0.1,,10.0.0.2", "10.0.0.1/x"}) {
    CAF_MESSAGE("proxies " << bad);
    auto res = trusted_proxies::parse(bad);
    CAF_CHECK(!res);
    CAF_CHECK(res.error().find("entry") != std::string::npos);
  }
}

CAF_TEST(the client is the rightmost hop no trusted proxy added) {
  auto proxies = *trusted_proxies::parse("127.0.0.1, 10.0.0.0/8");
  auto addr = [](const char* x) {
    return boost::asio::ip::make_address(x);
  };
  auto local = addr("127.0.0.1");
  CAF_CHECK_EQUAL(proxies.client(local, ""), "127.0.0.1");
  CAF_CHECK_EQUAL(proxies.client(local, "203.0.113.9"), "203.0.113.9");
  // A client may claim anything on the left; only trusted hops count.
  CAF_CHECK_EQUAL(proxies.client(local, "1.1.1.1, 203.0.113.9, 10.1.2.3"),
                  "203.0.113.9");
  CAF_CHECK_EQUAL(proxies.client(local, "10.0.0.5"), "10.0.0.5");
  CAF_CHECK_EQUAL(proxies.client(local, "junk, 10.0.0.5"), "10.0.0.5");
  CAF_CHECK_EQUAL(proxies.client(local, "junk"), "127.0.0.1");
  CAF_CHECK_EQUAL(proxies.client(local, " 2001:db8::1 "), "2001:db8::1");
  // Untrusted peers speak for themselves.
  CAF_CHECK_EQUAL(proxies.client(addr("198.51.100.1"), "203.0.113.9"),
                  "198.51.100.1");
}
