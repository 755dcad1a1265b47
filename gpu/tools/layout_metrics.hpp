#pragma once

// Readability measures of a layout, independent of its scale.

#include <cstdint>
#include <vector>

#include "av/layout.hpp"

namespace av::layout::quality {

/// Normalized stress against hop distance at the optimal scale:
/// min over s of mean over pairs of (s d_ij / h_ij - 1)^2, i.e. the usual
/// weights 1 / h_ij^2. 0 means distances proportional to hops. Pairs are
/// all connected pairs up to `exact_limit` nodes, else those from `pivots`
/// seeded source nodes.
double normalized_stress(const std::vector<vec3f>& xs,
                         const std::vector<edge>& edges,
                         std::size_t exact_limit = 2000,
                         std::size_t pivots = 300, std::uint64_t seed = 1);

/// Mean distance within groups over mean distance between groups; lower
/// means better separated groups. `group` holds one id per node.
double separation(const std::vector<vec3f>& xs, const std::vector<int>& group);

/// Coefficient of variation (standard deviation / mean) of edge lengths.
double edge_length_cv(const std::vector<vec3f>& xs,
                      const std::vector<edge>& edges);

/// Median distance from a node to its nearest other node, over the mean
/// edge length; small values mean nodes stacked on each other, which no
/// other measure here penalises. Above `exact_limit` nodes the median is
/// taken over `samples` seeded nodes (each against all).
double spacing(const std::vector<vec3f>& xs, const std::vector<edge>& edges,
               std::size_t exact_limit = 2000, std::size_t samples = 2000,
               std::uint64_t seed = 1);

} // namespace av::layout::quality
