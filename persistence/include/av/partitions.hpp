#pragma once

#include <pqxx/connection>

#include <cstdint>
#include <string>
#include <vector>

/// Monthly partitions of `agent_positions`, named `agent_positions_YYYY_MM`
/// and bounded by UTC month starts.
namespace av::persistence {

/// A calendar day in UTC.
struct civil_day {
  int year = 1970;
  /// 1 to 12.
  int month = 1;
  /// 1 to 31.
  int day = 1;
};

/// Today in UTC.
civil_day utc_today();

/// "YYYY-MM-DD HH:MM:SS.mmm+00" (UTC) for milliseconds since the epoch.
std::string utc_timestamp(int64_t ms);

/// `days` before or after `d` (negative for before).
civil_day add_days(civil_day d, int days);

/// Creates the partitions of the month of `today` and of the `months_ahead`
/// months after it that do not exist yet; returns the names it created.
std::vector<std::string> ensure_position_partitions(pqxx::connection& conn,
                                                    civil_day today,
                                                    int months_ahead = 2);

/// Drops the partitions whose whole month ended more than `retention_days`
/// before `today`; returns the names it dropped.
std::vector<std::string>
drop_expired_position_partitions(pqxx::connection& conn, civil_day today,
                                 int retention_days);

/// Names of the existing partitions, sorted.
std::vector<std::string> position_partitions(pqxx::connection& conn);

} // namespace av::persistence
