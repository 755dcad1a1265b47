#include "av/topology.hpp"

namespace av::layout {

std::string_view to_string(topology_shape s) noexcept {
  switch (s) {
    case topology_shape::star: return "star";
    case topology_shape::ring: return "ring";
    case topology_shape::mesh: return "mesh";
    case topology_shape::hierarchical: return "hierarchical";
    case topology_shape::pipeline: return "pipeline";
  }
  return "unknown";
}

std::optional<topology_shape> parse_topology_shape(std::string_view name) {
  for (auto s :
       {topology_shape::star, topology_shape::ring, topology_shape::mesh,
        topology_shape::hierarchical, topology_shape::pipeline})
    if (to_string(s) == name)
      return s;
  return std::nullopt;
}

std::vector<std::pair<std::size_t, std::size_t>>
topology_edges(topology_shape shape, std::size_t n) {
  std::vector<std::pair<std::size_t, std::size_t>> result;
  switch (shape) {
    case topology_shape::star:
      for (std::size_t i = 1; i < n; ++i)
        result.emplace_back(0, i);
      break;
    case topology_shape::ring:
      // Two nodes share one edge, not two.
      for (std::size_t i = 0; n > 1 && i < n; ++i)
        if (n > 2 || i == 0)
          result.emplace_back(i, (i + 1) % n);
      break;
    case topology_shape::mesh:
      for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = i + 1; j < n; ++j)
          result.emplace_back(i, j);
      break;
    case topology_shape::hierarchical:
      for (std::size_t i = 1; i < n; ++i)
        result.emplace_back((i - 1) / 2, i);
      break;
    case topology_shape::pipeline:
      for (std::size_t i = 1; i < n; ++i)
        result.emplace_back(i - 1, i);
      break;
  }
  return result;
}

} // namespace av::layout
