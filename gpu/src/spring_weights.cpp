#include "spring_weights.hpp"

#include <algorithm>

namespace av::layout::detail {

adjacency make_adjacency(std::size_t n, const std::vector<edge>& edges) {
  adjacency g;
  g.offsets.assign(n + 1, 0);
  for (const auto& e : edges) {
    ++g.offsets[e.source + 1];
    ++g.offsets[e.target + 1];
  }
  for (std::size_t i = 0; i < n; ++i)
    g.offsets[i + 1] += g.offsets[i];
  g.nbr.resize(g.offsets[n]);
  g.via.resize(g.offsets[n]);
  std::vector<std::uint32_t> fill(g.offsets.begin(), g.offsets.end() - 1);
  for (std::uint32_t k = 0; k < edges.size(); ++k) {
    auto a = fill[edges[k].source]++, b = fill[edges[k].target]++;
    g.nbr[a] = edges[k].target;
    g.via[a] = k;
    g.nbr[b] = edges[k].source;
    g.via[b] = k;
  }
  return g;
}

std::vector<std::uint32_t> bridge_sides(const adjacency& g,
                                        std::size_t edge_count) {
  constexpr std::uint32_t none = UINT32_MAX;
  std::size_t n = g.offsets.size() - 1;
  // Depth-first order, lowest order reachable by one back edge from the
  // subtree, subtree size and the edge from the parent, per node.
  std::vector<std::uint32_t> order(n, none), low(n), size(n, 1);
  std::vector<std::uint32_t> parent_edge(n, none);
  std::vector<std::uint32_t> next(g.offsets.begin(), g.offsets.end() - 1);
  std::vector<std::uint32_t> stack, bridges;
  std::vector<std::uint32_t> sides(edge_count, 0);
  std::uint32_t counter = 0;
  for (std::uint32_t root = 0; root < n; ++root) {
    if (order[root] != none)
      continue;
    order[root] = low[root] = counter++;
    stack.push_back(root);
    bridges.clear();
    while (!stack.empty()) {
      auto v = stack.back();
      if (next[v] < g.offsets[v + 1]) {
        auto slot = next[v]++;
        if (g.via[slot] == parent_edge[v])
          continue;
        auto w = g.nbr[slot];
        if (order[w] == none) {
          order[w] = low[w] = counter++;
          parent_edge[w] = g.via[slot];
          stack.push_back(w);
        } else {
          low[v] = std::min(low[v], order[w]);
        }
        continue;
      }
      stack.pop_back();
      if (stack.empty())
        break;
      auto p = stack.back();
      low[p] = std::min(low[p], low[v]);
      size[p] += size[v];
      if (low[v] > order[p])
        bridges.push_back(v);
    }
    auto component = size[root];
    for (auto v : bridges)
      sides[parent_edge[v]] = std::min(size[v], component - size[v]);
  }
  return sides;
}

std::vector<float> spring_weights(const adjacency& g,
                                  const std::vector<edge>& edges) {
  auto sides = bridge_sides(g, edges.size());
  std::vector<float> w(edges.size());
  for (std::size_t k = 0; k < edges.size(); ++k) {
    const auto& e = edges[k];
    auto load = std::max({g.degree(e.source), g.degree(e.target), sides[k]});
    w[k] = e.weight * static_cast<float>(load);
  }
  return w;
}

} // namespace av::layout::detail
