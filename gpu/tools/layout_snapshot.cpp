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

namespace {

using namespace av::layout;
using av::vec3f;

const char* palette[] = {"#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4",
                         "#42d4f4", "#f032e6", "#9a6324", "#469990", "#808000"};

struct lcg {
  std::uint64_t s;
  std::uint32_t next(std::uint32_t bound) {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<std::uint32_t>((s >> 33) % bound);
  }
};

/// One picture panel: nodes (with colour index) and edges to draw.
struct panel {
  std::string title;
  std::vector<vec3f> xs;
  std::vector<int> colour;
  std::vector<edge> edges;
};

/// Runs the engine until it reports rest (or `max_steps`).
int settle(engine& e, int max_steps) {
  int steps = 0;
  while (steps < max_steps && !e.step().at_rest)
    ++steps;
  return steps;
}

// Tilted orthographic view so depth reads as 3D.
vec3f view(vec3f p) {
  const float a = 0.5f, b = 0.35f;
  float x = p.x * std::cos(a) + p.z * std::sin(a);
  float z = -p.x * std::sin(a) + p.z * std::cos(a);
  float y = p.y * std::cos(b) - z * std::sin(b);
  z = p.y * std::sin(b) + z * std::cos(b);
  return {x, y, z};
}

void draw(FILE* f, const panel& p, float ox, float size) {
  std::vector<vec3f> v(p.xs.size());
  std::transform(p.xs.begin(), p.xs.end(), v.begin(), view);
  float lo[3] = {1e30f, 1e30f, 1e30f}, hi[3] = {-1e30f, -1e30f, -1e30f};
  for (auto& q : v) {
    float c[3] = {q.x, q.y, q.z};
    for (int d = 0; d < 3; ++d) {
      lo[d] = std::min(lo[d], c[d]);
      hi[d] = std::max(hi[d], c[d]);
    }
  }
  float span = std::max({hi[0] - lo[0], hi[1] - lo[1], 1e-3f});
  float scale = (size - 40) / span;
  float cx = (lo[0] + hi[0]) / 2, cy = (lo[1] + hi[1]) / 2;
  auto sx = [&](const vec3f& q) {
    return ox + size / 2 + (q.x - cx) * scale;
  };
  auto sy = [&](const vec3f& q) {
    return 30 + size / 2 - (q.y - cy) * scale;
  };
  std::fprintf(f,
               "<text x=\"%.0f\" y=\"20\" font-family=\"sans-serif\" "
               "font-size=\"14\" text-anchor=\"middle\">%s</text>\n",
               ox + size / 2, p.title.c_str());
  if (p.edges.size() <= 4000) {
    std::fprintf(f, "<g stroke=\"#999\" stroke-width=\"0.6\" "
                    "stroke-opacity=\"0.6\">\n");
    for (auto& e : p.edges)
      std::fprintf(
        f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n",
        sx(v[e.source]), sy(v[e.source]), sx(v[e.target]), sy(v[e.target]));
    std::fprintf(f, "</g>\n");
  }
  // Far nodes first, so near ones are drawn on top.
  std::vector<std::size_t> order(v.size());
  for (std::size_t i = 0; i < order.size(); ++i)
    order[i] = i;
  std::sort(order.begin(), order.end(),
            [&](std::size_t a, std::size_t b) { return v[a].z < v[b].z; });
  float depth = std::max(hi[2] - lo[2], 1e-3f);
  float r = v.size() > 1000 ? 1.2f : v.size() > 100 ? 2.5f : 5.0f;
  for (auto i : order) {
    float t = (v[i].z - lo[2]) / depth; // 0 far .. 1 near
    std::fprintf(f,
                 "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%.1f\" fill=\"%s\" "
                 "fill-opacity=\"%.2f\"/>\n",
                 sx(v[i]), sy(v[i]), r * (0.7f + 0.6f * t),
                 palette[p.colour[i] % 10], 0.45 + 0.55 * t);
  }
}

void write(const std::string& path, const std::vector<panel>& panels,
           const std::string& caption) {
  const float size = 360;
  FILE* f = std::fopen(path.c_str(), "w");
  if (!f) {
    std::perror(path.c_str());
    return;
  }
  float width = size * panels.size();
  std::fprintf(f,
               "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" "
               "height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\">\n"
               "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n",
               width, size + 50, width, size + 50);
  for (std::size_t i = 0; i < panels.size(); ++i)
    draw(f, panels[i], size * i, size);
  std::fprintf(f,
               "<text x=\"%.0f\" y=\"%.0f\" font-family=\"sans-serif\" "
               "font-size=\"12\" text-anchor=\"middle\" fill=\"#555\">%s"
               "</text>\n</svg>\n",
               width / 2, size + 40, caption.c_str());
  std::fclose(f);
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
    write(argv[2],
          {swarm(60, 3, "60 agents, 3 coordinations"),
           swarm(400, 8, "400 agents, 8 coordinations")},
          "CPU engine, default parameters, run to rest; colour = "
          "coordination, faint links = occasional cross talk");
  } else if (what == "scale") {
    write(argv[2],
          {random_graph(10), swarm(300, 10, "300 agents, 10 coordinations"),
           swarm(3000, 30, "3000 agents, 30 coordinations")},
          "Default parameters, run to rest; 10 agents on a random graph, "
          "larger swarms in coordinations (links hidden above 4000)");
  } else if (what == "formations") {
    write(argv[2],
          {formed(formation_kind::circle, 36), formed(formation_kind::grid, 36),
           formed(formation_kind::sphere, 120),
           formed(formation_kind::helix, 48)},
          "Agents gliding to formation targets (spacing 10), CPU engine, "
          "after reaching rest");
  } else {
    std::fprintf(stderr, "unknown picture '%s'\n", what.c_str());
    return 2;
  }
  return 0;
}
