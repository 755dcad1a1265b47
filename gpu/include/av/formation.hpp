#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "av/vec3f.hpp"

/// Shapes the operator can arrange agents in, as layout targets.
namespace av::layout {

/// Kinds of formation.
enum class formation_kind { circle, grid, sphere, helix, custom };

/// Returns "circle", "grid", "sphere", "helix" or "custom".
std::string_view to_string(formation_kind k) noexcept;

/// Parses the names returned by `to_string`; nothing for any other name.
std::optional<formation_kind> parse_formation_kind(std::string_view name);

/// A formation around `center` with neighbours `spacing` apart.
struct formation {
  formation_kind kind = formation_kind::circle;
  vec3f center;
  float spacing = 10.0f;
  /// Helix only: rise per full turn, in units of `spacing`.
  float helix_pitch = 4.0f;
  /// Helix only: agents per full turn.
  unsigned helix_per_turn = 12;
  /// Custom only: one position per agent, relative to `center`.
  std::vector<vec3f> custom;
};

/// Says why `f` cannot place `count` agents, as "field: reason" naming a
/// field of `formation`; nothing when it can. The one check of a formation.
std::optional<std::string> formation_error(const formation& f,
                                           std::size_t count);

/// Computes the target of each of `count` agents in formation `f`, which
/// must pass `formation_error` (otherwise the points are meaningless).
///
/// Circle: a ring in the xy plane whose chord between neighbours is
/// `spacing`. Grid: a square lattice in the xy plane, row-major, centred.
/// Sphere: a Fibonacci lattice whose mean nearest-neighbour distance is about
/// `spacing` (one agent sits at the centre; two sit `spacing` apart).
/// Helix: along z, `helix_per_turn` agents per turn. Custom: `center +
/// custom[i]`. Zero agents yield an empty vector.
std::vector<vec3f> formation_positions(const formation& f, std::size_t count);

} // namespace av::layout
