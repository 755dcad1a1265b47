#include "av/api/json_layout.hpp"
#include "av/base/json_fields.hpp"

#include <cmath>
#include <limits>

namespace av {

namespace {

using json = nlohmann::json;

/// Coordinates beyond this are refused: the layout works in a space of a
/// few thousand units, and huge values only overflow it.
constexpr double max_coordinate = 1e6;

/// Most agents one formation moves.
constexpr size_t max_formation_agents = 10000;

/// Reads `{x, y, z}`, each a finite number within the bounds.
bool get_vec(const json& x, vec3f& out) {
  if (!x.is_object())
    return false;
  float* dst[] = {&out.x, &out.y, &out.z};
  const char* names[] = {"x", "y", "z"};
  for (size_t i = 0; i < 3; ++i) {
    auto j = x.find(names[i]);
    if (j == x.end() || !j->is_number())
      return false;
    auto value = j->get<double>();
    if (!std::isfinite(value) || std::fabs(value) > max_coordinate)
      return false;
    *dst[i] = static_cast<float>(value);
  }
  return x.size() == 3;
}

const char* vec_expected = "expected {\"x\", \"y\", \"z\"} with finite numbers "
                           "of magnitude at most 1e6";

} // namespace

void to_json(json& out, const vec3f& x) {
  out = json{{"x", x.x}, {"y", x.y}, {"z", x.z}};
}

void to_json(json& out, const agent_position& x) {
  out = json{{"numId", x.agent}, {"position", x.pos}, {"velocity", x.vel}};
}

void to_json(json& out, const formation_info& x) {
  out = json{{"id", x.id},
             {"pattern", x.kind},
             {"agents", x.agents},
             {"targets", x.targets}};
}

parsed<position_request> position_request_from_json(const json& x) {
  position_request result;
  if (!x.is_object())
    return field_error("body", "expected a JSON object");
  if (auto e = known_fields(x, {"position", "velocity"}))
    return *e;
  auto i = x.find("position");
  if (i == x.end() || i->is_null())
    return field_error("position", "required");
  if (!get_vec(*i, result.pos))
    return field_error("position", vec_expected);
  if (auto j = x.find("velocity"); j != x.end() && !j->is_null()) {
    if (!get_vec(*j, result.vel))
      return field_error("velocity", vec_expected);
    result.has_velocity = true;
  }
  return result;
}

parsed<formation_request> formation_request_from_json(const json& x) {
  formation_request result;
  auto& spec = result.spec;
  if (!x.is_object())
    return field_error("body", "expected a JSON object");
  if (auto e = known_fields(x, {"pattern", "agents", "centerPoint", "spacing",
                                "customPattern", "id"}))
    return *e;
  auto p = x.find("pattern");
  if (p == x.end() || !p->is_string())
    return field_error("pattern",
                       "expected circle, grid, sphere, helix or custom");
  spec.kind = p->get<std::string>();
  if (spec.kind != "circle" && spec.kind != "grid" && spec.kind != "sphere"
      && spec.kind != "helix" && spec.kind != "custom")
    return field_error("pattern",
                       "expected circle, grid, sphere, helix or custom");
  auto a = x.find("agents");
  if (a == x.end() || !a->is_array() || a->empty()
      || a->size() > max_formation_agents)
    return field_error("agents", "expected an array of 1 to "
                                   + std::to_string(max_formation_agents)
                                   + " agent ids");
  for (auto& item : *a) {
    if (item.is_number_integer()) {
      auto value
        = item.is_number_unsigned()
            ? item.get<uint64_t>()
            : static_cast<uint64_t>(std::max<int64_t>(0, item.get<int64_t>()));
      if (value == 0 || value > std::numeric_limits<num_id>::max())
        return field_error("agents", "expected numeric ids, UUIDs or names");
      spec.agents.push_back(static_cast<num_id>(value));
    } else if (item.is_string() && !item.get_ref<const std::string&>().empty()
               && item.get_ref<const std::string&>().size() <= 255) {
      result.lookups.emplace_back(spec.agents.size(), item.get<std::string>());
      spec.agents.push_back(0);
    } else {
      return field_error("agents", "expected numeric ids, UUIDs or names");
    }
  }
  if (auto c = x.find("centerPoint"); c != x.end() && !c->is_null())
    if (!get_vec(*c, spec.center))
      return field_error("centerPoint", vec_expected);
  if (auto s = x.find("spacing"); s != x.end() && !s->is_null()) {
    if (!s->is_number() || !std::isfinite(s->get<double>())
        || s->get<double>() <= 0 || s->get<double>() > 10000)
      return field_error("spacing",
                         "expected a number above 0 and at most 10000");
    spec.spacing = s->get<float>();
  }
  if (auto c = x.find("customPattern"); c != x.end() && !c->is_null()) {
    auto ps = c->is_object() ? c->find("positions") : c->end();
    if (!c->is_object() || c->size() != 1 || ps == c->end() || !ps->is_array())
      return field_error("customPattern",
                         "expected {\"positions\": [{x, y, z}, …]}");
    for (auto& item : *ps) {
      vec3f v;
      if (!get_vec(item, v))
        return field_error("customPattern",
                           std::string{"positions: "} + vec_expected);
      spec.custom.push_back(v);
    }
  }
  if (spec.kind == "custom" && spec.custom.size() != spec.agents.size())
    return field_error("customPattern", "custom needs one position per agent");
  if (auto i = x.find("id"); i != x.end() && !i->is_null()) {
    if (!i->is_string() || i->get_ref<const std::string&>().empty()
        || i->get_ref<const std::string&>().size() > 128)
      return field_error("id", "expected a string of 1 to 128 characters");
    spec.id = i->get<std::string>();
  }
  return result;
}

parsed<layout_tuning> physics_tuning_from_json(const json& x) {
  layout_tuning result;
  if (!x.is_object())
    return field_error("body", "expected a JSON object");
  if (auto e = known_fields(x, {"repulsion", "springK", "damping"}))
    return *e;
  std::pair<const char*, caf::optional<double>*> fields[]
    = {{"repulsion", &result.repulsion},
       {"springK", &result.spring_k},
       {"damping", &result.damping}};
  for (auto [name, dst] : fields) {
    auto i = x.find(name);
    if (i == x.end() || i->is_null())
      continue;
    auto value = i->is_number() ? i->get<double>() : -1.0;
    if (!std::isfinite(value) || value < 0 || value > max_physics_value)
      return field_error(name, "expected a number from 0 to 1e7");
    *dst = value;
  }
  return result;
}

void to_json(json& out, const physics_tuning& x) {
  out = json{{"repulsion", x.repulsion},
             {"springK", x.spring_k},
             {"damping", x.damping}};
}

} // namespace av
