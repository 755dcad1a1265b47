#include "av/partitions.hpp"

#include <cstdio>
#include <ctime>
#include <string_view>

#include <pqxx/pqxx>

namespace av::persistence {

namespace {

constexpr const char* prefix = "agent_positions_";

struct month {
  int year;
  int number;

  month next() const {
    return number == 12 ? month{year + 1, 1} : month{year, number + 1};
  }

  bool operator<=(const month& other) const {
    return year < other.year || (year == other.year && number <= other.number);
  }
};

std::string two(int x) {
  char buf[8];
  std::snprintf(buf, sizeof(buf), "%02d", x);
  return buf;
}

std::string name_of(month m) {
  return prefix + std::to_string(m.year) + "_" + two(m.number);
}

std::string bound_of(month m) {
  return "'" + std::to_string(m.year) + "-" + two(m.number)
         + "-01 00:00:00+00'";
}

/// Parses `agent_positions_YYYY_MM`; false for other names.
bool parse_name(const std::string& name, month& m) {
  std::string_view view{name};
  std::string_view head{prefix};
  if (view.substr(0, head.size()) != head)
    return false;
  std::string rest{view.substr(head.size())};
  int y = 0;
  int mo = 0;
  char tail = 0;
  if (std::sscanf(rest.c_str(), "%4d_%2d%c", &y, &mo, &tail) != 2)
    return false;
  m = {y, mo};
  return mo >= 1 && mo <= 12;
}

} // namespace

civil_day utc_today() {
  auto t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return {tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday};
}

std::string utc_timestamp(int64_t ms) {
  auto secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  // Room for any int fields, which the compiler cannot rule out.
  char buf[96];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02d %02d:%02d:%02d.%03d+00",
                tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
  return buf;
}

civil_day add_days(civil_day d, int days) {
  std::tm tm{};
  tm.tm_year = d.year - 1900;
  tm.tm_mon = d.month - 1;
  tm.tm_mday = d.day + days;
  tm.tm_hour = 12;
  auto t = timegm(&tm);
  gmtime_r(&t, &tm);
  return {tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday};
}

std::vector<std::string> position_partitions(pqxx::connection& conn) {
  pqxx::read_transaction tx{conn};
  std::vector<std::string> result;
  for (const auto& row :
       tx.exec("SELECT c.relname FROM pg_inherits i "
               "JOIN pg_class c ON c.oid = i.inhrelid "
               "WHERE i.inhparent = 'agent_positions'::regclass "
               "ORDER BY c.relname"))
    result.push_back(row[0].as<std::string>());
  return result;
}

std::vector<std::string> ensure_position_partitions(pqxx::connection& conn,
                                                    civil_day today,
                                                    int months_ahead) {
  std::vector<std::string> created;
  month m{today.year, today.month};
  for (int i = 0; i <= months_ahead; ++i, m = m.next()) {
    pqxx::work tx{conn};
    auto name = name_of(m);
    auto exists = tx.exec_params1("SELECT to_regclass($1) IS NOT NULL", name);
    if (exists[0].as<bool>())
      continue;
    // Identifiers and bounds are built from integers only; DDL takes no
    // parameters.
    tx.exec("CREATE TABLE IF NOT EXISTS " + name
            + " PARTITION OF agent_positions FOR VALUES FROM (" + bound_of(m)
            + ") TO (" + bound_of(m.next()) + ")");
    tx.commit();
    created.push_back(name);
  }
  return created;
}

std::vector<std::string>
drop_expired_position_partitions(pqxx::connection& conn, civil_day today,
                                 int retention_days) {
  auto cutoff = add_days(today, -retention_days);
  month limit{cutoff.year, cutoff.month};
  std::vector<std::string> dropped;
  for (const auto& name : position_partitions(conn)) {
    month m{};
    if (!parse_name(name, m))
      continue;
    // The month ends where the next begins; it is expired once that is
    // on or before the cutoff day.
    if (!(m.next() <= limit))
      continue;
    pqxx::work tx{conn};
    tx.exec("DROP TABLE IF EXISTS " + name);
    tx.commit();
    dropped.push_back(name);
  }
  return dropped;
}

} // namespace av::persistence
