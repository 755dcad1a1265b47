#define CAF_SUITE base.connection_url
#include "caf/test/unit_test.hpp"
#include "caf_checks.hpp"

#include <string>

#include "av/base/connection_url.hpp"

using namespace av;

namespace {

constexpr std::string_view postgres_hint
  = "expected a postgresql:// URL "
    "(postgresql://user:password@host:5432/dbname)";

bool contains(const std::string& x, std::string_view y) {
  return x.find(y) != std::string::npos;
}

} // namespace

CAF_TEST(full postgres url) {
  auto url = parse_postgres_url(
    "postgresql://av:s3cr%40t@db.example.com:5433/agents?sslmode=require");
  CAF_REQUIRE(url);
  CAF_CHECK_EQUAL(url->scheme, "postgresql");
  CAF_CHECK_EQUAL(url->user, "av");
  CAF_CHECK_EQUAL(url->password, "s3cr@t");
  CAF_CHECK_EQUAL(url->host, "db.example.com");
  CAF_CHECK_EQUAL(url->port, 5433);
  CAF_CHECK_EQUAL(url->database, "agents");
  CAF_REQUIRE_EQUAL(url->params.size(), 1u);
  CAF_CHECK_EQUAL(url->params[0].first, "sslmode");
  CAF_CHECK_EQUAL(url->params[0].second, "require");
  CAF_CHECK_EQUAL(url->redacted(),
                  "postgresql://av:***@db.example.com:5433/agents"
                  "?sslmode=require");
}

CAF_TEST(postgres defaults) {
  auto url = parse_postgres_url("postgres://localhost");
  CAF_REQUIRE(url);
  CAF_CHECK_EQUAL(url->scheme, "postgres");
  CAF_CHECK_EQUAL(url->host, "localhost");
  CAF_CHECK_EQUAL(url->port, 5432);
  CAF_CHECK_EQUAL(url->user, "");
  CAF_CHECK_EQUAL(url->password, "");
  CAF_CHECK_EQUAL(url->database, "");
  CAF_CHECK(url->params.empty());
  CAF_CHECK_EQUAL(url->redacted(), "postgres://localhost:5432");
}

CAF_TEST(postgres ipv6 and user without password) {
  auto url = parse_postgres_url("postgresql://av@[::1]:6000/db");
  CAF_REQUIRE(url);
  CAF_CHECK_EQUAL(url->user, "av");
  CAF_CHECK_EQUAL(url->password, "");
  CAF_CHECK_EQUAL(url->host, "::1");
  CAF_CHECK_EQUAL(url->port, 6000);
  CAF_CHECK_EQUAL(url->redacted(), "postgresql://av@[::1]:6000/db");
}

CAF_TEST(postgres unix sockets) {
  auto url = parse_postgres_url("postgresql:///av?host=/run/postgresql");
  CAF_REQUIRE(url);
  CAF_CHECK_EQUAL(url->host, "");
  CAF_CHECK_EQUAL(url->port, 5432);
  CAF_CHECK_EQUAL(url->database, "av");
  CAF_REQUIRE_EQUAL(url->params.size(), 1u);
  CAF_CHECK_EQUAL(url->params[0].first, "host");
  CAF_CHECK_EQUAL(url->params[0].second, "/run/postgresql");
  url = parse_postgres_url("postgresql://%2Frun%2Fpostgresql/av");
  CAF_REQUIRE(url);
  CAF_CHECK_EQUAL(url->host, "/run/postgresql");
  CAF_CHECK_EQUAL(url->database, "av");
  CAF_CHECK_EQUAL(url->redacted(), "postgresql://%2Frun%2Fpostgresql:5432/av");
}

// Found by connection_url_fuzzer: the redacted form bracketed a socket
// directory holding a ':' as if it were IPv6, and did not parse again.
CAF_TEST(a socket directory with a colon is redacted as a directory) {
  auto url = parse_postgres_url("postgresql://u:pw@%2Frun%2Fa%3Ab:5433/av");
  CAF_REQUIRE(url);
  CAF_CHECK_EQUAL(url->host, "/run/a:b");
  CAF_CHECK_EQUAL(url->redacted(), "postgresql://u:***@%2Frun%2Fa%3Ab:5433/av");
  auto again = parse_postgres_url(url->redacted());
  CAF_REQUIRE(again);
  CAF_CHECK_EQUAL(again->host, "/run/a:b");
  CAF_CHECK_EQUAL(again->port, 5433);
}

