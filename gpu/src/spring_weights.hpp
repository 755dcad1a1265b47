#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "av/layout.hpp"

namespace av::layout::detail {

/// Symmetric adjacency in CSR form: the neighbours of node i are
/// `nbr[offsets[i] .. offsets[i+1])`, reached over edge `via[slot]`.
struct adjacency {
  std::vector<std::uint32_t> offsets;
  std::vector<std::uint32_t> nbr;
  std::vector<std::uint32_t> via;

  std::uint32_t degree(std::uint32_t i) const {
    return offsets[i + 1] - offsets[i];
  }
};

/// The adjacency of `n` nodes joined by `edges` (no self-loops).
adjacency make_adjacency(std::size_t n, const std::vector<edge>& edges);

/// For each of the `edge_count` edges, the node count of the smaller part
/// its removal would cut off (a bridge, as every edge of a tree), or 0 when
/// it is on a cycle. Linear in nodes plus edges, without recursion.
std::vector<std::uint32_t> bridge_sides(const adjacency& g,
                                        std::size_t edge_count);

/// Each edge's spring weight: its own weight times the load it carries,
/// estimated as the larger of the edge count of its busier end (a hub's
/// springs hold all its neighbours) and, for a bridge, the node count of
/// the smaller part it holds on (a tree's edges near the root carry the
/// push between whole subtrees). Springs that carry more then stretch no
/// more than the rest. `g` is `make_adjacency` of `edges`.
std::vector<float> spring_weights(const adjacency& g,
                                  const std::vector<edge>& edges);

} // namespace av::layout::detail
