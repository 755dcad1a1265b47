#define CAF_SUITE base.endpoint
#include "caf/test/unit_test.hpp"
#include "caf_checks.hpp"

#include <string>

#include "av/base/endpoint.hpp"

using namespace av;

CAF_TEST(host and port) {
  auto ep = parse_endpoint("node-2.example.com:4242");
  CAF_REQUIRE(ep);
  CAF_CHECK_EQUAL(ep->host, "node-2.example.com");
  CAF_CHECK_EQUAL(ep->port, 4242);
  ep = parse_endpoint("10.0.0.1:1");
  CAF_REQUIRE(ep);
  CAF_CHECK_EQUAL(ep->host, "10.0.0.1");
  CAF_CHECK_EQUAL(ep->port, 1);
  CAF_CHECK_EQUAL(ep->to_string(), "10.0.0.1:1");
}

CAF_TEST(ipv6 in brackets) {
  auto ep = parse_endpoint("[::1]:4242");
  CAF_REQUIRE(ep);
  CAF_CHECK_EQUAL(ep->host, "::1");
  CAF_CHECK_EQUAL(ep->port, 4242);
  CAF_CHECK_EQUAL(ep->to_string(), "[::1]:4242");
  ep = parse_endpoint("[fd00::2]:65535");
  CAF_REQUIRE(ep);
  CAF_CHECK_EQUAL(ep->host, "fd00::2");
  CAF_CHECK_EQUAL(ep->port, 65535);
}

CAF_TEST(default port) {
  auto ep = parse_endpoint("example.com", 443);
  CAF_REQUIRE(ep);
  CAF_CHECK_EQUAL(ep->port, 443);
  ep = parse_endpoint("[::1]", 80);
  CAF_REQUIRE(ep);
  CAF_CHECK_EQUAL(ep->host, "::1");
  CAF_CHECK_EQUAL(ep->port, 80);
}

CAF_TEST(bad endpoints) {
  auto error_of = [](std::string_view x) {
    return parse_endpoint(x).error();
  };
  CAF_CHECK_EQUAL(error_of("host"), "missing port");
  CAF_CHECK_EQUAL(error_of(":4242"), "missing host");
  CAF_CHECK_EQUAL(error_of("::1:4242"), "IPv6 addresses need brackets");
  CAF_CHECK_EQUAL(error_of("[::1]"), "missing port");
  CAF_CHECK_EQUAL(error_of("[::1:4242"), "missing ']'");
  CAF_CHECK_EQUAL(error_of("[node]:1"), "not an IPv6 address inside [ ]");
  CAF_CHECK_EQUAL(error_of("[::1]x:1"), "unexpected text after ']'");
  CAF_CHECK_EQUAL(error_of("bad host!:1"), "not a host name or IP address");
  for (auto port : {"0", "65536", "abc", "", "-1", "+1", "99999999999"})
    CAF_CHECK_EQUAL(error_of(std::string{"host:"} + port),
                    "the port must be from 1 to 65535");
  CAF_CHECK(!parse_endpoint(""));
}

CAF_TEST(ports) {
  CAF_CHECK_EQUAL(*parse_port("1"), 1);
  CAF_CHECK_EQUAL(*parse_port("65535"), 65535);
  for (auto bad : {"0", "65536", "", "-1", "+1", "1x", " 1", "100000"}) {
    CAF_MESSAGE("port " << bad);
    CAF_CHECK(!parse_port(bad));
    CAF_CHECK_EQUAL(parse_port(bad).error(), "expected a port from 1 to 65535");
  }
}

CAF_TEST(endpoint lists) {
  auto list = parse_endpoint_list(" a:1 , [::1]:2,10.0.0.3:3 ");
  CAF_REQUIRE(list);
  CAF_REQUIRE_EQUAL(list->size(), 3u);
  CAF_CHECK_EQUAL((*list)[0].host, "a");
  CAF_CHECK_EQUAL((*list)[0].port, 1);
  CAF_CHECK_EQUAL((*list)[1].host, "::1");
  CAF_CHECK_EQUAL((*list)[2].to_string(), "10.0.0.3:3");
  list = parse_endpoint_list("");
  CAF_REQUIRE(list);
  CAF_CHECK(list->empty());
  list = parse_endpoint_list("  ");
  CAF_REQUIRE(list);
  CAF_CHECK(list->empty());
  CAF_CHECK_EQUAL(parse_endpoint_list("a:1,,b:2").error(), "empty entry");
  CAF_CHECK_EQUAL(parse_endpoint_list("a:1,").error(), "empty entry");
  CAF_CHECK_EQUAL(parse_endpoint_list("a:1,b").error(),
                  "entry \"b\": missing port");
}

CAF_TEST(bind addresses) {
  for (auto good : {"0.0.0.0", "127.0.0.1", "::", "::1", "fe80::1",
                    "::ffff:10.0.0.1", "localhost"}) {
    CAF_MESSAGE("bind address " << good);
    CAF_CHECK(is_valid_bind_address(good));
  }
  for (auto bad : {"", "example.com", "256.0.0.1", "1.2.3", "[::1]",
                   "127.0.0.1 ", "::1%eth0", "localhost.", "LOCALHOST"}) {
    CAF_MESSAGE("bind address " << bad);
    CAF_CHECK(!is_valid_bind_address(bad));
  }
}

CAF_TEST(host names) {
  std::string max_label(63, 'a');
  for (auto good : {"a", "node-2", "db.example.com", "jaeger_agent", "x1.y2.z3",
                    max_label.c_str()}) {
    CAF_MESSAGE("host name " << good);
    CAF_CHECK(is_hostname(good));
  }
  std::string long_label(64, 'a');
  for (auto bad : {"", "-a", "a-", "a..b", ".a", "a.", "a b", "1.2.3.4",
                   "999.1.1.1", "a:1", long_label.c_str()}) {
    CAF_MESSAGE("host name " << bad);
    CAF_CHECK(!is_hostname(bad));
  }
  CAF_CHECK(is_valid_host("1.2.3.4"));
  CAF_CHECK(is_valid_host("::1"));
  CAF_CHECK(is_valid_host("jaeger"));
  CAF_CHECK(!is_valid_host("999.1.1.1"));
}

CAF_TEST(http urls of collectors) {
  auto x = parse_http_url("http://jaeger:4318", 4318);
  CAF_REQUIRE(x);
  CAF_CHECK_EQUAL(x->where.host, "jaeger");
  CAF_CHECK_EQUAL(x->where.port, 4318u);
  CAF_CHECK_EQUAL(x->path, "");
  x = parse_http_url("http://[::1]/otlp/", 4318);
  CAF_REQUIRE(x);
  CAF_CHECK_EQUAL(x->where.host, "::1");
  CAF_CHECK_EQUAL(x->where.port, 4318u);
  CAF_CHECK_EQUAL(x->path, "/otlp");
  x = parse_http_url("http://10.0.0.2:9999/a/b", 4318);
  CAF_REQUIRE(x);
  CAF_CHECK_EQUAL(x->where.port, 9999u);
  CAF_CHECK_EQUAL(x->path, "/a/b");
  auto https = parse_http_url("https://collector:4318", 4318);
  CAF_REQUIRE(!https);
  CAF_CHECK_NOT_EQUAL(https.error().find("https:// is not supported"),
                      std::string::npos);
  for (auto bad :
       {"", "jaeger:4318", "http://", "http://a b", "http://h:0",
        "http://h:70000", "http://u@h", "http://h/?q=1", "ftp://h"}) {
    CAF_MESSAGE("http url " << bad);
    CAF_CHECK(!parse_http_url(bad, 4318));
  }
}
