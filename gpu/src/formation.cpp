#include <algorithm>
#include <cmath>
#include <string>

#include "av/formation.hpp"

namespace av::layout {

namespace {

constexpr double pi = 3.14159265358979323846;

bool finite(vec3f v) {
  return std::isfinite(v.x) && std::isfinite(v.y) && std::isfinite(v.z);
}

vec3f at(vec3f c, double x, double y, double z) {
  return {static_cast<float>(c.x + x), static_cast<float>(c.y + y),
          static_cast<float>(c.z + z)};
}

} // namespace

std::string_view to_string(formation_kind k) noexcept {
  switch (k) {
    case formation_kind::circle: return "circle";
    case formation_kind::grid: return "grid";
    case formation_kind::sphere: return "sphere";
    case formation_kind::helix: return "helix";
    case formation_kind::custom: return "custom";
  }
  return "unknown";
}

std::optional<formation_kind> parse_formation_kind(std::string_view name) {
  for (auto k :
       {formation_kind::circle, formation_kind::grid, formation_kind::sphere,
        formation_kind::helix, formation_kind::custom})
    if (to_string(k) == name)
      return k;
  return std::nullopt;
}

std::optional<std::string> formation_error(const formation& f,
                                           std::size_t count) {
  if (!finite(f.center))
    return "center: must be finite";
  if (!std::isfinite(f.spacing) || f.spacing <= 0)
    return "spacing: must be finite and above 0";
  if (f.kind == formation_kind::helix) {
    if (!std::isfinite(f.helix_pitch) || f.helix_pitch < 0)
      return "helix_pitch: must be finite and >= 0";
    if (f.helix_per_turn < 2)
      return "helix_per_turn: must be >= 2";
  }
  if (f.kind == formation_kind::custom) {
    if (f.custom.size() != count)
      return "custom: " + std::to_string(f.custom.size())
             + " positions given for " + std::to_string(count) + " agents";
    for (std::size_t i = 0; i < count; ++i)
      if (!finite(f.custom[i]))
        return "custom: position " + std::to_string(i) + " is not finite";
  }
  return std::nullopt;
}

std::vector<vec3f> formation_positions(const formation& f, std::size_t count) {
  std::vector<vec3f> out;
  if (f.kind == formation_kind::custom) {
    // Bounded by the offsets, not `count`, so that a formation that failed
    // the check cannot read past them.
    for (auto& x : f.custom)
      out.push_back(at(f.center, x.x, x.y, x.z));
    return out;
  }
  out.reserve(count);
  double s = f.spacing;
  auto n = static_cast<double>(count);
  switch (f.kind) {
    case formation_kind::circle: {
      // Chord between neighbours equals the spacing: 2 R sin(pi / n) = s.
      double r = count > 1 ? s / (2 * std::sin(pi / n)) : 0.0;
      for (std::size_t i = 0; i < count; ++i) {
        double a = 2 * pi * static_cast<double>(i) / n;
        out.push_back(at(f.center, r * std::cos(a), r * std::sin(a), 0));
      }
      break;
    }
    case formation_kind::grid: {
      auto cols = static_cast<std::size_t>(std::ceil(std::sqrt(n)));
      std::size_t rows = cols > 0 ? (count + cols - 1) / cols : 0;
      double x0 = (static_cast<double>(cols) - 1) / 2;
      double y0 = (static_cast<double>(rows) - 1) / 2;
      for (std::size_t i = 0; i < count; ++i) {
        auto col = static_cast<double>(i % cols);
        auto row = static_cast<double>(i / cols);
        out.push_back(at(f.center, (col - x0) * s, (y0 - row) * s, 0));
      }
      break;
    }
    case formation_kind::sphere: {
      // Fibonacci lattice with midpoint heights, which never divides by
      // count - 1; one and two agents get the obvious shapes.
      if (count == 1) {
        out.push_back(f.center);
        break;
      }
      double r = s * std::max(0.5, std::sqrt(n * std::sqrt(3.0) / (8 * pi)));
      if (count == 2) {
        out.push_back(at(f.center, 0, 0, r));
        out.push_back(at(f.center, 0, 0, -r));
        break;
      }
      double golden = pi * (3 - std::sqrt(5.0));
      for (std::size_t i = 0; i < count; ++i) {
        auto k = static_cast<double>(i);
        double z = 1 - (2 * k + 1) / n;
        double rho = std::sqrt(std::max(0.0, 1 - z * z));
        double a = golden * k;
        out.push_back(
          at(f.center, r * rho * std::cos(a), r * rho * std::sin(a), r * z));
      }
      break;
    }
    case formation_kind::helix: {
      double m = f.helix_per_turn;
      double rise = f.helix_pitch * s / m;
      double chord = std::sqrt(std::max(0.0, s * s - rise * rise));
      double r = chord / (2 * std::sin(pi / m));
      for (std::size_t i = 0; i < count; ++i) {
        auto k = static_cast<double>(i);
        double a = 2 * pi * k / m;
        out.push_back(at(f.center, r * std::cos(a), r * std::sin(a),
                         (k - (n - 1) / 2) * rise));
      }
      break;
    }
    case formation_kind::custom: break;
  }
  return out;
}

} // namespace av::layout
