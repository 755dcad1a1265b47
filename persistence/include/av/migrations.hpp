#pragma once

#include <pqxx/connection>

#include <cstdint>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

/// Numbered SQL migrations (migrations/NNN_name.sql, compiled into the
/// binary), applied in order, each in its own transaction, and recorded in
/// `schema_migrations` with a SHA-256 checksum.
namespace av::persistence {

/// One migration as the binary knows it.
struct migration {
  int version = 0;
  /// File name, e.g. `001_schema.sql`.
  std::string name;
  std::string sql;
  /// Lower-case hex SHA-256 of `sql`.
  std::string checksum;
};

/// One row of `schema_migrations`.
struct applied_migration {
  int version = 0;
  std::string name;
  std::string checksum;
  std::string applied_at;
};

/// The database against the binary's migrations.
struct migration_status {
  std::vector<applied_migration> applied;
  std::vector<migration> pending;
};

/// Why the database cannot be migrated or served: a tampered checksum, a
/// database newer than the binary, or a database that is not migrated.
class migration_error : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// The migrations compiled into the binary, by version. Throws
/// migration_error when a file name does not start with a number or two
/// files share one.
const std::vector<migration>& bundled_migrations();

/// Builds migrations from (file name, SQL) pairs, sorted by version.
std::vector<migration>
make_migrations(const std::vector<std::pair<std::string, std::string>>& files);

/// Lower-case hex SHA-256 of `text`.
std::string sha256_hex(const std::string& text);

/// Compares the database with `known`. Throws migration_error when an
/// applied migration's checksum differs from the binary's, or when the
/// database has a migration the binary does not know (it is newer).
migration_status check_migrations(pqxx::connection& conn,
                                  const std::vector<migration>& known);

/// Applies every pending migration in order, each in its own transaction
/// under an advisory lock (so two servers starting together do not race),
/// after the same checks as `check_migrations`. Returns what it applied.
std::vector<migration> apply_migrations(pqxx::connection& conn,
                                        const std::vector<migration>& known);

/// `agent-server migrate [--status]`: applies (or lists) migrations on
/// `database_url` and reports to `out`. Returns the exit code; problems go
/// to `err` as one line.
int migrate_command(const std::string& database_url, bool status_only,
                    std::ostream& out, std::ostream& err);

/// What `serve` does before it starts: refuses a database with pending
/// migrations (saying to run `agent-server migrate`) unless `auto_migrate`,
/// in which case it applies them; then creates the position partitions of
/// this month and the next two. Throws migration_error or a pqxx error.
void prepare_database(const std::string& database_url, bool auto_migrate);

} // namespace av::persistence
