#pragma once

// Helpers shared by the layout tests.

#include <cmath>
#include <cstdint>
#include <vector>

#include "av/layout.hpp"

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

/// Exact potential energy of a layout under `p` (O(n^2)).
inline double potential_energy(const std::vector<vec3f>& xs,
                               const std::vector<edge>& edges,
                               const layout::params& p) {
  double e = 0;
  double eps2 = double{p.softening} * p.softening;
  for (std::size_t i = 0; i < xs.size(); ++i) {
    double r2 = double{xs[i].x} * xs[i].x + double{xs[i].y} * xs[i].y
                + double{xs[i].z} * xs[i].z;
    e += 0.5 * p.gravity * r2;
    for (std::size_t j = i + 1; j < xs.size(); ++j) {
      double d = dist(xs[i], xs[j]);
      e += p.repulsion / std::sqrt(d * d + eps2);
    }
  }
  for (const auto& ed : edges) {
    double d = dist(xs[ed.source], xs[ed.target]) - p.rest_length;
    e += 0.5 * p.spring_k * ed.weight * d * d;
  }
  return e;
}

} // namespace av::test
