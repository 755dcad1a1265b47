#include "av/ws/filter.hpp"

namespace av {

std::string ws_filter::key() const {
  std::string out;
  for (auto& x : types)
    out += x + ',';
  out += '|';
  for (auto x : states)
    out += std::string{to_string(x)} + ',';
  out += '|';
  for (auto& x : coordinations)
    out += x + ',';
  out += '|' + std::to_string(max_agents) + '|' + std::to_string(fps) + '|'
         + std::to_string(events);
  return out;
}

} // namespace av
