#define CAF_SUITE net.http_hooks
#include "caf/test/unit_test.hpp"
#include "caf_checks.hpp"

#include <fstream>
#include <iterator>

#include "../api_fixture.hpp"

using namespace av;
using namespace av::test;
using json = nlohmann::json;

namespace {

/// The text of a fixture under tests/net/api/hooks/.
std::string fixture(const std::string& name) {
  std::ifstream in{std::string{AV_SOURCE_DIR} + "/tests/net/api/hooks/" + name};
  if (!in)
    CAF_FAIL("missing fixture " << name);
  return std::string{std::istreambuf_iterator<char>{in}, {}};
}

struct hooks_fixture : api_fixture {
  hooks_fixture() : api_fixture(test_settings()) {
    // nop
  }

  explicit hooks_fixture(config::settings cfg) : api_fixture(std::move(cfg)) {
    // nop
  }

  http_result hook(const std::string& event, const std::string& file,
                   http_client::headers_t headers = {}) {
    return client.request(verb::post, "/api/hooks/" + event, fixture(file),
                          std::move(headers));
  }
};

constexpr const char* session_agent = "/api/agents/session-5f0c2a9e-hooks-test";

} // namespace

CAF_TEST_FIXTURE_SCOPE(http_hooks_tests, hooks_fixture)

CAF_TEST(a claude code session becomes an agent with tool tasks) {
  auto res = hook("SessionStart", "session_start.json");
  CAF_REQUIRE_EQUAL(res.status, 200);
  CAF_CHECK_EQUAL(res.json["event"], "SessionStart");
  CAF_CHECK_EQUAL(res.json["agent"]["name"], "session-5f0c2a9e-hooks-test");
  auto agent = get(session_agent);
  CAF_REQUIRE_EQUAL(agent.status, 200);
  CAF_CHECK_EQUAL(agent.json["type"], "claude-code");
  CAF_CHECK_EQUAL(agent.json["provenance"], "measured");
  CAF_CHECK_EQUAL(agent.json["metadata"]["cwd"], "/home/dev/demo");
  CAF_CHECK_EQUAL(agent.json["state"], "IDLE");
  CAF_CHECK_EQUAL(hook("UserPromptSubmit", "user_prompt_submit.json").status,
                  200);
  res = hook("PreToolUse", "pre_tool_use.json");
  CAF_REQUIRE_EQUAL(res.status, 200);
  CAF_CHECK_EQUAL(res.json["task"]["id"], "tool-Bash-toolu_01AbC");
  CAF_CHECK_EQUAL(res.json["task"]["started"], true);
  agent = get(session_agent);
  CAF_CHECK_EQUAL(agent.json["state"], "BUSY");
  CAF_CHECK_EQUAL(agent.json["currentTask"], "tool-Bash-toolu_01AbC");
  res = hook("PostToolUse", "post_tool_use.json");
  CAF_REQUIRE_EQUAL(res.status, 200);
  CAF_CHECK_EQUAL(res.json["task"]["completed"], true);
  CAF_CHECK_EQUAL(res.json["task"]["success"], true);
  agent = get(session_agent);
  CAF_CHECK_EQUAL(agent.json["state"], "IDLE");
  CAF_CHECK_EQUAL(agent.json["tasksCompleted"], 1);
  // Without a tool_use_id, the tool input pairs the two events; a failed
  // tool fails the task. Unknown fields are ignored.
  res = hook("PreToolUse", "pre_tool_use_write.json");
  CAF_CHECK_EQUAL(res.json["task"]["started"], true);
  res = hook("PostToolUse", "post_tool_use_write_failed.json");
  CAF_CHECK_EQUAL(res.status, 200);
  CAF_CHECK_EQUAL(res.json["task"]["completed"], true);
  CAF_CHECK_EQUAL(res.json["task"]["success"], false);
  agent = get(session_agent);
  CAF_CHECK_EQUAL(agent.json["tasksFailed"], 1);
  for (auto [event, file] : {std::pair{"Notification", "notification.json"},
                             std::pair{"SubagentStop", "subagent_stop.json"},
                             std::pair{"Stop", "stop.json"}}) {
    res = hook(event, file);
    CAF_CHECK_EQUAL(res.status, 200);
    CAF_CHECK_EQUAL(res.json["agent"]["name"], "session-5f0c2a9e-hooks-test");
  }
  // One agent for the whole session.
  auto page = get("/api/agents?type=claude-code");
  CAF_CHECK_EQUAL(page.json["total"], 1);
}

