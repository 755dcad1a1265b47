#pragma once

#include <cstddef>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

/// Shapes in which groups of layout nodes are wired together.
namespace av::layout {

/// Star (first node at the centre), ring, mesh (all pairs), hierarchical
/// (a binary tree under the first node) or pipeline (a chain).
enum class topology_shape { star, ring, mesh, hierarchical, pipeline };

/// Returns "star", "ring", "mesh", "hierarchical" or "pipeline".
std::string_view to_string(topology_shape s) noexcept;

/// Parses the names returned by `to_string`; nothing for any other name.
std::optional<topology_shape> parse_topology_shape(std::string_view name);

/// Edges of `shape` over the nodes `0 .. n-1`, as index pairs.
std::vector<std::pair<std::size_t, std::size_t>>
topology_edges(topology_shape shape, std::size_t n);

} // namespace av::layout
