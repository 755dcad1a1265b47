#include "av/shell/console.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include "av/api/event_json.hpp"
#include "av/base/log.hpp"
#include "av/base/percent_encoding.hpp"
#include "av/error.hpp"
#include "av/http/api_error.hpp"
#include "census.hpp"

namespace av::shell {

namespace {

using json = nlohmann::json;
using verb = http::verb;

/// A request of the API this console runs, until it is answered.
struct pending_call {
  caf::typed_response_promise<uint16_t, std::string> rp;
  std::string command;
  bool control = false;
  int64_t started_ns = 0;
};

/// A restart or fault waiting for the agent's old actor to end.
struct pending_restart {
  caf::typed_response_promise<uint16_t, std::string> rp;
  std::string command;
  std::string key;
  int64_t started_ns = 0;
};

struct console_state {
  static inline const char* name = "shell-console";
  gate_env env;
  /// What the shell calls itself (user@host), and who its credential says
  /// it is: what the record of control actions names.
  std::string client;
  std::string identity;
  /// Whether the credential allows control commands.
  bool authenticated = false;
  caf::actor_addr shell;
  caf::actor_addr gate;
  uint64_t next_call = 0;
  std::map<uint64_t, pending_call> calls;
  std::map<caf::actor_addr, pending_restart> restarts;
  /// Where the event stream goes while the shell tails it.
  caf::actor sink;
  uint32_t kinds = 0;
  num_id agent = 0;
  uint64_t processed = 0;
};

using console_ptr = console_actor::stateful_pointer<console_state>;

/// An answer in the API's error form.
std::pair<uint16_t, std::string> api_answer(http::status code, std::string name,
                                            std::string message) {
  http::api_error err;
  err.code = code;
  err.name = std::move(name);
  err.message = std::move(message);
  return {static_cast<uint16_t>(code), http::to_json(err).dump()};
}

bool allowed(console_ptr self, bool control) {
  auto& st = self->state;
  return st.authenticated || !st.env.auth->required(control);
}

/// Logs a control command and publishes it as `tool.called` (tool `shell
/// COMMAND`), naming who did it, as MCP's tool calls are.
void record(console_ptr self, const std::string& command,
            const std::string& outcome, int64_t started_ns) {
  auto& st = self->state;
  auto took_us = (now_ns() - started_ns) / 1000;
  log::info("shell command", {{"command", command},
                              {"by", st.identity},
                              {"client", st.client},
                              {"outcome", outcome},
                              {"duration_us", took_us}});
  st.env.ctx->bus.publish(tool_called{"shell " + command, outcome, took_us,
                                      st.identity + " (" + st.client + ")"});
}

/// The 401 of a control command without the right credential; recorded.
std::pair<uint16_t, std::string> refuse(console_ptr self,
                                        const std::string& command) {
  auto& st = self->state;
  net::log_refusal("shell", st.client, command, "denied");
  record(self, command, "denied", now_ns());
  return api_answer(http::status::unauthorized, "unauthorized",
                    command
                      + " changes the node and needs its API key: "
                        "agent-server shell --key KEY (or AV_SHELL_KEY)");
}

/// Runs an API request through the HTTP API's handlers; the answer comes
/// back to this console as `(api_atom, call, status, body)`.
void run_route(console_ptr self, const http::router::match& found,
               http::param_list query, json body, uint64_t call_id) {
  auto me = caf::actor_cast<console_actor>(self);
  http::api_call call{found.params, std::move(query), std::move(body),
                      [me, call_id](http::reply x) {
                        caf::anon_send(me, api_atom::value, call_id,
                                       static_cast<uint16_t>(x.code),
                                       std::move(x.body));
                      }};
  try {
    found.hit->fn(call);
  } catch (const std::exception&) {
    call.fail(http::internal_error());
  }
}

/// Finds the route of `v target` into `found` and `query`; else the answer
/// that there is none.
std::optional<std::pair<uint16_t, std::string>>
find_route(console_ptr self, verb v, const std::string& target,
           http::router::match& found, http::param_list& query) {
  std::vector<std::string> path;
  if (!http::parse_target(target, path, query))
    return api_answer(http::status::bad_request, "bad_request",
                      "not a path: " + target);
  found = self->state.env.routes->find(v, path);
  if (found.hit)
    return std::nullopt;
  if (found.allowed.empty())
    return api_answer(http::status::not_found, "not_found",
                      "no route for " + target);
  return api_answer(http::status::method_not_allowed, "method_not_allowed",
                    std::string{boost::beast::http::to_string(v)}
                      + " is not allowed on " + target);
}

/// Starts the API request; `control` tells whether it changes the node.
caf::result<uint16_t, std::string>
api_request(console_ptr self, std::string command, const std::string& method,
            const std::string& target, const std::string& body) {
  auto& st = self->state;
  auto fail = [](std::pair<uint16_t, std::string> x)
    -> caf::result<uint16_t, std::string> {
    return {x.first, std::move(x.second)};
  };
  auto v = boost::beast::http::string_to_verb(method);
  if (v == verb::unknown)
    return fail(api_answer(http::status::bad_request, "bad_request",
                           "not an HTTP method: " + method));
  http::router::match found;
  http::param_list query;
  if (auto none = find_route(self, v, target, found, query))
    return fail(std::move(*none));
  bool control = v != verb::get && v != verb::head;
  if (found.hit->rule == http::access::standard && !allowed(self, control))
    return fail(refuse(self, command));
  auto parsed
    = body.empty() ? json::object() : json::parse(body, nullptr, false);
  if (parsed.is_discarded())
    return fail(api_answer(http::status::bad_request, "invalid_json",
                           "the request body is not JSON"));
  auto id = ++st.next_call;
  auto rp = self->make_response_promise<uint16_t, std::string>();
  st.calls.emplace(id, pending_call{rp, std::move(command), control, now_ns()});
  run_route(self, found, std::move(query), std::move(parsed), id);
  return rp;
}

/// A restart or fault: the agent's actor throws; its supervisor restarts
/// it (or gives it up past SUPERVISOR_MAX_RESTARTS).
caf::result<uint16_t, std::string> drill(console_ptr self, std::string command,
                                         std::string key) {
  auto& st = self->state;
  if (!allowed(self, true)) {
    auto x = refuse(self, command);
    return {x.first, std::move(x.second)};
  }
  auto rp = self->make_response_promise<uint16_t, std::string>();
  auto started = now_ns();
  self->request(st.env.swarm, std::chrono::seconds{10}, atom::get::value, key)
    .then(
      [self, rp, command, key, started](agent_ref& ref) mutable {
        auto& st = self->state;
        if (!ref.handle) {
          auto x
            = api_answer(http::status::service_unavailable, "node_unreachable",
                         "agent " + key + " cannot be reached");
          rp.deliver(x.first, std::move(x.second));
          return;
        }
        self->monitor(ref.handle);
        st.restarts.emplace(ref.handle.address(),
                            pending_restart{rp, command, key, started});
        auto what = (command == "restart" ? "restart asked from the shell by "
                                          : "fault injected from the shell by ")
                    + st.identity + " (" + st.client + ")";
        self->send(ref.handle, atom::fault::value, what);
      },
      [self, rp, command, started](caf::error& err) mutable {
        record(self, command, "error", started);
        auto x = http::from_caf(err);
        rp.deliver(static_cast<uint16_t>(x.code), http::to_json(x).dump());
      });
  return rp;
}

/// The agent's old actor ended: answers with the agent as the API shows it
/// now. The supervisor had its crash report before the actor ended, so the
/// registry answers with the restarted agent.
void restarted(console_ptr self, pending_restart x) {
  auto& st = self->state;
  http::router::match found;
  http::param_list query;
  auto target = "/api/agents/" + detail::percent_encode(x.key);
  if (auto none = find_route(self, verb::get, target, found, query)) {
    x.rp.deliver(none->first, std::move(none->second));
    return;
  }
  auto id = ++st.next_call;
  st.calls.emplace(id, pending_call{x.rp, x.command, true, x.started_ns});
  run_route(self, found, std::move(query), json::object(), id);
}

void stop_tail(console_ptr self) {
  auto& st = self->state;
  if (!st.sink)
    return;
  self->demonitor(st.sink);
  st.sink = nullptr;
  self->send(st.env.bus, atom::unsub::value,
             caf::actor_cast<event_sink_actor>(self));
}

/// Whether the event is about agent `num`.
bool involves(const event& ev, num_id num) {
  auto among = [num](const std::vector<num_id>& xs) {
    return std::find(xs.begin(), xs.end(), num) != xs.end();
  };
  switch (ev.kind()) {
    case event_kind::agent_spawned:
      return caf::get<agent_spawned>(ev.payload).agent.num == num;
    case event_kind::agent_state:
      return caf::get<agent_state_changed>(ev.payload).agent == num;
    case event_kind::task: return caf::get<task_event>(ev.payload).agent == num;
    case event_kind::metrics:
      return caf::get<metrics_event>(ev.payload).agent == num;
    case event_kind::message: {
      auto& x = caf::get<message_event>(ev.payload);
      return x.from == num || x.to == num;
    }
    case event_kind::coordination:
      return among(caf::get<coordination_event>(ev.payload).participants);
    case event_kind::agent_terminated:
      return caf::get<agent_terminated>(ev.payload).agent == num;
    case event_kind::formation:
      return among(caf::get<formation_event>(ev.payload).agents);
    default: return false;
  }
}

console_actor::behavior_type console(console_ptr self, gate_env env,
                                     caf::actor_addr gate,
                                     caf::strong_actor_ptr shell,
                                     std::string client, std::string identity,
                                     bool authenticated) {
  auto& st = self->state;
  st.env = std::move(env);
  st.client = std::move(client);
  st.identity = std::move(identity);
  st.authenticated = authenticated;
  st.gate = gate;
  st.shell = shell ? shell->address() : caf::actor_addr{};
  // The console lives as long as the shell's connection and the node.
  if (shell)
    self->monitor(shell);
  self->monitor(gate);
  self->set_down_handler([self](caf::down_msg& msg) {
    auto& st = self->state;
    if (msg.source == st.shell || msg.source == st.gate) {
      stop_tail(self);
      return self->quit();
    }
    if (st.sink && msg.source == st.sink.address())
      return stop_tail(self);
    if (auto i = st.restarts.find(msg.source); i != st.restarts.end()) {
      auto x = std::move(i->second);
      st.restarts.erase(i);
      restarted(self, std::move(x));
    }
  });
  return {
    [=](api_atom, std::string& command, const std::string& method,
        const std::string& target,
        const std::string& body) -> caf::result<uint16_t, std::string> {
      ++self->state.processed;
      return api_request(self, std::move(command), method, target, body);
    },
    [=](api_atom, uint64_t id, uint16_t code, std::string& body) {
      auto& st = self->state;
      ++st.processed;
      auto i = st.calls.find(id);
      if (i == st.calls.end())
        return;
      auto call = std::move(i->second);
      st.calls.erase(i);
      if (call.control)
        record(self, call.command, code < 400 ? "ok" : "error",
               call.started_ns);
      call.rp.deliver(code, std::move(body));
    },
    [=](actors_atom) -> caf::result<std::string> {
      ++self->state.processed;
      auto rp = self->make_response_promise<std::string>();
      return rp.delegate(spawn_census(self->home_system(), self->state.env),
                         actors_atom::value);
    },
    [=](inspect_atom, const std::string& key,
        bool verbose) -> caf::result<std::string> {
      ++self->state.processed;
      auto rp = self->make_response_promise<std::string>();
      return rp.delegate(spawn_census(self->home_system(), self->state.env),
                         inspect_atom::value, key, verbose);
    },
    [=](atom::fault, std::string& command,
        std::string& key) -> caf::result<uint16_t, std::string> {
      ++self->state.processed;
      return drill(self, std::move(command), std::move(key));
    },
    [=](tail_atom, caf::actor& sink, uint32_t kinds, num_id agent) {
      auto& st = self->state;
      ++st.processed;
      stop_tail(self);
      st.sink = std::move(sink);
      st.kinds = kinds;
      st.agent = agent;
      self->monitor(st.sink);
      self->send(st.env.bus, atom::subscribe::value,
                 caf::actor_cast<event_sink_actor>(self), kinds);
      return true;
    },
    [=](tail_atom) {
      ++self->state.processed;
      stop_tail(self);
    },
    [=](const event_batch& batch) {
      auto& st = self->state;
      ++st.processed;
      if (!st.sink)
        return;
      std::string lines;
      for (auto& ev : *batch.events)
        if ((kind_bit(ev.kind()) & st.kinds) != 0
            && (st.agent == 0 || involves(ev, st.agent))) {
          lines += event_json(ev).dump();
          lines += '\n';
        }
      if (!lines.empty())
        caf::anon_send(st.sink, tail_atom::value, std::move(lines));
    },
    [=](atom::status, status_verbosity) {
      auto& st = self->state;
      ++st.processed;
      auto result = status_header(self, "shell_console", st.client,
                                  st.client + " as " + st.identity
                                    + (st.sink ? ", tailing" : ""),
                                  st.processed);
      caf::put(result, "control", st.authenticated);
      caf::put(result, "calls_pending", static_cast<uint64_t>(st.calls.size()));
      return result;
    },
  };
}

struct gate_state {
  static inline const char* name = "shell-gate";
  gate_env env;
  std::set<caf::actor_addr> consoles;
  uint64_t opened = 0;
  uint64_t refused = 0;
};

using gate_ptr = cluster::shell_gate_actor::stateful_pointer<gate_state>;

cluster::shell_gate_actor::behavior_type gate(gate_ptr self, gate_env env) {
  self->state.env = std::move(env);
  self->set_down_handler(
    [self](caf::down_msg& msg) { self->state.consoles.erase(msg.source); });
  return {
    [=](cluster::shell_atom, const std::string& credential,
        const std::string& client) -> caf::result<caf::actor, std::string> {
      auto& st = self->state;
      auto& auth = *st.env.auth;
      auto name
        = client.empty() ? std::string{"unnamed shell"} : client.substr(0, 128);
      auto verdict = auth.check(
        credential.empty() ? "" : "Bearer " + credential, now_ms() / 1000);
      std::string why;
      if (!credential.empty() && verdict != net::authenticator::verdict::ok)
        why = std::string{"the key is "} + net::to_string(verdict);
      else if (credential.empty() && auth.required(false))
        why = "node \"" + st.env.ctx->node_name
              + "\" needs its API key even to read: agent-server shell --key "
                "KEY (or AV_SHELL_KEY)";
      if (!why.empty()) {
        ++st.refused;
        net::log_refusal("shell", name, "connect", net::to_string(verdict));
        return {caf::actor{},
                "refused by node \"" + st.env.ctx->node_name + "\": " + why};
      }
      bool authenticated = verdict == net::authenticator::verdict::ok;
      // A JWT is three dot-separated parts; the API key is one word.
      auto identity
        = !authenticated ? std::string{"anonymous"}
          : std::count(credential.begin(), credential.end(), '.') == 2
            ? std::string{"token"}
            : std::string{"api key"};
      auto c
        = self->spawn(console, st.env, self->address(), self->current_sender(),
                      name, identity, authenticated || !auth.enabled());
      self->monitor(c);
      st.consoles.insert(c.address());
      ++st.opened;
      log::info("shell connected",
                {{"client", name},
                 {"by", identity},
                 {"control", authenticated || !auth.enabled()}});
      return {caf::actor_cast<caf::actor>(c), std::string{}};
    },
    [=](atom::status, status_verbosity) {
      auto& st = self->state;
      auto result = status_header(
        self, "shell_gate", "shell_gate",
        std::to_string(st.consoles.size()) + " shells connected", st.opened);
      caf::put(result, "consoles", static_cast<uint64_t>(st.consoles.size()));
      caf::put(result, "opened", st.opened);
      caf::put(result, "refused", st.refused);
      return result;
    },
  };
}

} // namespace

cluster::shell_gate_actor spawn_gate(caf::actor_system& sys, gate_env env) {
  auto result = sys.spawn(gate, std::move(env));
  sys.registry().put(cluster::shell_gate_name,
                     caf::actor_cast<caf::strong_actor_ptr>(result));
  return result;
}

} // namespace av::shell
