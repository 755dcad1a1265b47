#include "graph_families.hpp"

#include <algorithm>
#include <cmath>

namespace av::layout::quality {

namespace {

struct rng {
  std::uint64_t s;
  std::uint32_t below(std::size_t bound) {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<std::uint32_t>((s >> 33) % bound);
  }
};

void link(family_graph& g, std::size_t a, std::size_t b) {
  if (a != b)
    g.edges.push_back(
      {static_cast<std::uint32_t>(a), static_cast<std::uint32_t>(b), 1.0f});
}

void make_tree(family_graph& g, rng& r) {
  g.colour.assign(g.n, 0);
  for (std::size_t i = 1; i < g.n; ++i) {
    std::size_t lo = (i - 1) / 4, hi = (i - 1) / 2;
    std::size_t parent = lo + r.below(hi - lo + 1);
    link(g, parent, i);
    g.colour[i] = g.colour[parent] + 1;
  }
}

void make_communities(family_graph& g, rng& r) {
  const std::size_t size = 25;
  std::size_t k = std::max<std::size_t>(2, g.n / size);
  g.group.resize(g.n);
  std::vector<std::size_t> first(k + 1);
  for (std::size_t c = 0; c <= k; ++c)
    first[c] = c * g.n / k;
  for (std::size_t c = 0; c < k; ++c) {
    std::size_t lo = first[c], len = first[c + 1] - lo;
    for (std::size_t i = lo; i < lo + len; ++i) {
      g.group[i] = static_cast<int>(c);
      if (i > lo)
        link(g, i, lo + r.below(i - lo));
      for (int e = 0; e < 2; ++e)
        link(g, i, lo + r.below(len));
    }
    link(g, lo, first[(c + 1) % k]);
  }
  for (std::size_t e = 0; e < g.n / 20; ++e) {
    std::size_t a = r.below(g.n), b = r.below(g.n);
    if (g.group[a] != g.group[b])
      link(g, a, b);
  }
  g.colour = g.group;
}

void make_stars(family_graph& g) {
  auto leaders = std::max<std::size_t>(
    2, static_cast<std::size_t>(std::lround(std::sqrt(double(g.n)))));
  g.group.resize(g.n);
  for (std::size_t i = 0; i < g.n; ++i) {
    std::size_t leader = i % leaders;
    g.group[i] = static_cast<int>(leader);
    if (i >= leaders)
      link(g, leader, i);
  }
  for (std::size_t l = 0; l < leaders && leaders > 2; ++l)
    link(g, l, (l + 1) % leaders);
  if (leaders == 2)
    link(g, 0, 1);
  g.colour = g.group;
}

void make_grid(family_graph& g) {
  auto side = std::max<std::size_t>(
    2, static_cast<std::size_t>(std::lround(std::sqrt(double(g.n)))));
  g.n = side * side;
  g.colour.resize(g.n);
  std::size_t block = (side + 2) / 3;
  for (std::size_t y = 0; y < side; ++y)
    for (std::size_t x = 0; x < side; ++x) {
      std::size_t i = y * side + x;
      g.colour[i] = static_cast<int>((y / block) * 3 + x / block);
      if (x + 1 < side)
        link(g, i, i + 1);
      if (y + 1 < side)
        link(g, i, i + side);
    }
}

} // namespace

const std::vector<family>& all_families() {
  static const std::vector<family> all{family::tree, family::communities,
                                       family::stars, family::grid};
  return all;
}

const char* to_string(family f) {
  switch (f) {
    case family::tree: return "tree";
    case family::communities: return "communities";
    case family::stars: return "stars";
    case family::grid: return "grid";
  }
  return "?";
}

bool parse_family(const std::string& name, family& out) {
  for (auto f : all_families())
    if (name == to_string(f)) {
      out = f;
      return true;
    }
  return false;
}

family_graph make_family(family f, std::size_t n, std::uint64_t seed) {
  family_graph g;
  g.kind = f;
  g.n = std::max<std::size_t>(n, 4);
  rng r{seed * 0x9E3779B97F4A7C15ull + static_cast<std::uint64_t>(f) + 1};
  switch (f) {
    case family::tree: make_tree(g, r); break;
    case family::communities: make_communities(g, r); break;
    case family::stars: make_stars(g); break;
    case family::grid: make_grid(g); break;
  }
  return g;
}

} // namespace av::layout::quality
