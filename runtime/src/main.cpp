#include <iostream>
#include <string_view>

#include "av/base/log.hpp"
#include "av/config.hpp"
#include "av/mcp/relay.hpp"
#include "av/migrations.hpp"
#include "av/node.hpp"
#include "av/shell/shell.hpp"

int main(int argc, char** argv) {
  // The shell is a client with options of its own, not a node's settings.
  if (argc > 1 && std::string_view{argv[1]} == "shell")
    return av::shell::run_shell(argc - 1, argv + 1);
  auto parsed = av::config::parse(argc, argv, av::config::process_env(),
                                  std::cout, std::cerr);
  if (parsed.exit_code)
    return *parsed.exit_code;
  auto& cfg = parsed.cfg;
  av::log::init(cfg.log_format == av::config::log_format::json
                  ? av::log::format::json
                  : av::log::format::text,
                static_cast<av::log::level>(cfg.log_level));
  if (av::log::enabled(av::log::level::debug))
    for (auto& [name, value] : av::config::describe(cfg))
      av::log::debug("setting", {{"name", name}, {"value", value}});
  try {
    switch (parsed.cmd) {
      case av::config::command::serve: return av::serve(cfg);
      case av::config::command::mcp:
        if (!parsed.connect.empty())
          return av::relay_stdio(parsed.connect, cfg.api_key, std::cin,
                                 std::cout);
        return parsed.stdio ? av::serve_mcp_stdio(cfg) : av::serve(cfg);
      case av::config::command::migrate:
        return av::persistence::migrate_command(
          cfg.database_url, parsed.migrate_status, std::cout, std::cerr);
    }
  } catch (const std::exception& e) {
    av::log::error("fatal error", {{"error", e.what()}});
    return 1;
  }
  return 0;
}
