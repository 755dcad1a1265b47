#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "av/base/parsed.hpp"

/// Hook ingestion (docs/integrations.md): turns the JSON a Claude Code or
/// claude-flow hook posts to `/api/hooks/{event}` into what the node does.
namespace av {

/// What one hook event asks of the node.
struct hook_plan {
  enum class action {
    /// Only make sure the agent exists.
    none,
    /// Assign `task_id` to the agent (it becomes BUSY).
    start_task,
    /// Complete `task_id` with `success` and `output`.
    finish_task,
  };

  /// The event as named in the path, e.g. `PreToolUse` or `post-task`.
  std::string event;
  /// The agent the event belongs to, created on first sight.
  std::string agent_name;
  std::string agent_type;
  /// Where the agent came from, as its metadata (`{"source", "session",
  /// "cwd"}`).
  nlohmann::json agent_metadata;
  action what = action::none;
  std::string task_id;
  /// `tool` for tool calls, `work` otherwise.
  std::string task_kind = "work";
  std::string description;
  bool success = true;
  std::string output;

  /// A subagent of Claude Code's `Task` tool: an agent of its own, named
  /// after the tool call, with one task. PreToolUse starts it (the session
  /// sends it a `request` message), PostToolUse ends it (it answers with an
  /// `inform` message and is terminated).
  struct subagent_plan {
    std::string name;
    std::string type = "claude-subagent";
    nlohmann::json metadata;
    std::string task_id;
    std::string description;
  };

  std::optional<subagent_plan> subagent;
};

/// Whether `event` is a hook event the node knows.
bool known_hook_event(const std::string& event);

/// Maps a hook payload; unknown fields are ignored. Fails for an unknown
/// event or a payload without what the event needs (`session_id` for Claude
/// Code events).
parsed<hook_plan> hook_plan_from_json(const std::string& event,
                                      const nlohmann::json& body);

} // namespace av
