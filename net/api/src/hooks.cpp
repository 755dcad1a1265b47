#include "av/api/hooks.hpp"

#include "av/base/text.hpp"

#include <algorithm>
#include <cctype>

namespace av {

namespace {

using json = nlohmann::json;

/// Events of Claude Code's hooks (JSON on the hook command's stdin).
constexpr const char* claude_events[]
  = {"PreToolUse",   "PostToolUse",  "Notification", "UserPromptSubmit", "Stop",
     "SubagentStop", "SessionStart", "SessionEnd",   "PreCompact"};

/// Events of claude-flow's hooks (their flags as JSON fields).
constexpr const char* flow_events[]
  = {"pre-task",      "post-task",       "pre-edit",         "post-edit",
     "pre-command",   "post-command",    "pre-bash",         "post-bash",
     "post-search",   "notify",          "session-end",      "session-restore",
     "agent-spawned", "mcp-initialized", "task-orchestrated"};

/// Longest description and output kept from a hook.
constexpr size_t max_description = 1024;
constexpr size_t max_output = 4096;

bool claude_event(const std::string& event) {
  return std::find(std::begin(claude_events), std::end(claude_events), event)
         != std::end(claude_events);
}

std::string text(const json& x, const char* key) {
  auto i = x.find(key);
  if (i == x.end())
    return {};
  if (i->is_string())
    return i->get<std::string>();
  if (i->is_number() || i->is_boolean())
    return i->dump();
  return {};
}

/// Cuts at `n` bytes without splitting a UTF-8 sequence.
std::string clip(std::string x, size_t n) {
  if (x.size() <= n)
    return x;
  while (n > 0 && (static_cast<unsigned char>(x[n]) & 0xC0) == 0x80)
    --n;
  x.resize(n);
  return x;
}

/// Agent names are ids of sorts: keep them short and printable.
std::string safe_name(const std::string& x) {
  std::string result;
  for (char c : x)
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_'
        || c == '.')
      result.push_back(c);
  return result.substr(0, 64);
}

/// What a tool call is about, for the task's description.
std::string tool_summary(const json& body) {
  auto tool = text(body, "tool_name");
  auto input = body.find("tool_input");
  std::string what;
  if (input != body.end() && input->is_object())
    for (auto key : {"command", "file_path", "path", "pattern", "url",
                     "description", "prompt"})
      if (what.empty())
        what = text(*input, key);
  return clip(what.empty() ? tool : tool + ": " + what, max_description);
}

/// Whether a tool's response says it failed.
bool tool_succeeded(const json& body) {
  auto r = body.find("tool_response");
  if (r == body.end() || !r->is_object())
    return true;
  if (auto i = r->find("success"); i != r->end() && i->is_boolean())
    return i->get<bool>();
  if (auto i = r->find("is_error"); i != r->end() && i->is_boolean())
    return !i->get<bool>();
  if (auto i = r->find("interrupted");
      i != r->end() && i->is_boolean() && i->get<bool>())
    return false;
  return r->find("error") == r->end() || (*r)["error"].is_null();
}

/// The subagent a `Task` tool call runs; `use` identifies the call.
hook_plan::subagent_plan subagent_of(const json& body,
                                     const std::string& session,
                                     const std::string& use) {
  hook_plan::subagent_plan sub;
  sub.name = "subagent-" + use;
  sub.task_id = "task-" + use;
  std::string kind;
  if (auto input = body.find("tool_input");
      input != body.end() && input->is_object()) {
    kind = safe_name(text(*input, "subagent_type"));
    sub.description = clip(text(*input, "description"), max_description);
  }
  sub.metadata = json{
    {"source", "claude-code"}, {"session", session}, {"subagentType", kind}};
  return sub;
}

parsed<hook_plan> claude_plan(const std::string& event, const json& body) {
  hook_plan plan;
  plan.event = event;
  auto session = safe_name(text(body, "session_id"));
  if (session.empty())
    return field_error("session_id", "required");
  plan.agent_name = "session-" + session;
  plan.agent_type = "claude-code";
  plan.agent_metadata = json{{"source", "claude-code"},
                             {"session", session},
                             {"cwd", clip(text(body, "cwd"), 1024)}};
  if (event == "PreToolUse" || event == "PostToolUse") {
    auto tool = safe_name(text(body, "tool_name"));
    if (tool.empty())
      return field_error("tool_name", "required");
    auto use = safe_name(text(body, "tool_use_id"));
    if (use.empty()) {
      auto input = body.find("tool_input");
      // A digest pairs a PostToolUse with its PreToolUse when the payload
      // has no `tool_use_id`.
      use = hex_digest(input == body.end() ? std::string{} : input->dump());
    }
    plan.task_id = "tool-" + tool + "-" + use;
    plan.task_kind = "tool";
    if (tool == "Task")
      plan.subagent = subagent_of(body, session, use);
    if (event == "PreToolUse") {
      plan.what = hook_plan::action::start_task;
      plan.description = tool_summary(body);
    } else {
      plan.what = hook_plan::action::finish_task;
      plan.success = tool_succeeded(body);
      if (auto r = body.find("tool_response"); r != body.end())
        plan.output = clip(r->is_string() ? r->get<std::string>() : r->dump(),
                           max_output);
    }
  }
  return plan;
}

parsed<hook_plan> flow_plan(const std::string& event, const json& body) {
  hook_plan plan;
  plan.event = event;
  auto who = safe_name(text(body, "agentId"));
  if (who.empty())
    who = safe_name(text(body, "sessionId"));
  plan.agent_name = who.empty() ? "claude-flow" : "flow-" + who;
  plan.agent_type = "claude-flow";
  plan.agent_metadata = json{{"source", "claude-flow"}};
  if (event == "pre-task" || event == "post-task") {
    auto id = safe_name(text(body, "taskId"));
    if (id.empty())
      return field_error("taskId", "required");
    plan.task_id = "task-" + id;
    if (event == "pre-task") {
      plan.what = hook_plan::action::start_task;
      plan.description = clip(text(body, "description"), max_description);
    } else {
      plan.what = hook_plan::action::finish_task;
      if (auto i = body.find("success"); i != body.end() && i->is_boolean())
        plan.success = i->get<bool>();
      plan.output = clip(text(body, "output"), max_output);
    }
  }
  return plan;
}

} // namespace

bool known_hook_event(const std::string& event) {
  return claude_event(event)
         || std::find(std::begin(flow_events), std::end(flow_events), event)
              != std::end(flow_events);
}

parsed<hook_plan> hook_plan_from_json(const std::string& event,
                                      const json& body) {
  if (!known_hook_event(event))
    return field_error("event",
                       "unknown hook event \"" + clip(event, 64) + "\"");
  if (!body.is_object())
    return field_error("body", "expected a JSON object");
  return claude_event(event) ? claude_plan(event, body)
                             : flow_plan(event, body);
}

} // namespace av
