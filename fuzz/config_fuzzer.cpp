// libFuzzer target over the start-up configuration: every environment
// variable and command-line flag through the settings table, CLI11 and the
// value checks. Input: one entry a line; `NAME=value` lines are the
// environment, every other line one argument. A refusal must be one line on
// stderr, as docs/configuration.md promises.
#include <cstddef>
#include <cstdint>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "av/config.hpp"

namespace {

/// Whether `line` reads `NAME=value` with an upper-case NAME.
bool assignment(const std::string& line) {
  auto eq = line.find('=');
  if (eq == 0 || eq == std::string::npos || line[0] == '-')
    return false;
  for (size_t i = 0; i < eq; ++i) {
    char c = line[i];
    if (!(c >= 'A' && c <= 'Z') && !(c >= '0' && c <= '9') && c != '_')
      return false;
  }
  return true;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::map<std::string, std::string> env;
  std::vector<std::string> args{"agent-server"};
  std::istringstream in{std::string{reinterpret_cast<const char*>(data), size}};
  for (std::string line; std::getline(in, line);) {
    if (assignment(line))
      env[line.substr(0, line.find('='))] = line.substr(line.find('=') + 1);
    else
      args.push_back(line);
  }
  std::vector<const char*> argv;
  for (auto& x : args)
    argv.push_back(x.c_str());
  auto lookup = [&](const std::string& name) -> std::optional<std::string> {
    auto i = env.find(name);
    if (i == env.end())
      return std::nullopt;
    return i->second;
  };
  std::ostringstream out;
  std::ostringstream err;
  auto res = av::config::parse(static_cast<int>(argv.size()), argv.data(),
                               lookup, out, err);
  auto text = err.str();
  if (res.exit_code == 2
      && (text.empty() || text.find('\n') != text.size() - 1))
    __builtin_trap();
  if (!res.exit_code)
    (void)av::config::describe(res.cfg);
  return 0;
}
