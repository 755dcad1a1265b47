#pragma once

#include <limits>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "av/base/parsed.hpp"
#include "av/types.hpp"

/// The JSON form of positions and formations (docs/api.md, "Layout").
namespace av {

/// `{"x", "y", "z"}`.
void to_json(nlohmann::json& out, const vec3f& x);
/// `{"numId", "position", "velocity"}`.
void to_json(nlohmann::json& out, const agent_position& x);
/// `{"id", "pattern", "agents", "targets"}`.
void to_json(nlohmann::json& out, const formation_info& x);

/// A body of `PUT /api/agents/{id}/position`.
struct position_request {
  vec3f pos;
  bool has_velocity = false;
  vec3f vel;
};

/// `{"position": {x, y, z}, "velocity"?: {x, y, z}}`.
parsed<position_request> position_request_from_json(const nlohmann::json& x);

/// A body of `POST /api/formations`. Agents given by number are in
/// `spec.agents` already; those given by UUID or name sit there as 0 and
/// are listed in `lookups` with their index, for the registry to resolve.
struct formation_request {
  formation_spec spec;
  std::vector<std::pair<size_t, std::string>> lookups;
};

/// `{"pattern", "agents": [numId | UUID | name, …], "centerPoint"?,
/// "spacing"?, "customPattern"?: {"positions": [{x, y, z}, …]}, "id"?}`.
parsed<formation_request> formation_request_from_json(const nlohmann::json& x);

/// The layout's forces, as `GET` and `PUT /api/physics` answer them.
struct physics_tuning {
  double repulsion = 0;
  double spring_k = 0;
  double damping = 0;
};

/// A body of `PUT /api/physics`, `{"repulsion"?, "springK"?, "damping"?}`:
/// finite numbers from 0 to `max_physics_value`; one left out or null keeps
/// its value.
parsed<layout_tuning> physics_tuning_from_json(const nlohmann::json& x);

/// `{"repulsion", "springK", "damping"}`.
void to_json(nlohmann::json& out, const physics_tuning& x);

/// Largest value `PUT /api/physics` accepts for any of its fields.
constexpr double max_physics_value = 1e7;

} // namespace av
