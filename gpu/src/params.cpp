#include <cmath>
#include <stdexcept>
#include <string>

#include "av/layout.hpp"

namespace av::layout {

namespace {

using complaint = std::optional<std::string>;

complaint require(bool ok, const char* field, float value, const char* rule) {
  if (ok)
    return std::nullopt;
  return std::string{"params."} + field + " = " + std::to_string(value)
         + ": must be " + rule;
}

complaint non_negative(const char* field, float value) {
  return require(std::isfinite(value) && value >= 0, field, value,
                 "finite and >= 0");
}

complaint positive(const char* field, float value) {
  return require(std::isfinite(value) && value > 0, field, value,
                 "finite and > 0");
}

} // namespace

engine::~engine() = default;

std::optional<std::string> params_error(const params& p) {
  complaint checks[] = {
    non_negative("spring_k", p.spring_k),
    non_negative("rest_length", p.rest_length),
    non_negative("repulsion", p.repulsion),
    non_negative("gravity", p.gravity),
    non_negative("damping", p.damping),
    require(std::isfinite(p.theta) && p.theta >= 0 && p.theta <= 2, "theta",
            p.theta, "in [0, 2]"),
    positive("max_speed", p.max_speed),
    positive("dt", p.dt),
    positive("softening", p.softening),
    positive("repulsion_range", p.repulsion_range),
    positive("target_rate", p.target_rate),
    non_negative("cooling", p.cooling),
    non_negative("rest_displacement", p.rest_displacement),
  };
  for (auto& c : checks)
    if (c)
      return c;
  if (p.threads > 1024)
    return "params.threads = " + std::to_string(p.threads)
           + ": must be <= 1024";
  return std::nullopt;
}

void validate(const params& p) {
  if (auto why = params_error(p))
    throw std::invalid_argument(*why);
}

} // namespace av::layout
