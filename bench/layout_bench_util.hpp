#pragma once

// Flag parsing and the Node peer, shared by the layout benchmarks
// (physics.cpp, layout_quality.cpp).

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace av::bench {

/// Splits "a,b,c" at its commas.
inline std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos <= s.size()) {
    auto comma = std::min(s.find(',', pos), s.size());
    out.push_back(s.substr(pos, comma - pos));
    pos = comma + 1;
  }
  return out;
}

/// Parses "1000,10000" into positive counts.
inline std::vector<std::size_t> parse_list(const std::string& s) {
  std::vector<std::size_t> out;
  auto items = split_list(s);
  // An empty list, or one ending in a comma, ends there.
  if (items.back().empty())
    items.pop_back();
  for (auto& item : items) {
    std::size_t used = 0;
    unsigned long long v = std::stoull(item, &used);
    if (used != item.size() || v == 0)
      throw std::invalid_argument("bad size '" + item + "'");
    out.push_back(static_cast<std::size_t>(v));
  }
  return out;
}

/// Parses the integer value of `flag`, at least `min`.
inline long parse_count(const std::string& flag, const std::string& v,
                        long min) {
  std::size_t used = 0;
  long x = std::stol(v, &used);
  if (used != v.size() || x < min)
    throw std::invalid_argument(
      flag + " needs an integer >= " + std::to_string(min));
  return x;
}

/// Splits each argument into `--key` and the value after '=', prints
/// `usage` and exits on --help, and hands the rest to `take(key, value)`,
/// which returns false for a flag it does not know.
template <class Usage, class Take>
void parse_flags(int argc, char** argv, Usage usage, Take take) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto eq = a.find('=');
    std::string key = a.substr(0, eq);
    std::string val = eq == std::string::npos ? "" : a.substr(eq + 1);
    if (key == "--help" || key == "-h") {
      usage();
      std::exit(0);
    }
    if (!take(key, val))
      throw std::invalid_argument("unknown flag '" + a + "' (see --help)");
  }
}

/// Runs `cmd` and returns its stdout; empty when it failed.
inline std::string run_command(const std::string& cmd) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p)
    return out;
  char buf[512];
  while (std::fgets(buf, sizeof buf, p))
    out += buf;
  if (pclose(p) != 0)
    out.clear();
  return out;
}

/// Why d3-force-3d cannot run here, or an empty string.
inline std::string d3_unavailable(const std::string& node,
                                  const std::string& node_dir) {
  if (run_command(node + " --version 2>/dev/null").empty())
    return "node not found ('" + node + "')";
  std::ifstream pkg{node_dir + "/node_modules/d3-force-3d/package.json"};
  if (!pkg)
    return "d3-force-3d not installed (run npm ci in " + node_dir + ")";
  return {};
}

} // namespace av::bench
