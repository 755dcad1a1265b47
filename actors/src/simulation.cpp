#include "av/simulation.hpp"

namespace av {

const std::vector<agent_profile>& agent_profiles() {
  static const std::vector<agent_profile> profiles{
    {"coordinator", 800, 0.02, 0.8}, {"researcher", 2500, 0.05, 0.7},
    {"coder", 3000, 0.08, 0.6},      {"analyst", 2000, 0.04, 0.65},
    {"tester", 1500, 0.10, 0.5},     {"reviewer", 1200, 0.03, 0.55},
    {"optimizer", 2200, 0.06, 0.6},  {"architect", 2800, 0.03, 0.75},
    {"documenter", 1800, 0.02, 0.7}, {"monitor", 600, 0.01, 0.6},
  };
  return profiles;
}

const agent_profile& profile_of(std::string_view type) {
  static const agent_profile generic{"generic", 1500, 0.05, 0.6};
  for (auto& p : agent_profiles())
    if (p.type == type)
      return p;
  return generic;
}

} // namespace av
