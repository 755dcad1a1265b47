// Renders layouts computed by the engine as SVG pictures (docs/images).
//
// usage: av_layout_snapshot swarm|scale|formations OUT.svg

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "av/formation.hpp"
#include "av/layout.hpp"
#include "svg_panels.hpp"

namespace {

using namespace av::layout;
using av::vec3f;
using quality::panel;

struct lcg {
  std::uint64_t s;
  std::uint32_t next(std::uint32_t bound) {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<std::uint32_t>((s >> 33) % bound);
  }
};

/// Runs the engine until it reports rest (or `max_steps`).
int settle(engine& e, int max_steps) {
  int steps = 0;
  while (steps < max_steps && !e.step().at_rest)
    ++steps;
  return steps;
}

/// Agents in `groups` coordinations: dense inside, a few links across.
panel swarm(std::size_t n, std::size_t groups, const std::string& title) {
  panel p;
  p.title = title;
  lcg g{42};
  for (std::size_t i = 0; i < n; ++i)
    p.colour.push_back(static_cast<int>(i % groups));
  // Coordinations, 2 links per agent inside its own group.
  for (std::size_t i = 0; i < n; ++i)
    for (int k = 0; k < 2; ++k) {
      auto j = static_cast<std::uint32_t>(
        (g.next(static_cast<std::uint32_t>(n / groups)) * groups + i % groups)
        % n);
      if (j != i)
        p.edges.push_back({static_cast<std::uint32_t>(i), j, 1.0f});
    }
  for (std::size_t k = 0; k < n / 25; ++k)
    p.edges.push_back({g.next(static_cast<std::uint32_t>(n)),
                       g.next(static_cast<std::uint32_t>(n)), 0.2f});
  params prm;
  auto e = make_cpu_engine(prm);
  e->resize(n);
  e->set_edges(p.edges);
  int steps = settle(*e, 3000);
  e->positions(p.xs);
  std::printf("%s: %d steps to rest\n", title.c_str(), steps);
  return p;
}

/// Random graph with two edges per node, coloured by index.
panel random_graph(std::size_t n) {
  panel p;
  p.title = std::to_string(n) + " agents";
  lcg g{7};
  for (std::size_t i = 0; i < n; ++i) {
    p.colour.push_back(2);
    for (int k = 0; k < 2 && n > 1; ++k) {
      auto j = g.next(static_cast<std::uint32_t>(n));
      if (j != i)
        p.edges.push_back({static_cast<std::uint32_t>(i), j, 1.0f});
    }
  }
  params prm;
  auto e = make_cpu_engine(prm);
  e->resize(n);
  e->set_edges(p.edges);
  int steps = settle(*e, 3000);
  e->positions(p.xs);
  std::printf("%zu agents: %d steps to rest\n", n, steps);
  return p;
}

panel formed(formation_kind k, std::size_t n) {
  panel p;
  p.title = std::string{to_string(k)};
  params prm;
  auto e = make_cpu_engine(prm);
  e->resize(n);
  lcg g{3};
  for (std::size_t i = 0; i < n; ++i) {
    p.colour.push_back(static_cast<int>(i * 10 / n));
    p.edges.push_back({static_cast<std::uint32_t>(i),
                       g.next(static_cast<std::uint32_t>(n)), 1.0f});
  }
  e->set_edges(p.edges);
  p.edges.clear(); // the shape is the point here
  formation f;
  f.kind = k;
  f.spacing = 10;
  auto goal = formation_positions(f, n);
  for (std::size_t i = 0; i < n; ++i)
    e->set_target(i, goal[i]);
  settle(*e, 3000);
  e->positions(p.xs);
  return p;
}

} // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr,
                 "usage: av_layout_snapshot swarm|scale|formations OUT.svg\n");
    return 2;
  }
  std::string what = argv[1];
  if (what == "swarm") {
    quality::write_svg(argv[2],
                       {swarm(60, 3, "60 agents, 3 coordinations"),
                        swarm(400, 8, "400 agents, 8 coordinations")},
                       "CPU engine, default parameters, run to rest; colour = "
                       "coordination, faint links = occasional cross talk");
  } else if (what == "scale") {
    quality::write_svg(
      argv[2],
      {random_graph(10), swarm(300, 10, "300 agents, 10 coordinations"),
       swarm(3000, 30, "3000 agents, 30 coordinations")},
      "Default parameters, run to rest; 10 agents on a random graph, "
      "larger swarms in coordinations (links hidden above 4000)");
  } else if (what == "formations") {
    quality::write_svg(
      argv[2],
      {formed(formation_kind::circle, 36), formed(formation_kind::grid, 36),
       formed(formation_kind::sphere, 120), formed(formation_kind::helix, 48)},
      "Agents gliding to formation targets (spacing 10), CPU engine, "
      "after reaching rest");
  } else {
    std::fprintf(stderr, "unknown picture '%s'\n", what.c_str());
    return 2;
  }
  return 0;
}
