#pragma once

#include <string>
#include <vector>

#include <hiredis/hiredis.h>

namespace av::test {

/// The commands as hiredis formats them from argument vectors: the
/// reference the writer's own RESP encoding must match byte for byte.
inline std::string
hiredis_format(const std::vector<std::vector<std::string>>& cmds) {
  std::string result;
  for (const auto& args : cmds) {
    std::vector<const char*> argv;
    std::vector<size_t> lens;
    for (const auto& x : args) {
      argv.push_back(x.data());
      lens.push_back(x.size());
    }
    char* raw = nullptr;
    auto len = redisFormatCommandArgv(&raw, static_cast<int>(args.size()),
                                      argv.data(), lens.data());
    result.append(raw, static_cast<size_t>(len));
    redisFreeCommand(raw);
  }
  return result;
}

} // namespace av::test
