#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

/// How the shell prints for people: tables and `key: value` lines.
namespace av::shell {

using table_rows = std::vector<std::vector<std::string>>;

/// A header and rows, each column as wide as its widest cell.
void print_table(std::ostream& out, const std::vector<std::string>& header,
                 const table_rows& rows);

/// An object's fields, one `key: value` per line; nested values as compact
/// JSON.
void print_fields(std::ostream& out, const nlohmann::json& x);

/// A value in a cell: strings without quotes, null as `-`.
std::string cell(const nlohmann::json& x);

/// A duration for people: `3d 4h`, `5m 12s`, `800 ms`.
std::string human_duration(int64_t ms);

/// One event of the stream on one line: time, type, node and its fields.
std::string event_line(const nlohmann::json& ev);

} // namespace av::shell