// Found by connection_url_fuzzer: `rediS://` lost its database index.
CAF_TEST(the redacted form of a redis url parses to the same place) {
  auto url = parse_redis_url("rediS://:pass@cache.example:6380/2");
  CAF_REQUIRE(url);
  CAF_CHECK_EQUAL(url->db_index, 2);
  CAF_CHECK_EQUAL(url->redacted(), "rediS://:***@cache.example:6380/2");
  // Found by the fuzzer too: a user without a password lost the ':' that
  // Redis credentials need.
  url = parse_redis_url("redis://c:@cache.example/2");
  CAF_REQUIRE(url);
  CAF_CHECK_EQUAL(url->redacted(), "redis://c:@cache.example:6379/2");
  CAF_CHECK(parse_redis_url(url->redacted()));
}

CAF_TEST(postgres passwords in parameters are redacted) {
  auto url
    = parse_postgres_url("postgresql://h/db?password=hunter2&sslmode=disable");
  CAF_REQUIRE(url);
  CAF_CHECK_EQUAL(url->redacted(),
                  "postgresql://h:5432/db?password=***&sslmode=disable");
}

CAF_TEST(bad postgres urls) {
  CAF_CHECK_EQUAL(parse_postgres_url("nonsense").error(), postgres_hint);
  CAF_CHECK_EQUAL(parse_postgres_url("mysql://h/db").error(), postgres_hint);
  CAF_CHECK_EQUAL(parse_postgres_url("").error(), postgres_hint);
  auto detail_of = [](std::string_view x) {
    auto msg = parse_postgres_url(x).error();
    return msg.substr(0, msg.find(';'));
  };
  CAF_CHECK_EQUAL(detail_of("postgresql://"), "missing host");
  CAF_CHECK_EQUAL(detail_of("postgresql:///db"), "missing host");
  CAF_CHECK_EQUAL(detail_of("postgresql://h:0/db"),
                  "the port must be from 1 to 65535");
  CAF_CHECK_EQUAL(detail_of("postgresql://h:abc/db"),
                  "the port must be from 1 to 65535");
  CAF_CHECK_EQUAL(detail_of("postgresql://u:%zz@h/db"),
                  "bad %-escape in the user or password");
  CAF_CHECK_EQUAL(detail_of("postgresql://h1,h2/db"),
                  "several hosts are not supported");
  CAF_CHECK_EQUAL(detail_of("postgresql://h/db#x"),
                  "a URL fragment (#) is not allowed");
  CAF_CHECK_EQUAL(detail_of("postgresql://h/db?=x"), "bad query parameter");
  CAF_CHECK_EQUAL(detail_of("postgresql://bad host/db"),
                  "not a host name or IP address");
  CAF_CHECK(
    contains(parse_postgres_url("postgresql://h:0").error(), postgres_hint));
}

CAF_TEST(errors never quote the password) {
  for (auto bad : {"postgresql://u:hunter2@h:0/db",
                   "postgresql://u:hunter2@/db", "postgresql://u:hunter2@h/#"})
    CAF_CHECK(!contains(parse_postgres_url(bad).error(), "hunter2"));
  for (auto bad :
       {"redis://:hunter2@h:0", "rediss://:hunter2@h", "redis://hunter2@h"})
    CAF_CHECK(!contains(parse_redis_url(bad).error(), "hunter2"));
}

