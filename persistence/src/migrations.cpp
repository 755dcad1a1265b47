#include "av/migrations.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <map>
#include <string_view>

#include <openssl/evp.h>
#include <pqxx/pqxx>

#include "av/base/connection_url.hpp"
#include "av/base/log.hpp"
#include "av/partitions.hpp"

namespace av::persistence {

namespace detail {
const std::vector<std::pair<std::string_view, std::string_view>>&
embedded_sql();
} // namespace detail

namespace {

/// Key of the advisory lock held while migrating ("av-migr" in ASCII).
constexpr int64_t migration_lock = 0x61762d6d696772;

constexpr std::string_view create_table = R"(
CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    checksum TEXT NOT NULL,
    applied_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP
))";

int version_of(const std::string& name) {
  size_t digits = 0;
  while (digits < name.size()
         && std::isdigit(static_cast<unsigned char>(name[digits])))
    ++digits;
  if (digits == 0 || digits > 9 || digits == name.size() || name[digits] != '_')
    throw migration_error("migration file " + name
                          + " does not start with a number and '_'");
  return std::stoi(name.substr(0, digits));
}

std::vector<applied_migration> read_applied(pqxx::transaction_base& tx) {
  std::vector<applied_migration> result;
  auto exists = tx.exec1("SELECT to_regclass('schema_migrations') IS NOT NULL");
  if (!exists[0].as<bool>())
    return result;
  for (const auto& row :
       tx.exec("SELECT version, name, checksum, applied_at::text FROM "
               "schema_migrations ORDER BY version"))
    result.push_back({row[0].as<int>(), row[1].as<std::string>(),
                      row[2].as<std::string>(), row[3].as<std::string>()});
  return result;
}

migration_status compare(const std::vector<applied_migration>& applied,
                         const std::vector<migration>& known) {
  std::map<int, const migration*> by_version;
  for (const auto& m : known)
    by_version[m.version] = &m;
  migration_status result;
  result.applied = applied;
  for (const auto& row : applied) {
    auto i = by_version.find(row.version);
    if (i == by_version.end())
      throw migration_error(
        "the database has migration " + std::to_string(row.version) + " ("
        + row.name + ") that this binary does not know: the database is "
        + "newer than the binary; run a newer agent-server");
    if (i->second->checksum != row.checksum)
      throw migration_error(
        "migration " + row.name
        + " was changed after it was applied: " + "checksum in the database "
        + row.checksum + ", in the binary " + i->second->checksum
        + "; restore the original file and add a new " + "migration instead");
    by_version.erase(i);
  }
  for (const auto& [version, m] : by_version)
    result.pending.push_back(*m);
  return result;
}

} // namespace

std::string sha256_hex(const std::string& text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(text.data(), text.size(), digest, &size, EVP_sha256(), nullptr);
  std::string result;
  char buf[3];
  for (unsigned i = 0; i < size; ++i) {
    std::snprintf(buf, sizeof(buf), "%02x", digest[i]);
    result += buf;
  }
  return result;
}

std::vector<migration>
make_migrations(const std::vector<std::pair<std::string, std::string>>& files) {
  std::vector<migration> result;
  for (const auto& [name, sql] : files)
    result.push_back({version_of(name), name, sql, sha256_hex(sql)});
  std::sort(result.begin(), result.end(),
            [](const auto& x, const auto& y) { return x.version < y.version; });
  for (size_t i = 1; i < result.size(); ++i)
    if (result[i].version == result[i - 1].version)
      throw migration_error("migrations " + result[i - 1].name + " and "
                            + result[i].name + " share a version number");
  return result;
}

const std::vector<migration>& bundled_migrations() {
  static const std::vector<migration> result = [] {
    std::vector<std::pair<std::string, std::string>> files;
    for (const auto& [name, sql] : detail::embedded_sql())
      files.emplace_back(std::string{name}, std::string{sql});
    return make_migrations(files);
  }();
  return result;
}

migration_status check_migrations(pqxx::connection& conn,
                                  const std::vector<migration>& known) {
  pqxx::read_transaction tx{conn};
  return compare(read_applied(tx), known);
}

std::vector<migration> apply_migrations(pqxx::connection& conn,
                                        const std::vector<migration>& known) {
  {
    pqxx::work tx{conn};
    tx.exec_params("SELECT pg_advisory_xact_lock($1)", migration_lock);
    tx.exec(std::string{create_table});
    tx.commit();
  }
  std::vector<migration> done;
  for (;;) {
    pqxx::work tx{conn};
    // Held until commit: a second server waits here, then finds the
    // migration applied.
    tx.exec_params("SELECT pg_advisory_xact_lock($1)", migration_lock);
    auto status = compare(read_applied(tx), known);
    if (status.pending.empty())
      return done;
    const auto& next = status.pending.front();
    try {
      tx.exec(next.sql);
    } catch (const pqxx::sql_error& e) {
      throw migration_error("migration " + next.name + " failed: " + e.what());
    }
    tx.exec_params("INSERT INTO schema_migrations (version, name, checksum) "
                   "VALUES ($1, $2, $3)",
                   next.version, next.name, next.checksum);
    tx.commit();
    log::info("migration applied", {{"migration", next.name}});
    done.push_back(next);
  }
}

int migrate_command(const std::string& database_url, bool status_only,
                    std::ostream& out, std::ostream& err) {
  if (database_url.empty()) {
    err << "agent-server: migrate needs DATABASE_URL (or --database-url)\n";
    return 2;
  }
  try {
    pqxx::connection conn{database_url};
    const auto& known = bundled_migrations();
    if (status_only) {
      auto status = check_migrations(conn, known);
      for (const auto& m : status.applied)
        out << "applied  " << m.name << "  " << m.applied_at << '\n';
      for (const auto& m : status.pending)
        out << "pending  " << m.name << '\n';
      out << status.applied.size() << " applied, " << status.pending.size()
          << " pending\n";
      return 0;
    }
    auto done = apply_migrations(conn, known);
    for (const auto& m : done)
      out << "applied  " << m.name << '\n';
    out << (done.empty() ? "the database is up to date" : "migrated") << " ("
        << known.size() << " migrations)\n";
    return 0;
  } catch (const migration_error& e) {
    err << "agent-server: " << e.what() << '\n';
  } catch (const pqxx::broken_connection& e) {
    err << "agent-server: cannot connect to " << redact_url(database_url)
        << ": " << e.what() << '\n';
  } catch (const std::exception& e) {
    err << "agent-server: migrate failed: " << e.what() << '\n';
  }
  return 1;
}

void prepare_database(const std::string& database_url, bool auto_migrate) {
  pqxx::connection conn{database_url};
  const auto& known = bundled_migrations();
  auto status = check_migrations(conn, known);
  if (!status.pending.empty() && !auto_migrate) {
    std::string names;
    for (const auto& m : status.pending)
      names += (names.empty() ? "" : ", ") + m.name;
    throw migration_error("the database is not migrated ("
                          + std::to_string(status.pending.size())
                          + " pending: " + names
                          + "): run `agent-server migrate` first, or set "
                            "AUTO_MIGRATE=true");
  }
  if (!status.pending.empty())
    apply_migrations(conn, known);
  for (const auto& name : ensure_position_partitions(conn, utc_today()))
    log::info("partition created", {{"partition", name}});
}

} // namespace av::persistence
