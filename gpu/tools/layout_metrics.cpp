#include "layout_metrics.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace av::layout::quality {

namespace {

double dist(vec3f a, vec3f b) {
  double dx = a.x - b.x, dy = a.y - b.y, dz = a.z - b.z;
  return std::sqrt(dx * dx + dy * dy + dz * dz);
}

/// Symmetric adjacency lists.
std::vector<std::vector<std::uint32_t>> adjacency(std::size_t n,
                                                  const std::vector<edge>& es) {
  std::vector<std::vector<std::uint32_t>> adj(n);
  for (const auto& e : es)
    if (e.source != e.target) {
      adj[e.source].push_back(e.target);
      adj[e.target].push_back(e.source);
    }
  return adj;
}

/// Every node index up to `exact_limit` nodes, else `count` seeded ones.
std::vector<std::size_t> chosen_nodes(std::size_t n, std::size_t exact_limit,
                                      std::size_t count, std::uint64_t seed) {
  std::vector<std::size_t> out;
  if (n <= exact_limit) {
    out.resize(n);
    std::iota(out.begin(), out.end(), std::size_t{0});
    return out;
  }
  std::uint64_t s = seed * 0x9E3779B97F4A7C15ull + 7;
  for (std::size_t k = 0; k < count; ++k) {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    out.push_back(static_cast<std::size_t>((s >> 33) % n));
  }
  return out;
}

/// Hop distances from `src`; -1 where unreachable.
void bfs(const std::vector<std::vector<std::uint32_t>>& adj, std::size_t src,
         std::vector<int>& hops, std::vector<std::uint32_t>& queue) {
  hops.assign(adj.size(), -1);
  queue.clear();
  queue.push_back(static_cast<std::uint32_t>(src));
  hops[src] = 0;
  for (std::size_t head = 0; head < queue.size(); ++head) {
    auto u = queue[head];
    for (auto v : adj[u])
      if (hops[v] < 0) {
        hops[v] = hops[u] + 1;
        queue.push_back(v);
      }
  }
}

} // namespace

double normalized_stress(const std::vector<vec3f>& xs,
                         const std::vector<edge>& edges,
                         std::size_t exact_limit, std::size_t pivots,
                         std::uint64_t seed) {
  std::size_t n = xs.size();
  auto adj = adjacency(n, edges);
  auto sources = chosen_nodes(n, exact_limit, pivots, seed);
  // With r = d / h, the stress at scale s is mean((s r - 1)^2), smallest at
  // s = mean(r) / mean(r^2), where it is 1 - mean(r)^2 / mean(r^2).
  double sum_r = 0, sum_r2 = 0, pairs = 0;
  std::vector<int> hops;
  std::vector<std::uint32_t> queue;
  for (auto src : sources) {
    bfs(adj, src, hops, queue);
    for (std::size_t j = 0; j < n; ++j) {
      if (hops[j] <= 0 || (n <= exact_limit && j < src))
        continue;
      double r = dist(xs[src], xs[j]) / hops[j];
      sum_r += r;
      sum_r2 += r * r;
      pairs += 1;
    }
  }
  if (pairs == 0 || sum_r2 == 0)
    return 0;
  double mean_r = sum_r / pairs, mean_r2 = sum_r2 / pairs;
  return 1 - mean_r * mean_r / mean_r2;
}

double separation(const std::vector<vec3f>& xs, const std::vector<int>& group) {
  double intra = 0, inter = 0, n_intra = 0, n_inter = 0;
  for (std::size_t i = 0; i < xs.size(); ++i)
    for (std::size_t j = i + 1; j < xs.size(); ++j) {
      double d = dist(xs[i], xs[j]);
      if (group[i] == group[j]) {
        intra += d;
        n_intra += 1;
      } else {
        inter += d;
        n_inter += 1;
      }
    }
  if (n_intra == 0 || n_inter == 0 || inter == 0)
    return 0;
  return (intra / n_intra) / (inter / n_inter);
}

double spacing(const std::vector<vec3f>& xs, const std::vector<edge>& edges,
               std::size_t exact_limit, std::size_t samples,
               std::uint64_t seed) {
  std::size_t n = xs.size();
  double edge_sum = 0;
  for (const auto& e : edges)
    edge_sum += dist(xs[e.source], xs[e.target]);
  if (n < 2 || edges.empty() || edge_sum == 0)
    return 0;
  std::vector<double> nearest;
  for (auto i : chosen_nodes(n, exact_limit, samples, seed)) {
    double best = HUGE_VAL;
    for (std::size_t j = 0; j < n; ++j)
      if (j != i)
        best = std::min(best, dist(xs[i], xs[j]));
    nearest.push_back(best);
  }
  auto mid = nearest.begin() + nearest.size() / 2;
  std::nth_element(nearest.begin(), mid, nearest.end());
  return *mid / (edge_sum / edges.size());
}

double edge_length_cv(const std::vector<vec3f>& xs,
                      const std::vector<edge>& edges) {
  double sum = 0, sum2 = 0;
  for (const auto& e : edges) {
    double d = dist(xs[e.source], xs[e.target]);
    sum += d;
    sum2 += d * d;
  }
  if (edges.empty() || sum == 0)
    return 0;
  double mean = sum / edges.size();
  double var = std::max(0.0, sum2 / edges.size() - mean * mean);
  return std::sqrt(var) / mean;
}

} // namespace av::layout::quality
