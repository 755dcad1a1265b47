#pragma once

#include <cstdint>
#include <string>

#include <caf/atom.hpp>
#include <caf/error.hpp>

namespace av {

/// The project's error codes. Append only: values are part of the wire format
/// and of the API's error bodies.
enum class ec : uint8_t {
  /// Not an error.
  none = 0,
  /// A request named a field with a value that is not allowed.
  invalid_argument,
  /// No agent or coordination has that id, number or name.
  not_found,
  /// The requested state change is not allowed from the current state.
  invalid_transition,
  /// The node holds as many agents as MAX_AGENTS allows.
  agent_limit_reached,
  /// As many spawns are in flight as MAX_CONCURRENT_SPAWNS allows.
  too_many_spawns,
  /// The agent's task queue is full.
  queue_full,
  /// An id or name is already taken.
  conflict,
  /// The agent has ended (TERMINATED).
  terminated,
  /// An actor threw while handling a message.
  crashed,
  /// A participant or peer could not be reached.
  unreachable,
  /// A deadline passed.
  timeout,
  /// The coordination is already over.
  finished,
  /// A store holds as much as its size cap allows (MEMORY_MAX_BYTES).
  store_full,
  /// The agent or coordination lives on a node of the cluster that is cut
  /// off from this one.
  node_unreachable,
};

const char* to_string(ec x);

/// Category atom of `ec` errors.
constexpr caf::atom_value error_category = caf::atom("av");

/// Makes an error with a human-readable context line.
caf::error make_error(ec code, std::string context = {});

/// Makes an error about the request field `field`: the context line is
/// `field: what`, and the field travels with it (`field_of`), so that the
/// API names it without reading it back from the text.
caf::error make_error(ec code, std::string field, const std::string& what);

/// The request field an error is about; empty when none.
std::string field_of(const caf::error& err);

/// The context line of an error; empty when it has none.
std::string context_of(const caf::error& err);

/// Returns the `ec` of `err`, or `ec::none` when it is no `av` error.
ec code_of(const caf::error& err);

/// Renders any error as "code: context" without needing an actor system.
std::string describe(const caf::error& err);

} // namespace av
