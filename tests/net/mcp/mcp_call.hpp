#pragma once

#include <chrono>
#include <future>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "av/mcp/server.hpp"

namespace av::test {

/// One `tools/call` through the stdio entry point; the parsed answer, or
/// null when none came within 10 s.
inline nlohmann::json call_tool(mcp_server& server, const std::string& tool,
                                const nlohmann::json& args) {
  nlohmann::json msg{{"jsonrpc", "2.0"},
                     {"id", 1},
                     {"method", "tools/call"},
                     {"params", {{"name", tool}, {"arguments", args}}}};
  auto answer = std::make_shared<std::promise<std::string>>();
  auto got = answer->get_future();
  server.handle_line(msg.dump(),
                     [answer](std::string x) { answer->set_value(x); });
  if (got.wait_for(std::chrono::seconds{10}) != std::future_status::ready)
    return nullptr;
  return nlohmann::json::parse(got.get());
}

} // namespace av::test