CAF_TEST(a task tool call runs a subagent of its own) {
  constexpr const char* subagent = "/api/agents/subagent-toolu_01Task";
  CAF_REQUIRE_EQUAL(hook("SessionStart", "session_start.json").status, 200);
  auto res = hook("PreToolUse", "pre_tool_use_task.json");
  CAF_REQUIRE_EQUAL(res.status, 200);
  CAF_CHECK_EQUAL(res.json["task"]["started"], true);
  CAF_CHECK_EQUAL(res.json["subagent"]["done"], true);
  CAF_CHECK_EQUAL(res.json["subagent"]["name"], "subagent-toolu_01Task");
  auto sub = get(subagent);
  CAF_REQUIRE_EQUAL(sub.status, 200);
  CAF_CHECK_EQUAL(sub.json["type"], "claude-subagent");
  CAF_CHECK_EQUAL(sub.json["provenance"], "measured");
  CAF_CHECK_EQUAL(sub.json["state"], "BUSY");
  CAF_CHECK_EQUAL(sub.json["currentTask"], "task-toolu_01Task");
  CAF_CHECK_EQUAL(sub.json["metadata"]["subagentType"], "code-reviewer");
  CAF_CHECK_EQUAL(sub.json["metadata"]["session"], "5f0c2a9e-hooks-test");
  // The session asked the subagent, and waits on its tool call.
  CAF_CHECK_EQUAL(sub.json["messagesReceived"], 1);
  auto session = get(session_agent);
  CAF_CHECK_EQUAL(session.json["messagesSent"], 1);
  CAF_CHECK_EQUAL(session.json["state"], "BUSY");
  res = hook("PostToolUse", "post_tool_use_task.json");
  CAF_REQUIRE_EQUAL(res.status, 200);
  CAF_CHECK_EQUAL(res.json["task"]["completed"], true);
  CAF_CHECK_EQUAL(res.json["subagent"]["done"], true);
  // The subagent answered and ended.
  session = get(session_agent);
  CAF_CHECK_EQUAL(session.json["messagesReceived"], 1);
  CAF_CHECK_EQUAL(session.json["state"], "IDLE");
  sub = get(subagent);
  CAF_CHECK(sub.status == 404 || sub.json["state"] == "TERMINATED");
  // A second PostToolUse finds no subagent: reported, not failed.
  res = hook("PostToolUse", "post_tool_use_task.json");
  CAF_CHECK_EQUAL(res.status, 200);
  CAF_CHECK_EQUAL(res.json["subagent"]["done"], false);
}

CAF_TEST(a post without its pre is reported not failed) {
  auto res = hook("PostToolUse", "post_tool_use.json");
  CAF_CHECK_EQUAL(res.status, 200);
  CAF_CHECK_EQUAL(res.json["task"]["completed"], false);
  CAF_CHECK(res.json["task"]["reason"].is_string());
}

CAF_TEST(claude flow hooks drive tasks of their agent) {
  auto res = hook("pre-task", "flow_pre_task.json");
  CAF_REQUIRE_EQUAL(res.status, 200);
  CAF_CHECK_EQUAL(res.json["agent"]["name"], "flow-coder-1");
  CAF_CHECK_EQUAL(res.json["task"]["id"], "task-build-api");
  auto busy = get("/api/agents/flow-coder-1");
  CAF_CHECK_EQUAL(busy.json["state"], "BUSY");
  CAF_CHECK_EQUAL(hook("post-edit", "flow_post_edit.json").status, 200);
  CAF_CHECK_EQUAL(hook("notify", "flow_notify.json").status, 200);
  res = hook("post-task", "flow_post_task.json");
  CAF_CHECK_EQUAL(res.json["task"]["completed"], true);
  auto agent = get("/api/agents/flow-coder-1");
  CAF_CHECK_EQUAL(agent.json["state"], "IDLE");
  CAF_CHECK_EQUAL(agent.json["type"], "claude-flow");
  CAF_CHECK_EQUAL(agent.json["tasksCompleted"], 1);
  res = hook("session-end", "flow_session_end.json");
  CAF_CHECK_EQUAL(res.status, 200);
  CAF_CHECK_EQUAL(res.json["agent"]["name"], "claude-flow");
}

CAF_TEST(bad hooks are refused) {
  auto res = client.request(verb::post, "/api/hooks/PreToolUse", "not json");
  CAF_CHECK_EQUAL(res.status, 400);
  CAF_CHECK_EQUAL(code(res), "invalid_json");
  res = client.request(verb::post, "/api/hooks/PreToolUse", "[1, 2]");
  CAF_CHECK_EQUAL(res.status, 400);
  res = post("/api/hooks/PreToolUse", {{"tool_name", "Bash"}});
  CAF_CHECK_EQUAL(res.status, 400);
  CAF_CHECK_EQUAL(field(res), "session_id");
  res = post("/api/hooks/PreToolUse", {{"session_id", "s"}});
  CAF_CHECK_EQUAL(res.status, 400);
  CAF_CHECK_EQUAL(field(res), "tool_name");
  res = post("/api/hooks/pre-task", {{"description", "no id"}});
  CAF_CHECK_EQUAL(res.status, 400);
  CAF_CHECK_EQUAL(field(res), "taskId");
  res = post("/api/hooks/Teleport", {{"session_id", "s"}});
  CAF_CHECK_EQUAL(res.status, 404);
  CAF_CHECK_EQUAL(code(res), "unknown_hook");
  CAF_CHECK_EQUAL(get("/api/hooks/Stop").status, 405);
}

CAF_TEST_FIXTURE_SCOPE_END()

CAF_TEST(hooks need credentials like other writes) {
  auto cfg = test_settings();
  cfg.api_key = "hooks-test-key";
  hooks_fixture f{cfg};
  auto res = f.hook("SessionStart", "session_start.json");
  CAF_CHECK_EQUAL(res.status, 401);
  res = f.hook("SessionStart", "session_start.json",
               {{"Authorization", "Bearer hooks-test-key"}});
  CAF_CHECK_EQUAL(res.status, 200);
}
