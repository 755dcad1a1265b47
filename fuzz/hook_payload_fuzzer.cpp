// libFuzzer target over hook ingestion (docs/integrations.md): the payload
// a Claude Code or claude-flow hook posts to /api/hooks/{event}, mapped to
// what the node does. Input: the event name, a newline, the JSON body. A
// plan must keep the documented bounds and be valid UTF-8 throughout, as
// the stores and the event stream write it as JSON.
#include <cstddef>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "av/api/hooks.hpp"

namespace {

void check(bool ok) {
  if (!ok)
    __builtin_trap();
}

/// Throws for invalid UTF-8, as a strict writer would.
void strict_dump(const av::hook_plan& x) {
  nlohmann::json doc{{"event", x.event},
                     {"name", x.agent_name},
                     {"type", x.agent_type},
                     {"metadata", x.agent_metadata},
                     {"task", x.task_id},
                     {"kind", x.task_kind},
                     {"description", x.description},
                     {"output", x.output}};
  if (x.subagent)
    doc["subagent"] = {{"name", x.subagent->name},
                       {"type", x.subagent->type},
                       {"metadata", x.subagent->metadata},
                       {"task", x.subagent->task_id},
                       {"description", x.subagent->description}};
  (void)doc.dump();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input{reinterpret_cast<const char*>(data), size};
  auto nl = input.find('\n');
  if (nl == std::string_view::npos)
    return 0;
  std::string event{input.substr(0, nl)};
  auto body = nlohmann::json::parse(input.substr(nl + 1), nullptr, false);
  if (body.is_discarded())
    return 0;
  auto plan = av::hook_plan_from_json(event, body);
  if (!plan)
    return 0;
  check(plan->event == event && av::known_hook_event(event));
  check(plan->description.size() <= 1024 && plan->output.size() <= 4096);
  strict_dump(*plan);
  return 0;
}
