#include "status_json.hpp"

#include <caf/config_value.hpp>

namespace av::shell {

namespace {

nlohmann::json value_json(const caf::config_value& x);

struct to_json_visitor {
  nlohmann::json operator()(int64_t x) const { return x; }
  nlohmann::json operator()(bool x) const { return x; }
  nlohmann::json operator()(double x) const { return x; }
  nlohmann::json operator()(caf::atom_value x) const {
    return caf::to_string(x);
  }
  nlohmann::json operator()(caf::timespan x) const {
    return std::to_string(x.count()) + "ns";
  }
  nlohmann::json operator()(const caf::uri& x) const {
    return caf::to_string(x);
  }
  nlohmann::json operator()(const std::string& x) const { return x; }
  nlohmann::json operator()(const caf::config_value::list& xs) const {
    auto result = nlohmann::json::array();
    for (auto& x : xs)
      result.push_back(value_json(x));
    return result;
  }
  nlohmann::json operator()(const caf::config_value::dictionary& xs) const {
    return status_json(xs);
  }
};

nlohmann::json value_json(const caf::config_value& x) {
  return caf::visit(to_json_visitor{}, x.get_data());
}

} // namespace

nlohmann::json status_json(const caf::settings& xs) {
  auto result = nlohmann::json::object();
  for (auto& [key, value] : xs)
    result[key] = value_json(value);
  return result;
}

} // namespace av::shell
