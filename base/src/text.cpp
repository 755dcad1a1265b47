#include "av/base/text.hpp"

#include <cstdint>
#include <cstdio>

namespace av {

std::string_view trim(std::string_view x) {
  auto blank = [](char c) {
    return c == ' ' || c == '\t';
  };
  while (!x.empty() && blank(x.front()))
    x.remove_prefix(1);
  while (!x.empty() && blank(x.back()))
    x.remove_suffix(1);
  return x;
}

bool all_digits(std::string_view x) {
  for (auto c : x)
    if (c < '0' || c > '9')
      return false;
  return !x.empty();
}

int hex_value(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

std::string hex_digest(std::string_view x) {
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : x) {
    h ^= c;
    h *= 1099511628211ull;
  }
  char buf[17];
  std::snprintf(buf, sizeof(buf), "%016llx",
                static_cast<unsigned long long>(h));
  return buf;
}

} // namespace av
