#pragma once

#include <cstdlib>
#include <memory>
#include <optional>
#include <random>
#include <string>

#include <pqxx/pqxx>

#include "av/base/connection_url.hpp"
#include "av/conninfo.hpp"

namespace av::test {

/// The server of DATABASE_URL (started by scripts/test), or nothing.
inline std::optional<av::connection_url> test_postgres() {
  auto text = std::getenv("DATABASE_URL");
  if (!text || !*text)
    return std::nullopt;
  auto url = av::parse_postgres_url(text);
  if (!url)
    return std::nullopt;
  return *url;
}

/// A database of its own for one test, created empty on the DATABASE_URL
/// server and dropped at the end.
class scratch_database {
public:
  explicit scratch_database(av::connection_url server)
    : server_(std::move(server)) {
    std::random_device rd;
    name_ = "av_test_" + std::to_string(rd()) + std::to_string(rd() % 1000);
    admin("CREATE DATABASE " + name_);
  }

  ~scratch_database() {
    try {
      admin("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
    } catch (const std::exception&) {
      // The server may be down at the end of a failed outage test.
    }
  }

  const std::string& name() const { return name_; }

  /// Connection string of the scratch database.
  std::string conninfo() const {
    return persistence::to_conninfo(server_, name_);
  }

  /// The same as a postgresql:// URL, for code that takes DATABASE_URL.
  std::string url() const {
    std::string result = "postgresql://";
    if (!server_.user.empty())
      result += server_.user + "@";
    return result + server_.host + ":" + std::to_string(server_.port) + "/"
           + name_;
  }

  std::unique_ptr<pqxx::connection> connect() const {
    return std::make_unique<pqxx::connection>(conninfo());
  }

  /// Runs one statement and returns the first field of the first row as
  /// text ("" when there is none).
  std::string scalar(const std::string& sql) const {
    auto conn = connect();
    pqxx::nontransaction tx{*conn};
    auto rows = tx.exec(sql);
    if (rows.empty() || rows[0].empty() || rows[0][0].is_null())
      return {};
    return rows[0][0].as<std::string>();
  }

private:
  void admin(const std::string& sql) {
    pqxx::connection conn{persistence::to_conninfo(server_, "postgres")};
    pqxx::nontransaction tx{conn};
    tx.exec(sql);
  }

  av::connection_url server_;
  std::string name_;
};

} // namespace av::test

/// Ends the test with a message when no PostgreSQL server is configured.
#define AV_REQUIRE_POSTGRES(url_var)                                           \
  auto url_var = ::av::test::test_postgres();                                  \
  if (!url_var) {                                                              \
    CAF_MESSAGE("skipped: DATABASE_URL is not set (scripts/test sets it)");    \
    return;                                                                    \
  }
