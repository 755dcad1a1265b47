#include "engine.hpp"

#include <algorithm>
#include <map>

#include <openssl/rand.h>

#include "av/api/json_text.hpp"
#include "av/base/log.hpp"
#include "av/mcp/schema_check.hpp"
#include "av/net/auth.hpp"
#include "av/telemetry/tracing.hpp"

namespace av::mcp {

namespace {

using clock = std::chrono::steady_clock;

/// 32 random bytes as hex: visible ASCII, not guessable.
std::string random_id() {
  unsigned char bytes[32];
  if (RAND_bytes(bytes, sizeof(bytes)) != 1)
    throw std::runtime_error("no randomness for a session id");
  static constexpr char hex[] = "0123456789abcdef";
  std::string result;
  for (auto b : bytes) {
    result += hex[b >> 4];
    result += hex[b & 15];
  }
  return result;
}

json tool_json(const tool& t) {
  return json{{"name", t.name},
              {"description", t.description},
              {"inputSchema", t.input_schema},
              {"outputSchema", t.output_schema},
              {"annotations", {{"readOnlyHint", !t.control}}}};
}

answer of(const json& x) {
  return answer{http::dump(x), x.contains("error")};
}

/// The answer to tools/call, written out directly: the structured content
/// is serialized once and appears twice, raw and as the text block's string.
std::string call_answer(const json& id, const tool_result& res) {
  if (res.is_error)
    return http::dump(rpc::result(
      id, json{{"content", {{{"type", "text"}, {"text", res.text}}}},
               {"isError", true}}));
  auto structured = res.raw.empty() ? http::dump(res.structured) : res.raw;
  std::string out;
  out.reserve(2 * structured.size() + structured.size() / 4 + 128);
  out += R"({"jsonrpc":"2.0","id":)";
  out += http::dump(id);
  out += R"(,"result":{"content":[{"type":"text","text":)";
  append_quoted(out, structured);
  out += R"(}],"structuredContent":)";
  out += structured;
  out += R"(,"isError":false}})";
  return out;
}

} // namespace

const std::vector<std::string>& engine::versions() {
  static const std::vector<std::string> xs{"2025-11-25", "2025-06-18",
                                           "2025-03-26"};
  return xs;
}

engine::engine(tool_env base, settings cfg, std::shared_ptr<telemetry> tel)
  : base_(std::move(base)), cfg_(std::move(cfg)), tel_(std::move(tel)),
    limiter_(cfg_.rate_max_calls, cfg_.rate_window),
    deadlines_(*base_.api.sys) {
  // Tools that share a timeout share a router.
  std::map<int64_t, std::shared_ptr<const http::router>> by_timeout;
  for (auto& t : catalog()) {
    in_flight_.emplace(t.name, std::make_unique<std::atomic<uint32_t>>(0));
    auto api = base_.api;
    if (auto ms = cfg_.tool(t.name).timeout_ms; ms > 0)
      api.timeout = std::chrono::milliseconds{ms};
    auto& routes = by_timeout[api.timeout.count()];
    if (!routes)
      routes = make_routes(api);
    routes_.emplace(t.name, routes);
  }
}

void engine::handle(const rpc::message& msg, const caller& who,
                    reply_fn reply) {
  if (msg.kind == rpc::kind::invalid)
    return reply(of(rpc::error(msg.id, rpc::invalid_request, msg.error)));
  if (msg.kind != rpc::kind::request) {
    // notifications/initialized, cancellations and answers need nothing.
    return reply(answer{});
  }
  if (msg.method == "initialize")
    return reply(of(initialize(msg, who)));
  if (msg.method == "ping")
    return reply(of(rpc::result(msg.id, json::object())));
  if (msg.method == "tools/list")
    return reply(of(list_tools(msg)));
  if (msg.method == "logging/setLevel")
    return reply(of(set_log_level(msg, who)));
  if (msg.method == "tools/call")
    return call_tool(msg, who, std::move(reply));
  reply(of(rpc::error(msg.id, rpc::method_not_found,
                      "Method not found: " + msg.method)));
}

json engine::initialize(const rpc::message& msg, const caller& who) {
  auto& p = msg.params;
  auto v = p.find("protocolVersion");
  if (v == p.end() || !v->is_string())
    return rpc::error(msg.id, rpc::invalid_params,
                      "params.protocolVersion: expected a string");
  // The client's revision when we speak it, else our newest.
  auto version = versions().front();
  for (auto& x : versions())
    if (x == v->get<std::string>())
      version = x;
  std::string client = "unknown";
  if (auto info = p.find("clientInfo"); info != p.end() && info->is_object())
    client = info->value("name", client).substr(0, 64);
  {
    std::lock_guard<std::mutex> guard{mtx_};
    if (auto i = sessions_.find(who.session); i != sessions_.end()) {
      i->second.client = client;
      i->second.version = version;
    }
  }
  return rpc::result(
    msg.id,
    json{{"protocolVersion", version},
         {"capabilities",
          {{"tools", {{"listChanged", false}}}, {"logging", json::object()}}},
         {"serverInfo",
          {{"name", "agent-visualizer"},
           {"title", "Agent Visualizer"},
           {"version", AV_VERSION}}},
         {"instructions",
          "Tools act on the live agents of an Agent Visualizer node; every "
          "call shows up at once in its event stream and dashboard."}});
}

const std::vector<std::string>& engine::log_levels() {
  static const std::vector<std::string> xs{"debug",   "info",     "notice",
                                           "warning", "error",    "critical",
                                           "alert",   "emergency"};
  return xs;
}

json engine::set_log_level(const rpc::message& msg, const caller& who) {
  auto& xs = log_levels();
  auto v = msg.params.find("level");
  auto i = v != msg.params.end() && v->is_string()
             ? std::find(xs.begin(), xs.end(), v->get<std::string>())
             : xs.end();
  if (i == xs.end())
    return rpc::error(msg.id, rpc::invalid_params,
                      "params.level: expected debug, info, notice, warning, "
                      "error, critical, alert or emergency");
  std::lock_guard<std::mutex> guard{mtx_};
  if (auto s = sessions_.find(who.session); s != sessions_.end())
    s->second.log_level = static_cast<size_t>(i - xs.begin());
  return rpc::result(msg.id, json::object());
}

json engine::list_tools(const rpc::message& msg) {
  size_t start = 0;
  if (auto c = msg.params.find("cursor"); c != msg.params.end()) {
    auto text = c->is_string() ? c->get<std::string>() : std::string{};
    char* end = nullptr;
    start = std::strtoul(text.c_str(), &end, 10);
    if (text.empty() || *end != '\0' || start >= catalog().size())
      return rpc::error(msg.id, rpc::invalid_params,
                        "params.cursor: not a cursor from tools/list");
  }
  json tools = json::array();
  size_t i = start;
  for (; i < catalog().size() && tools.size() < cfg_.tools_page_size; ++i)
    if (cfg_.tool(catalog()[i].name).enabled)
      tools.push_back(tool_json(catalog()[i]));
  json result{{"tools", std::move(tools)}};
  if (i < catalog().size())
    result["nextCursor"] = std::to_string(i);
  return rpc::result(msg.id, std::move(result));
}

void engine::call_tool(const rpc::message& msg, const caller& who,
                       reply_fn reply) {
  auto started = clock::now();
  auto& p = msg.params;
  auto name = p.find("name");
  if (name == p.end() || !name->is_string())
    return reply(of(rpc::error(msg.id, rpc::invalid_params,
                               "params.name: expected a tool name")));
  auto t = find_tool(name->get<std::string>());
  if (!t || !cfg_.tool(t->name).enabled)
    return reply(of(rpc::error(msg.id, rpc::invalid_params,
                               "Unknown tool: " + name->get<std::string>())));
  json args = json::object();
  if (auto a = p.find("arguments"); a != p.end() && !a->is_null()) {
    if (!a->is_object())
      return reply(of(rpc::error(msg.id, rpc::invalid_params,
                                 "params.arguments: expected an object")));
    args = *a;
  }
  auto limits = cfg_.tool(t->name);
  auto client = client_of(who.session);
  auto id = msg.id;
  // OpenTelemetry's MCP conventions carry the caller's trace context in
  // params._meta.
  std::string traceparent;
  if (auto meta = p.find("_meta"); meta != p.end() && meta->is_object())
    if (auto tp = meta->find("traceparent");
        tp != meta->end() && tp->is_string())
      traceparent = tp->get<std::string>();
  auto trace = tracing::begin_server(traceparent);
  auto end
    = [this, t, client, started, trace, id, reply](const tool_result& res) {
        finish(*t, client, started, trace, res, id, reply);
      };
  // Pre-execution hooks: permissions, then the rate limit.
  bool control = limits.scope.empty() ? t->control : limits.scope == "control";
  if (cfg_.validate_permissions && control && !who.authenticated) {
    net::log_refusal("mcp", who.address.empty() ? "anonymous" : who.address,
                     "tools/call " + name->get<std::string>(), "denied");
    return end(tool_result::fail(
      "permission denied: " + t->name
        + " changes the node and needs Authorization: Bearer <MCP_API_KEY>",
      "denied"));
  }
  if (cfg_.rate_limit) {
    auto wait = limiter_.admit(who.bucket);
    if (wait.count() > 0)
      return end(tool_result::fail("rate limit: too many tool calls; retry in "
                                     + std::to_string(wait.count()) + " ms",
                                   "rate_limited"));
  }
  schema::apply_defaults(t->input_schema, args);
  if (auto err = schema::validate(t->input_schema, args))
    return end(tool_result::fail(*err, "invalid"));
  auto& counter = *in_flight_.at(t->name);
  if (counter.fetch_add(1) >= limits.max_concurrent) {
    --counter;
    return end(tool_result::fail(
      t->name + " is busy: " + std::to_string(limits.max_concurrent)
        + " calls in flight (maxConcurrent); retry later",
      "busy"));
  }
  auto env = base_;
  env.limits = limits;
  if (trace)
    env.trace = trace->ctx;
  if (limits.timeout_ms > 0)
    env.api.timeout = std::chrono::milliseconds{limits.timeout_ms};
  env.routes = routes_.at(t->name);
  auto once = std::make_shared<std::atomic<bool>>(false);
  auto call = next_call_++;
  auto done = [this, end, &counter, once, call](tool_result res) {
    if (once->exchange(true))
      return;
    deadlines_.remove(call);
    --counter;
    end(res);
  };
  // Writes answer once stored, as the REST API's do.
  tool_done finished = done;
  if (t->control && t->persisted)
    finished = [this, done, timeout = env.api.timeout](tool_result res) {
      after_commit(std::move(res), timeout, done);
    };
  try {
    t->run(env, args, finished);
  } catch (const std::exception& e) {
    log::error("mcp tool failed", {{"tool", t->name}, {"error", e.what()}});
    done(tool_result::fail("the tool failed: internal error"));
  }
  // Answered already (the in-process memory store, a kept listing): no
  // deadline to keep.
  if (once->load())
    return;
  // The whole call is bounded too, not only each request it makes: a tool
  // that waits elsewhere (a slow Redis) still ends. The margin lets the
  // actors' own timeout error, which says more, arrive first.
  auto deadline = env.api.timeout + deadline_margin;
  deadlines_.add(call, started + deadline, [done, name = t->name, deadline] {
    done(tool_result::fail(name + " timed out after "
                             + std::to_string(deadline.count()) + " ms",
                           "timeout"));
  });
  // It ended while the deadline went in: `done` may have looked too early.
  if (once->load())
    deadlines_.remove(call);
}

void engine::stop() {
  deadlines_.stop();
}

void engine::after_commit(tool_result res, std::chrono::milliseconds timeout,
                          tool_done k) const {
  auto& ctx = base_.api.ctx;
  if (!ctx->durability)
    return k(std::move(res));
  auto seq = ctx->bus.last_seq();
  base_.api.sys->spawn(
    [ctx, seq, timeout, res = std::move(res), k](caf::event_based_actor* self) {
      self->request(ctx->durability, timeout, atom::durable::value, seq)
        .then([res, k](uint64_t) { k(res); },
              [res, k](caf::error& err) {
                auto why = http::from_caf(err).message;
                k(tool_result::fail(res.is_error
                                      ? res.text + "; and " + why
                                      : "done, but not confirmed stored in "
                                        "PostgreSQL: "
                                          + why));
              });
    });
}

void engine::finish(const tool& t, const std::string& client,
                    clock::time_point started,
                    const std::optional<tracing::server_start>& trace,
                    const tool_result& res, const json& id,
                    const reply_fn& reply) {
  auto elapsed = clock::now() - started;
  if (trace) {
    auto x = tracing::end_server(*trace, "tools/call " + t.name);
    x.attributes = {{"mcp.method.name", std::string{"tools/call"}},
                    {"gen_ai.tool.name", t.name},
                    {"agentviz.mcp.outcome", res.outcome}};
    x.error = res.is_error;
    tracing::record(std::move(x));
  }
  if (cfg_.log_metrics && tel_)
    tel_->mcp_call(t.name, res.outcome,
                   std::chrono::duration<double>(elapsed).count());
  if (cfg_.update_state)
    publish_called(
      tool_called{
        t.name, res.outcome,
        std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count(),
        client},
      now_ms());
  reply(answer{call_answer(id, res), false});
}

void engine::batch_events(std::function<bool(std::function<void()>)> defer) {
  defer_ = std::move(defer);
}

void engine::publish_called(tool_called x, int64_t time_ms) {
  if (!defer_)
    return base_.api.ctx->bus.publish(std::move(x), time_ms);
  bool first = false;
  {
    std::lock_guard<std::mutex> guard{batch_mtx_};
    first = batch_.empty();
    batch_.emplace_back(std::move(x), time_ms);
  }
  if (first && !defer_([this] { publish_batch(); }))
    publish_batch();
}

void engine::publish_batch() {
  std::vector<std::pair<tool_called, int64_t>> xs;
  {
    std::lock_guard<std::mutex> guard{batch_mtx_};
    xs.swap(batch_);
  }
  // The bus wakes on the first; the rest find it awake.
  for (auto& [x, time_ms] : xs)
    base_.api.ctx->bus.publish(std::move(x), time_ms);
}

std::string engine::client_of(const std::string& session) const {
  std::lock_guard<std::mutex> guard{mtx_};
  auto i = sessions_.find(session);
  return i != sessions_.end() ? i->second.client : session;
}

std::string engine::open_session(bool keyed) {
  auto now = clock::now();
  auto id = random_id();
  std::lock_guard<std::mutex> guard{mtx_};
  if (sessions_.size() >= cfg_.max_sessions)
    expire(now);
  if (sessions_.size() >= cfg_.max_sessions)
    return {};
  sessions_.emplace(
    id, session_state{now, "unknown", versions().front(), 1, keyed});
  return id;
}

std::string engine::open_session_named(const std::string& id) {
  std::lock_guard<std::mutex> guard{mtx_};
  sessions_[id]
    = session_state{clock::now(), "unknown", versions().front(), 1, false};
  return id;
}

bool engine::touch(const std::string& id) {
  auto now = clock::now();
  std::lock_guard<std::mutex> guard{mtx_};
  auto i = sessions_.find(id);
  if (i == sessions_.end())
    return false;
  if (now - i->second.used > cfg_.session_ttl) {
    sessions_.erase(i);
    return false;
  }
  i->second.used = now;
  return true;
}

bool engine::close(const std::string& id) {
  std::lock_guard<std::mutex> guard{mtx_};
  return sessions_.erase(id) > 0;
}

bool engine::keyed(const std::string& id) const {
  std::lock_guard<std::mutex> guard{mtx_};
  auto i = sessions_.find(id);
  return i != sessions_.end() && i->second.keyed;
}

bool engine::known(const std::string& id) const {
  std::lock_guard<std::mutex> guard{mtx_};
  auto i = sessions_.find(id);
  return i != sessions_.end()
         && clock::now() - i->second.used <= cfg_.session_ttl;
}

bool engine::exists(const std::string& id) const {
  std::lock_guard<std::mutex> guard{mtx_};
  return sessions_.count(id) > 0;
}

size_t engine::log_level(const std::string& id) const {
  std::lock_guard<std::mutex> guard{mtx_};
  auto i = sessions_.find(id);
  return i != sessions_.end() ? i->second.log_level : 1;
}

size_t engine::sessions() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return sessions_.size();
}

void engine::expire(clock::time_point now) {
  for (auto i = sessions_.begin(); i != sessions_.end();)
    i = now - i->second.used > cfg_.session_ttl ? sessions_.erase(i)
                                                : std::next(i);
}

} // namespace av::mcp
