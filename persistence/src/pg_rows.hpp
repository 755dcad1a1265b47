#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include <pqxx/pqxx>

#include "av/types.hpp"

/// The rows the PostgreSQL writer writes, made from bus events, and the
/// statements that write them.
namespace av::persistence::detail {

struct agent_row {
  std::string id;
  num_id num = 0;
  std::string name;
  std::string type;
  std::string state;
  std::string origin;
  std::string metadata;
  int64_t created_ms = 0;
};

struct agent_state_row {
  std::string id;
  std::string state;
  bool terminated = false;
  int64_t time_ms = 0;
};

struct metrics_row {
  std::string agent_id;
  metrics_sample sample;
};

struct message_row {
  /// Made when the event arrives, so that a retried insert is recognised.
  std::string id;
  std::string from;
  std::string to;
  std::string type;
  std::string prio;
  bool success = true;
  int64_t sent_ms = 0;
  int64_t latency_ms = 0;
  /// Stored as {"text": content}.
  std::string content;
};

struct coordination_row {
  coordination_info info;
  /// Participants whose agents are known: (agent UUID, participant).
  std::vector<std::pair<std::string, participant>> members;
};

using pg_op = std::variant<agent_row, agent_state_row, metrics_row, message_row,
                           coordination_row>;

/// A write and the sequence number of the event it came from.
struct queued_op {
  uint64_t seq = 0;
  pg_op op;
};

struct position_row {
  std::string agent_id;
  vec3f pos;
  vec3f vel;
  int64_t time_ms = 0;
};

/// Numeric id to UUID of every agent seen.
using uuid_map = std::unordered_map<num_id, std::string>;

/// Appends the writes for `e` to `out`; events that need no write (tasks)
/// and those naming unknown agents add nothing.
void translate(const event& e, uuid_map& ids, std::deque<queued_op>& out);

/// Prepares the writer's statements on a fresh connection.
void prepare_statements(pqxx::connection& conn);

/// Runs one write; agents and coordinations are written as `node`'s.
void apply_op(pqxx::work& tx, const pg_op& op, const std::string& node);

/// Writes `count` rows from the front of `rows` with COPY.
void copy_positions(pqxx::work& tx, const std::deque<position_row>& rows,
                    size_t count);

/// Name of an op's kind, for logs and metrics.
const char* kind_of(const pg_op& op);

} // namespace av::persistence::detail
