#pragma once

// Helpers shared by the layout tests.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "av/layout.hpp"
#include "physics_common.hpp"
#include "spring_weights.hpp"

namespace av::test {

using layout::edge;

inline double dist(vec3f a, vec3f b) {
  double dx = a.x - b.x, dy = a.y - b.y, dz = a.z - b.z;
  return std::sqrt(dx * dx + dy * dy + dz * dz);
}

/// Small deterministic generator for test graphs.
struct lcg {
  std::uint64_t s;
  std::uint32_t next() {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<std::uint32_t>(s >> 33);
  }
};

/// About `per_node` random edges per node, no self-loops.
inline std::vector<edge> random_edges(std::size_t n, std::size_t per_node,
                                      std::uint64_t seed) {
  std::vector<edge> out;
  lcg g{seed};
  for (std::size_t i = 0; i < n * per_node; ++i) {
    auto a = static_cast<std::uint32_t>(g.next() % n);
    auto b = static_cast<std::uint32_t>(g.next() % n);
    if (a != b)
      out.push_back({a, b, 1.0f});
  }
  return out;
}

/// The repulsion law in double precision, as docs/physics.md states it:
/// the factor that turns the offset between two nodes `d` apart, in a
/// layout of `n` nodes, into the push of one on the other.
inline double repulsion_factor(double d, const layout::params& p,
                               std::size_t n) {
  double r2 = d * d + double{p.softening} * p.softening;
  double range = layout::detail::effective_range(p, n);
  double range2 = range * range;
  double t = std::max(0.0, 1.0 - r2 / range2);
  return t * t / r2;
}

/// Potential of that push (zero at the range): with q = r^2 / range^2,
/// (1/2)(ln(1/q) - 3/2 + 2q - q^2/2).
inline double repulsion_potential(double d, const layout::params& p,
                                  std::size_t n) {
  double r2 = d * d + double{p.softening} * p.softening;
  double range = layout::detail::effective_range(p, n);
  double q = r2 / (range * range);
  if (q >= 1)
    return 0;
  return 0.5 * (std::log(1 / q) - 1.5 + 2 * q - q * q / 2);
}

/// Exact potential energy of a layout under `p` (O(n^2)).
inline double potential_energy(const std::vector<vec3f>& xs,
                               const std::vector<edge>& edges,
                               const layout::params& p) {
  double e = 0;
  for (std::size_t i = 0; i < xs.size(); ++i) {
    double r2 = double{xs[i].x} * xs[i].x + double{xs[i].y} * xs[i].y
                + double{xs[i].z} * xs[i].z;
    e += 0.5 * p.gravity * r2;
    for (std::size_t j = i + 1; j < xs.size(); ++j)
      e += p.repulsion * repulsion_potential(dist(xs[i], xs[j]), p, xs.size());
  }
  std::vector<edge> springs;
  for (const auto& ed : edges)
    if (ed.source != ed.target)
      springs.push_back(ed);
  auto w = layout::detail::spring_weights(
    layout::detail::make_adjacency(xs.size(), springs), springs);
  for (std::size_t k = 0; k < springs.size(); ++k) {
    double d
      = dist(xs[springs[k].source], xs[springs[k].target]) - p.rest_length;
    e += 0.5 * p.spring_k * w[k] * d * d;
  }
  return e;
}

} // namespace av::test
