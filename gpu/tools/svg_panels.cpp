#include "svg_panels.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace av::layout::quality {

namespace {

const char* palette[] = {"#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4",
                         "#42d4f4", "#f032e6", "#9a6324", "#469990", "#808000"};

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

} // namespace

bool write_svg(const std::string& path, const std::vector<panel>& panels,
               const std::string& caption) {
  const float size = 360;
  FILE* f = std::fopen(path.c_str(), "w");
  if (!f) {
    std::perror(path.c_str());
    return false;
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
  return std::fclose(f) == 0;
}

} // namespace av::layout::quality
