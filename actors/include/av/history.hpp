#pragma once

#include <cstdint>
#include <string>

#include <caf/atom.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

/// Queries over the history kept in PostgreSQL, for the REST API. Declared
/// apart from actors.hpp: only the API and the store implement or use it.
namespace av {

namespace atom {

using history = caf::atom_constant<caf::atom("history")>;

} // namespace atom

/// What a history query asks for; times are milliseconds since the epoch,
/// the range is [from_ms, to_ms).
struct history_query {
  /// "positions", "metrics", "messages" or "coordinations".
  std::string kind;
  /// UUID of the agent (positions, metrics; messages: one side, optional).
  std::string agent;
  /// Messages: UUID of the other side, optional.
  std::string peer;
  /// Coordinations: only those of this status; empty for all.
  std::string status;
  int64_t from_ms = 0;
  int64_t to_ms = 0;
  /// Rows at most, newest first before they are put in time order.
  uint32_t limit = 1000;
  /// Positions: points to downsample the range to.
  uint32_t points = 500;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, history_query& x) {
  return f(caf::meta::type_name("history_query"), x.kind, x.agent, x.peer,
           x.status, x.from_ms, x.to_ms, x.limit, x.points);
}

/// The HISTORY actor interface: answers a query with a JSON document (as
/// text). The node registers it in the actor system's registry under
/// `history_actor_name` when DATABASE_URL is set.
using history_actor = caf::typed_actor<
  caf::replies_to<atom::history, history_query>::with<std::string>>;

constexpr caf::atom_value history_actor_name = caf::atom("history");

} // namespace av
