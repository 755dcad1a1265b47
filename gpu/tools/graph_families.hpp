#pragma once

// Seeded graphs of the shapes swarms have, shared by the layout quality
// benchmark, the pictures and the tests so that every consumer (and
// d3-force-3d, fed by the benchmark) lays out identical graphs.

#include <cstdint>
#include <string>
#include <vector>

#include "av/layout.hpp"

namespace av::layout::quality {

/// The four families the layout is judged on.
enum class family { tree, communities, stars, grid };

/// All families, in report order.
const std::vector<family>& all_families();

/// Returns "tree", "communities", "stars" or "grid".
const char* to_string(family f);

/// Parses a family name; false when unknown.
bool parse_family(const std::string& name, family& out);

/// A generated graph with its ground truth.
struct family_graph {
  family kind = family::tree;
  std::size_t n = 0;
  std::vector<edge> edges;
  /// Planted group of each node, or empty where the family has none.
  std::vector<int> group;
  /// Colour index for pictures (group, depth or grid block).
  std::vector<int> colour;
};

/// Generates a connected graph of about `n` nodes (a grid rounds to a
/// square) of the family, deterministic for `seed`:
/// - tree: node i hangs below a random node of [(i-1)/4, (i-1)/2], so
///   branching is 2 to 4;
/// - communities: groups of 25; each node links to a random earlier member
///   and two random members of its group; n/20 random links between groups
///   plus one from each group to the next;
/// - stars: round(sqrt(n)) leaders each with its workers, leaders in a ring;
///   a group is a leader with its workers;
/// - grid: a square lattice, 4 neighbours.
family_graph make_family(family f, std::size_t n, std::uint64_t seed);

} // namespace av::layout::quality
