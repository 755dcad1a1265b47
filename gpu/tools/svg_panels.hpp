#pragma once

// SVG pictures of layouts: panels side by side, each a tilted orthographic
// projection so that depth reads as 3D (docs/images).

#include <string>
#include <vector>

#include "av/layout.hpp"

namespace av::layout::quality {

/// One picture panel: nodes (with colour index) and edges to draw.
struct panel {
  std::string title;
  std::vector<vec3f> xs;
  std::vector<int> colour;
  std::vector<edge> edges;
};

/// Writes `panels` side by side with `caption` below; false on I/O error.
bool write_svg(const std::string& path, const std::vector<panel>& panels,
               const std::string& caption);

} // namespace av::layout::quality
