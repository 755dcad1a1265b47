#include "tool.hpp"

#include <atomic>

#include "av/base/percent_encoding.hpp"

namespace av::mcp {

tool_result tool_result::from(const caf::error& err) {
  auto api = http::from_caf(err);
  return fail(api.message,
              api.code == http::status::gateway_timeout ? "timeout" : "error");
}

std::string rest_reply::error_text() const {
  if (body.is_object() && body.contains("error") && body["error"].is_object()) {
    auto& err = body["error"];
    auto msg = err.value("message", std::string{"failed"});
    return msg;
  }
  return "the node answered " + std::to_string(status);
}

std::string segment(const std::string& x) {
  return detail::percent_encode(x);
}

std::string agent_key(const json& x) {
  // The schema admits 3.0 as an integer.
  if (x.is_number())
    return std::to_string(x.get<int64_t>());
  return x.is_string() ? x.get<std::string>() : std::string{};
}

std::shared_ptr<const http::router> make_routes(const http::api_env& api) {
  auto routes = std::make_shared<http::router>();
  http::add_api_routes(*routes, api);
  return routes;
}

void rest_text(const tool_env& env, http::verb method, const std::string& path,
               http::param_list query, json body,
               std::function<void(int, std::string)> k) {
  // Paths are made by the tools, their segments percent-encoded.
  std::vector<std::string> segments;
  http::param_list in_path;
  if (!http::parse_target(path, segments, in_path))
    return k(400,
             http::dump(json{{"error", {{"message", "bad path " + path}}}}));
  auto found = env.routes->find(method, segments);
  if (!found.hit)
    return k(
      404, http::dump(json{{"error", {{"message", "no route for " + path}}}}));
  auto send = [k](http::reply x) {
    k(static_cast<int>(x.code), std::move(x.body));
  };
  http::api_call call{std::move(found.params), std::move(query),
                      std::move(body), send};
  call.set_trace(env.trace);
  try {
    found.hit->fn(call);
  } catch (const std::exception&) {
    call.fail(http::internal_error());
  }
}

void rest(const tool_env& env, http::verb method, const std::string& path,
          http::param_list query, json body,
          std::function<void(rest_reply)> k) {
  rest_text(env, method, path, std::move(query), std::move(body),
            [k](int status, std::string text) {
              rest_reply r{status, json::parse(text, nullptr, false)};
              if (r.body.is_discarded())
                r.body = json::object();
              k(std::move(r));
            });
}

void rest_pass(const tool_env& env, http::verb method, const std::string& path,
               http::param_list query, json body, tool_done done) {
  rest_text(env, method, path, std::move(query), std::move(body),
            [done](int status, std::string text) {
              if (status >= 200 && status < 300)
                return done(tool_result::ok_raw(std::move(text)));
              rest_reply r{status, json::parse(text, nullptr, false)};
              done(r.failure());
            });
}

void rest_then(const tool_env& env, http::verb method, const std::string& path,
               http::param_list query, json body, tool_done done,
               std::function<json(json&)> shape) {
  rest(env, method, path, std::move(query), std::move(body),
       [done, shape](rest_reply r) {
         if (!r.ok())
           return done(r.failure());
         done(tool_result::ok(shape(r.body)));
       });
}

void sequence(size_t n,
              std::function<void(size_t, std::function<void(bool)>)> f,
              std::function<void(bool)> finish) {
  auto step = std::make_shared<std::function<void(size_t)>>();
  // The step refers to itself weakly; the continuation handed to `f` keeps
  // it alive until the sequence ends.
  std::weak_ptr<std::function<void(size_t)>> weak = step;
  *step = [n, f, finish, weak](size_t i) {
    if (i >= n)
      return finish(true);
    auto self = weak.lock();
    f(i, [self, i, finish](bool go_on) {
      if (go_on)
        (*self)(i + 1);
      else
        finish(false);
    });
  };
  (*step)(0);
}

const std::vector<tool>& catalog() {
  static const std::vector<tool> tools = [] {
    std::vector<tool> result;
    add_agent_tools(result);
    add_swarm_tools(result);
    add_memory_tools(result);
    add_neural_tools(result);
    return result;
  }();
  return tools;
}

const tool* find_tool(const std::string& name) {
  std::string canonical = name;
  if (name == "multi-agent_init")
    canonical = "swarm_init";
  else if (name == "coordinate_multi-agent_formation")
    canonical = "coordinate_swarm_formation";
  for (auto& t : catalog())
    if (t.name == canonical)
      return &t;
  return nullptr;
}

} // namespace av::mcp
