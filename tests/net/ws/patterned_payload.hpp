#pragma once

#include <memory>
#include <string>

#include "av/ws/hub.hpp"

namespace av::test {

/// A payload of `n` bytes in a pattern that shows a byte out of place.
inline ws_payload patterned_payload(size_t n) {
  std::string x(n, '\0');
  for (size_t i = 0; i < n; ++i)
    x[i] = static_cast<char>(i * 7 + 3);
  return std::make_shared<const std::string>(std::move(x));
}

} // namespace av::test
