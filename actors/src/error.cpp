#include "av/error.hpp"

#include <caf/message.hpp>
#include <caf/sec.hpp>

namespace av {

const char* to_string(ec x) {
  switch (x) {
    case ec::none: return "none";
    case ec::invalid_argument: return "invalid_argument";
    case ec::not_found: return "not_found";
    case ec::invalid_transition: return "invalid_transition";
    case ec::agent_limit_reached: return "agent_limit_reached";
    case ec::too_many_spawns: return "too_many_spawns";
    case ec::queue_full: return "queue_full";
    case ec::conflict: return "conflict";
    case ec::terminated: return "terminated";
    case ec::crashed: return "crashed";
    case ec::unreachable: return "unreachable";
    case ec::timeout: return "timeout";
    case ec::finished: return "finished";
    case ec::store_full: return "store_full";
    case ec::node_unreachable: return "node_unreachable";
  }
  return "unknown";
}

caf::error make_error(ec code, std::string context) {
  if (context.empty())
    return caf::error{static_cast<uint8_t>(code), error_category};
  return caf::error{static_cast<uint8_t>(code), error_category,
                    caf::make_message(std::move(context))};
}

caf::error make_error(ec code, std::string field, const std::string& what) {
  auto context = field + ": " + what;
  return caf::error{static_cast<uint8_t>(code), error_category,
                    caf::make_message(std::move(context), std::move(field))};
}

std::string field_of(const caf::error& err) {
  auto& ctx = err.context();
  if (ctx.match_elements<std::string, std::string>())
    return ctx.get_as<std::string>(1);
  return {};
}

std::string context_of(const caf::error& err) {
  auto& ctx = err.context();
  if (ctx.match_elements<std::string>()
      || ctx.match_elements<std::string, std::string>())
    return ctx.get_as<std::string>(0);
  return {};
}

ec code_of(const caf::error& err) {
  if (!err || err.category() != error_category)
    return ec::none;
  return static_cast<ec>(err.code());
}

std::string describe(const caf::error& err) {
  if (!err)
    return "none";
  std::string result;
  if (err.category() == error_category)
    result = to_string(static_cast<ec>(err.code()));
  else if (err.category() == caf::atom("system"))
    result = to_string(static_cast<caf::sec>(err.code()));
  else
    result = to_string(err.category()) + ":" + std::to_string(err.code());
  auto& ctx = err.context();
  if (auto line = context_of(err); !line.empty()) {
    result += ": ";
    result += line;
  } else if (!ctx.empty()) {
    result += ": ";
    result += to_string(ctx);
  }
  return result;
}

} // namespace av