CAF_TEST(redis urls) {
  auto url = parse_redis_url("redis://localhost");
  CAF_REQUIRE(url);
  CAF_CHECK_EQUAL(url->host, "localhost");
  CAF_CHECK_EQUAL(url->port, 6379);
  CAF_CHECK_EQUAL(url->db_index, 0);
  CAF_CHECK_EQUAL(url->redacted(), "redis://localhost:6379/0");
  url = parse_redis_url("redis://:p%3Ass@cache:6380/2");
  CAF_REQUIRE(url);
  CAF_CHECK_EQUAL(url->user, "");
  CAF_CHECK_EQUAL(url->password, "p:ss");
  CAF_CHECK_EQUAL(url->host, "cache");
  CAF_CHECK_EQUAL(url->port, 6380);
  CAF_CHECK_EQUAL(url->db_index, 2);
  CAF_CHECK_EQUAL(url->redacted(), "redis://:***@cache:6380/2");
  url = parse_redis_url("redis://viz:pw@[::1]/15");
  CAF_REQUIRE(url);
  CAF_CHECK_EQUAL(url->user, "viz");
  CAF_CHECK_EQUAL(url->password, "pw");
  CAF_CHECK_EQUAL(url->host, "::1");
  CAF_CHECK_EQUAL(url->db_index, 15);
  CAF_CHECK_EQUAL(url->redacted(), "redis://viz:***@[::1]:6379/15");
  url = parse_redis_url("redis://h/");
  CAF_REQUIRE(url);
  CAF_CHECK_EQUAL(url->db_index, 0);
}

CAF_TEST(bad redis urls) {
  auto tls = parse_redis_url("rediss://:pw@cache:6380");
  CAF_REQUIRE(!tls);
  CAF_CHECK(contains(tls.error(), "TLS"));
  CAF_CHECK(contains(tls.error(), "hiredis 0.14"));
  CAF_CHECK(contains(tls.error(), "stunnel"));
  CAF_CHECK(contains(tls.error(), "TLS proxy"));
  auto detail_of = [](std::string_view x) {
    auto msg = parse_redis_url(x).error();
    return msg.substr(0, msg.find(';'));
  };
  CAF_CHECK_EQUAL(detail_of("http://h"),
                  "expected a redis:// URL (redis://:password@host:6379/0)");
  CAF_CHECK_EQUAL(detail_of("redis://"), "missing host");
  CAF_CHECK_EQUAL(detail_of("redis://:6379"), "missing host");
  CAF_CHECK_EQUAL(detail_of("redis://h/abc"),
                  "the database must be a number such as /0");
  CAF_CHECK_EQUAL(detail_of("redis://h/-1"),
                  "the database must be a number such as /0");
  CAF_CHECK_EQUAL(detail_of("redis://h/9999999999"),
                  "the database must be a number such as /0");
  CAF_CHECK_EQUAL(detail_of("redis://pw@h"),
                  "the credentials must be [user]:password@");
  CAF_CHECK_EQUAL(detail_of("redis://h:65536"),
                  "the port must be from 1 to 65535");
  CAF_CHECK_EQUAL(detail_of("redis://%2Ftmp%2Fredis.sock"),
                  "not a host name or IP address");
}

CAF_TEST(redacting text that may not parse) {
  CAF_CHECK_EQUAL(redact_url("postgresql://u:p@h/db"),
                  "postgresql://u:***@h/db");
  CAF_CHECK_EQUAL(redact_url("postgresql://u@h/db"), "postgresql://u@h/db");
  CAF_CHECK_EQUAL(redact_url("postgresql://u:pa/ss@h/db"),
                  "postgresql://u:***@h/db");
  CAF_CHECK_EQUAL(redact_url("postgresql://u:p@ss@h/db"),
                  "postgresql://u:***@h/db");
  CAF_CHECK_EQUAL(redact_url("u:p@h"), "u:***@h");
  CAF_CHECK_EQUAL(redact_url("redis://secret@h"), "redis://***@h");
  CAF_CHECK_EQUAL(redact_url("REDIS://secret@h"), "REDIS://***@h");
  CAF_CHECK_EQUAL(redact_url("nonsense"), "nonsense");
  CAF_CHECK_EQUAL(redact_url(""), "");
  CAF_CHECK_EQUAL(redact_url("x://h/?sslpassword=abc&a=b&Password=c"),
                  "x://h/?sslpassword=***&a=b&Password=***");
}
