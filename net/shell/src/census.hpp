#pragma once

#include <string>

#include <caf/typed_actor.hpp>

#include "av/actors.hpp"
#include "av/shell/console.hpp"

namespace av::shell {

/// A one-shot actor that answers one question about the node's actors and
/// ends: the console delegates to it, so the console never waits on a
/// thousand status answers.
using census_actor = caf::typed_actor<
  // Every actor of the node, as the console's `actors_atom` answers.
  caf::replies_to<actors_atom>::with<std::string>,
  // One actor's status, as the console's `inspect_atom` answers.
  caf::replies_to<inspect_atom, std::string, bool>::with<std::string>>;

/// Reads the node's registry (its agents and coordinations), its other
/// actors and its WebSocket sessions from `env`.
census_actor spawn_census(caf::actor_system& sys, gate_env env);

} // namespace av::shell
