#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "av/api/routes.hpp"
#include "av/mcp/settings.hpp"
#include "av/mcp/training.hpp"
#include "av/memory_store.hpp"
#include "swarms.hpp"

/// The MCP tools: each one does its work through the node's actors, mostly
/// by running the REST handlers of the HTTP API in-process, so both speak
/// the same JSON and enforce the same rules.
namespace av::mcp {

using json = nlohmann::json;

/// What a tool call ends with: structured content, or an error text the
/// calling model can act on.
struct tool_result {
  bool is_error = false;
  json structured;
  /// The structured content already serialized (a REST handler's body
  /// passed on unchanged); used instead of `structured` when not empty.
  std::string raw;
  std::string text;
  /// For metrics and the `tool.called` event: ok, error, invalid, denied,
  /// rate_limited, busy or timeout.
  std::string outcome = "ok";

  static tool_result ok(json x) {
    tool_result r;
    r.structured = std::move(x);
    return r;
  }

  static tool_result ok_raw(std::string text) {
    tool_result r;
    r.raw = std::move(text);
    return r;
  }

  /// The failure of a request to an actor, as the REST API words it.
  static tool_result from(const caf::error& err);

  static tool_result fail(std::string text, std::string outcome = "error") {
    tool_result r;
    r.is_error = true;
    r.text = std::move(text);
    r.outcome = std::move(outcome);
    return r;
  }
};

/// Called once with the result, from any thread.
using tool_done = std::function<void(tool_result)>;

/// What tools reach the node through.
struct tool_env {
  /// The actors, with `timeout` set to the tool's timeout.
  http::api_env api;
  /// The REST handlers.
  std::shared_ptr<const http::router> routes;
  memory_store_ptr memory;
  std::shared_ptr<swarm_book> swarms;
  std::shared_ptr<training_log> training;
  /// The calling tool's limits.
  tool_settings limits;
  /// The call's span when it is traced: the actors the tool reaches record
  /// their work as its children (work_under, api_call::set_trace).
  std::optional<tracing::context> trace;
};

struct tool {
  std::string name;
  std::string description;
  json input_schema;
  json output_schema;
  /// Control tools change the node; read tools only look.
  bool control = false;
  std::function<void(const tool_env&, const json& args, tool_done)> run;
  /// Whether PostgreSQL keeps what the control tool changes: its answer
  /// then waits for the commit.
  bool persisted = true;
};

/// Every tool, in the order tools/list shows them.
const std::vector<tool>& catalog();

/// The tool called `name` or one of its aliases (the seed's
/// `multi-agent_init`, `coordinate_multi-agent_formation`); null when none.
const tool* find_tool(const std::string& name);

// -- running the REST handlers ------------------------------------------------

/// A REST answer: HTTP status and JSON body.
struct rest_reply {
  int status = 0;
  json body;

  bool ok() const { return status >= 200 && status < 300; }

  /// The error message of a failed answer, for the tool's error text.
  std::string error_text() const;

  /// The tool result of a failed answer.
  tool_result failure() const {
    return tool_result::fail(error_text(), status == 504 ? "timeout" : "error");
  }
};

/// The REST handlers, bound to `api` (whose timeout bounds each of their
/// requests to the actors).
std::shared_ptr<const http::router> make_routes(const http::api_env& api);

/// Runs the REST handler for `method path` with `query` and `body`; `k`
/// receives its answer on an actor thread.
void rest(const tool_env& env, http::verb method, const std::string& path,
          http::param_list query, json body, std::function<void(rest_reply)> k);

/// Runs the REST handler; `k` receives its status and body as written.
void rest_text(const tool_env& env, http::verb method, const std::string& path,
               http::param_list query, json body,
               std::function<void(int, std::string)> k);

/// Runs one REST call and ends the tool with its body, unchanged and not
/// parsed again, or the error.
void rest_pass(const tool_env& env, http::verb method, const std::string& path,
               http::param_list query, json body, tool_done done);

/// Runs one REST call and ends the tool with `shape(body)` or the error.
void rest_then(const tool_env& env, http::verb method, const std::string& path,
               http::param_list query, json body, tool_done done,
               std::function<json(json&)> shape);

/// Runs `f(i, next)` for i in [0, n) one after the other; `next(false)`
/// stops early. Then calls `finish(completed)`.
void sequence(size_t n,
              std::function<void(size_t, std::function<void(bool)>)> f,
              std::function<void(bool)> finish);

/// Percent-encodes one path segment (agent names may hold anything).
std::string segment(const std::string& x);

/// An agent reference from arguments (numeric id, UUID or name) as text.
std::string agent_key(const json& x);

// -- the tools, by area -------------------------------------------------------

void add_agent_tools(std::vector<tool>& out);
void add_swarm_tools(std::vector<tool>& out);
void add_memory_tools(std::vector<tool>& out);
void add_neural_tools(std::vector<tool>& out);

} // namespace av::mcp
