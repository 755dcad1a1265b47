#include "av/config.hpp"

#include <cstdlib>

#include "spec.hpp"

namespace av::config {

std::vector<std::pair<std::string, std::string>> describe(const settings& cfg) {
  std::vector<std::pair<std::string, std::string>> result;
  for (const auto& row : detail::table())
    result.emplace_back(std::string{row.name.env},
                        detail::redact(row, row.show(cfg)));
  return result;
}

env_lookup process_env() {
  return [](const std::string& name) -> std::optional<std::string> {
    if (const char* value = std::getenv(name.c_str()))
      return std::string{value};
    return std::nullopt;
  };
}

} // namespace av::config
