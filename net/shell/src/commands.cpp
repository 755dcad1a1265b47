#include "commands.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <poll.h>
#include <termios.h>
#include <thread>
#include <unistd.h>

#include "av/base/percent_encoding.hpp"
#include "av/base/text.hpp"
#include "render.hpp"

namespace av::shell {

namespace {

using std::chrono::milliseconds;
using error_line = std::optional<std::string>;

int64_t clock_ms() {
  return std::chrono::duration_cast<milliseconds>(
           std::chrono::steady_clock::now().time_since_epoch())
    .count();
}

std::string seg(const std::string& x) {
  return detail::percent_encode(x);
}

/// A number when the word is one (the API takes agents by number or name).
json agent_word(const std::string& x) {
  if (x.size() < 10 && all_digits(x))
    return std::stoll(x);
  return x;
}

std::string join_rest(const std::vector<std::string>& words, size_t from) {
  std::string text;
  for (size_t i = from; i < words.size(); ++i) {
    if (i > from)
      text += ' ';
    text += words[i];
  }
  return text;
}

/// Runs an API request and prints its body: as JSON with --json, else with
/// `show`. A failed answer becomes the error line.
error_line call(command_env& env, const std::string& command,
                const std::string& method, const std::string& target,
                const json& body,
                const std::function<void(const json&)>& show) {
  auto x = env.node.api(command, method, target, body);
  if (!x)
    return env.node.describe_error(x.error());
  if (!x->ok())
    return x->error_text() + " (" + std::to_string(x->status) + ")";
  if (env.json)
    env.out << x->body.dump() << '\n';
  else
    show(x->body);
  return std::nullopt;
}

auto fields = [](command_env& env) {
  return [&env](const json& x) {
    print_fields(env.out, x);
  };
};

/// The nodes to read actors from: the one named, else every node up.
std::optional<std::vector<std::string>>
nodes_up(command_env& env, const std::string* only, std::string& error) {
  auto x = env.node.api("nodes", "GET", "/api/nodes");
  if (!x) {
    error = env.node.describe_error(x.error());
    return std::nullopt;
  }
  std::vector<std::string> result;
  for (auto& n : x->body.value("nodes", json::array())) {
    auto name = n.value("name", "");
    if (only && *only != name)
      continue;
    if (n.value("state", "") == "up")
      result.push_back(name);
    else if (only) {
      error = "node \"" + name + "\" is " + n.value("state", "") + "";
      return std::nullopt;
    }
  }
  if (!x->ok() || result.empty()) {
    if (only)
      error = "no node \"" + *only + "\" in the cluster (see nodes)";
    else
      result.push_back(env.node.home());
  }
  if (!error.empty())
    return std::nullopt;
  return result;
}

/// Every actor of the nodes, with its rate of messages since the last
/// sample (a first listing samples twice, half a second apart).
std::optional<json> sample_actors(command_env& env, const command_args& a,
                                  std::string& error) {
  auto nodes = nodes_up(env, a.option("node"), error);
  if (!nodes)
    return std::nullopt;
  auto read = [&](json& rows) {
    rows = json::array();
    for (auto& n : *nodes) {
      auto xs = env.node.actors(n);
      if (!xs) {
        error = "node \"" + n + "\": " + env.node.describe_error(xs.error());
        return false;
      }
      for (auto& x : *xs)
        rows.push_back(std::move(x));
    }
    return true;
  };
  auto key = [](const json& r) {
    return r.value("node", "") + "/" + r.value("kind", "") + "/"
           + r.value("id", "");
  };
  json rows;
  if (!read(rows))
    return std::nullopt;
  bool known = !rows.empty()
               && std::any_of(rows.begin(), rows.end(), [&](const json& r) {
                    return env.samples.count(key(r)) > 0;
                  });
  if (!known) {
    for (auto& r : rows)
      env.samples[key(r)] = {r.value("processed", 0.0), clock_ms()};
    std::this_thread::sleep_for(milliseconds{500});
    if (!read(rows))
      return std::nullopt;
  }
  auto now = clock_ms();
  std::map<std::string, std::pair<double, int64_t>> next;
  for (auto& r : rows) {
    auto k = key(r);
    double processed = r.value("processed", 0.0);
    double rate = 0;
    if (auto i = env.samples.find(k); i != env.samples.end())
      if (auto dt = now - i->second.second; dt > 0)
        rate = std::max(0.0, (processed - i->second.first) * 1000.0 / dt);
    r["rate"] = std::round(rate * 10) / 10;
    next[k] = {processed, now};
  }
  env.samples = std::move(next);
  // Filter and sort.
  json kept = json::array();
  auto kind = a.option("kind");
  for (auto& r : rows)
    if (!kind || r.value("kind", "") == *kind)
      kept.push_back(std::move(r));
  std::string by = a.option("sort") ? *a.option("sort") : "rate";
  if (by != "rate" && by != "mailbox" && by != "processed") {
    error = "--sort takes mailbox, processed or rate, not \"" + by + "\"";
    return std::nullopt;
  }
  std::stable_sort(kept.begin(), kept.end(), [&](const json& x, const json& y) {
    return x.value(by, 0.0) > y.value(by, 0.0);
  });
  return kept;
}

size_t limit_of(const command_args& a, size_t fallback, std::string& error) {
  auto x = a.option("limit");
  if (!x)
    return fallback;
  char* end = nullptr;
  auto n = std::strtoul(x->c_str(), &end, 10);
  if (x->empty() || *end != '\0') {
    error = "--limit takes a number, not \"" + *x + "\"";
    return 0;
  }
  return n;
}

void print_actors(command_env& env, const json& rows, size_t limit) {
  table_rows out;
  for (auto& r : rows) {
    if (limit > 0 && out.size() >= limit)
      break;
    auto id = r.contains("num") ? cell(r["num"]) : r.value("id", "");
    char rate[32];
    std::snprintf(rate, sizeof rate, "%.1f", r.value("rate", 0.0));
    out.push_back({r.value("node", ""), r.value("kind", ""), id,
                   cell(r["mailbox"]), cell(r["processed"]), rate,
                   r.value("summary", "")});
  }
  print_table(
    env.out,
    {"NODE", "KIND", "ID", "MAILBOX", "PROCESSED", "RATE/S", "SUMMARY"}, out);
  if (out.size() < rows.size())
    env.out << rows.size() - out.size() << " more (--limit 0 lists all)\n";
}

error_line ps(command_env& env, const command_args& a) {
  std::string error;
  auto limit = limit_of(a, 50, error);
  if (!error.empty())
    return error;
  auto rows = sample_actors(env, a, error);
  if (!rows)
    return error;
  if (env.json)
    env.out << rows->dump() << '\n';
  else
    print_actors(env, *rows, limit);
  return std::nullopt;
}

/// Raw keys from the terminal while `top` runs.
class raw_terminal {
public:
  explicit raw_terminal(bool on) : on_(on && tcgetattr(0, &saved_) == 0) {
    if (!on_)
      return;
    auto raw = saved_;
    // Ctrl-C comes as a key too: the line editor's signal handling is
    // not ours to rely on.
    raw.c_lflag &= ~static_cast<tcflag_t>(ICANON | ECHO | ISIG);
    // Lines still end with a carriage return.
    raw.c_oflag |= OPOST | ONLCR;
    raw.c_cc[VMIN] = 0;
    raw.c_cc[VTIME] = 0;
    tcsetattr(0, TCSANOW, &raw);
  }
  ~raw_terminal() {
    if (on_)
      tcsetattr(0, TCSANOW, &saved_);
  }
  /// Whether the key ends `top` or a stream: q or Ctrl-C.
  static bool ends(char c) { return c == 'q' || c == 'Q' || c == '\x03'; }

  /// Waits up to `wait` for a key; 0 when none.
  char key(milliseconds wait) const {
    pollfd p{0, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(wait.count())) <= 0)
      return 0;
    char c = 0;
    return read(0, &c, 1) == 1 ? c : 0;
  }

private:
  bool on_;
  termios saved_{};
};

error_line top(command_env& env, const command_args& a) {
  std::string error;
  auto limit = limit_of(a, 20, error);
  if (!error.empty())
    return error;
  // A script gets `--count` listings; a person, until `q`.
  size_t count = env.terminal ? 0 : 1;
  if (auto x = a.option("count"))
    count = static_cast<size_t>(std::strtoul(x->c_str(), nullptr, 10));
  raw_terminal term{env.terminal};
  for (size_t i = 0; count == 0 || i < count; ++i) {
    auto rows = sample_actors(env, a, error);
    if (!rows)
      return error;
    if (env.json) {
      env.out << rows->dump() << '\n';
    } else {
      if (env.terminal)
        env.out << "\x1b[H\x1b[2J";
      env.out << "top - node " << env.node.home() << " - " << rows->size()
              << " actors - by "
              << (a.option("sort") ? *a.option("sort") : std::string{"rate"})
              << " - every second" << (env.terminal ? ", q quits" : "") << '\n';
      print_actors(env, *rows, limit);
    }
    env.out.flush();
    if (count != 0 && i + 1 >= count)
      break;
    auto until = clock_ms() + 1000;
    for (auto left = 1000; left > 0;
         left = static_cast<int>(until - clock_ms())) {
      auto c = term.key(milliseconds{std::min(left, 100)});
      if (raw_terminal::ends(c) || env.interrupted())
        return std::nullopt;
    }
  }
  return std::nullopt;
}

error_line nodes(command_env& env, const command_args&) {
  auto x = env.node.api("nodes", "GET", "/api/nodes");
  if (!x)
    return env.node.describe_error(x.error());
  if (!x->ok())
    return x->error_text();
  auto now = std::chrono::duration_cast<milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
               .count();
  json list = json::array();
  for (auto n : x->body.value("nodes", json::array())) {
    auto name = n.value("name", "");
    json agents = nullptr;
    if (n.value("state", "") == "up")
      if (auto r = env.node.inspect(name, "registry", false))
        agents = r->value("agents", json{});
    n["agents"] = agents;
    n["forMs"] = now - n.value("since", now);
    list.push_back(std::move(n));
  }
  if (env.json) {
    env.out << list.dump() << '\n';
    return std::nullopt;
  }
  table_rows rows;
  for (auto& n : list)
    rows.push_back({n.value("name", "") + (n.value("self", false) ? " *" : ""),
                    n.value("state", ""), cell(n["agents"]),
                    human_duration(n.value("forMs", int64_t{0})),
                    n.value("address", ""), cell(n["slot"])});
  print_table(env.out, {"NODE", "STATE", "AGENTS", "FOR", "ADDRESS", "SLOT"},
              rows);
  env.out << "* the node this shell is connected to; FOR: time in this state\n";
  return std::nullopt;
}

error_line inspect(command_env& env, const command_args& a) {
  auto& key = a.words[0];
  bool verbose = a.options.count("verbose") > 0;
  std::string error;
  auto nodes = nodes_up(env, a.option("node"), error);
  if (!nodes)
    return error;
  // This node first, then the others.
  std::stable_partition(nodes->begin(), nodes->end(),
                        [&](auto& n) { return n == env.node.home(); });
  std::string last;
  for (auto& n : *nodes) {
    auto x = env.node.inspect(n, key, verbose);
    if (x) {
      env.out << (env.json ? x->dump() : x->dump(2)) << '\n';
      return std::nullopt;
    }
    last = env.node.describe_error(x.error());
  }
  return nodes->size() > 1 ? "no actor \"" + key + "\" on any node" : last;
}

error_line agents(command_env& env, const command_args& a) {
  std::string query = "?limit=";
  std::string error;
  query += std::to_string(limit_of(a, 100, error));
  if (!error.empty())
    return error;
  for (auto name : {"type", "state", "offset"})
    if (auto x = a.option(name))
      query += std::string{"&"} + name + "=" + seg(*x);
  return call(
    env, "agents", "GET", "/api/agents" + query, nullptr,
    [&env](const json& x) {
      table_rows rows;
      for (auto& ag : x.value("agents", json::array()))
        rows.push_back(
          {cell(ag["numId"]), cell(ag["name"]), cell(ag["type"]),
           cell(ag["state"])
             + (ag.value("reachable", true) ? "" : " (node unreachable)"),
           cell(ag["node"])});
      print_table(env.out, {"NUM", "NAME", "TYPE", "STATE", "NODE"}, rows);
      env.out << rows.size() << " of " << cell(x["total"]) << " agents\n";
    });
}

error_line coords(command_env& env, const command_args& a) {
  std::string query;
  if (auto x = a.option("status"))
    query = "?status=" + seg(*x);
  return call(
    env, "coords", "GET", "/api/coordinations" + query, nullptr,
    [&env](const json& x) {
      table_rows rows;
      for (auto& c : x.value("coordinations", json::array())) {
        char progress[16];
        std::snprintf(progress, sizeof progress, "%.0f%%",
                      c.value("progress", 0.0) * 100);
        std::string who;
        for (auto& p : c.value("participants", json::array()))
          who += (who.empty() ? "" : ",") + cell(p["numId"]);
        rows.push_back({cell(c["id"]), cell(c["pattern"]), cell(c["status"]),
                        progress, cell(c["node"]), who});
      }
      print_table(
        env.out,
        {"ID", "PATTERN", "STATUS", "PROGRESS", "NODE", "PARTICIPANTS"}, rows);
    });
}

/// `10s`, `500ms`, `2m` or plain seconds.
std::optional<milliseconds> duration_of(const std::string& x) {
  char* end = nullptr;
  auto n = std::strtod(x.c_str(), &end);
  std::string unit = end ? end : "";
  if (x.empty() || end == x.c_str() || !(n >= 0))
    return std::nullopt;
  double ms = unit.empty() || unit == "s" ? n * 1000
              : unit == "ms"              ? n
              : unit == "m"               ? n * 60000
                                          : -1;
  if (ms < 0)
    return std::nullopt;
  return milliseconds{static_cast<int64_t>(ms)};
}

/// Prints the events the session takes until Ctrl-C, `q` or `limit`.
error_line follow(command_env& env, uint32_t mask, num_id agent,
                  const command_args& a) {
  std::optional<milliseconds> limit;
  if (auto x = a.option("for")) {
    limit = duration_of(*x);
    if (!limit)
      return "--for takes a duration such as 10s, 500ms or 2m, not \"" + *x
             + "\"";
  }
  if (auto err = env.node.tail(mask, agent))
    return err;
  auto until = limit ? clock_ms() + limit->count() : 0;
  raw_terminal term{env.terminal};
  error_line result;
  while (!env.interrupted()) {
    auto wait = limit ? std::min<int64_t>(100, until - clock_ms()) : 100;
    if (limit && wait <= 0)
      break;
    auto lines = env.node.next_events(milliseconds{wait});
    if (!lines) {
      result = env.node.describe_error(lines.error());
      break;
    }
    size_t start = 0;
    while (start < lines->size()) {
      auto end = lines->find('\n', start);
      if (end == std::string::npos)
        end = lines->size();
      auto line = lines->substr(start, end - start);
      start = end + 1;
      if (line.empty())
        continue;
      if (env.json)
        env.out << line << '\n';
      else
        env.out << event_line(json::parse(line, nullptr, false)) << '\n';
    }
    env.out.flush();
    if (raw_terminal::ends(term.key(milliseconds{0})))
      break;
  }
  env.node.stop_tail();
  return result;
}

error_line trace(command_env& env, const command_args& a) {
  auto x = env.node.api("trace", "GET", "/api/agents/" + seg(a.words[0]));
  if (!x)
    return env.node.describe_error(x.error());
  if (!x->ok())
    return x->error_text();
  auto num = x->body.value("numId", num_id{0});
  if (!env.json)
    env.out << "tracing agent " << num << " (" << x->body.value("name", "")
            << ") on node " << x->body.value("node", "") << ": "
            << (a.option("for") ? "for " + *a.option("for")
                                : std::string{"Ctrl-C stops"})
            << '\n';
  return follow(env, all_event_kinds, num, a);
}

error_line tail(command_env& env, const command_args& a) {
  uint32_t mask = 0;
  for (auto& w : a.words) {
    uint32_t hit = 0;
    for (uint8_t k = 0; k <= static_cast<uint8_t>(last_event_kind); ++k) {
      std::string name = to_string(static_cast<event_kind>(k));
      // `agent` takes every agent.* type.
      if (name == w || name.rfind(w + ".", 0) == 0)
        hit |= kind_bit(static_cast<event_kind>(k));
    }
    if (hit == 0) {
      std::string known;
      for (uint8_t k = 0; k <= static_cast<uint8_t>(last_event_kind); ++k)
        known += std::string{known.empty() ? "" : ", "}
                 + to_string(static_cast<event_kind>(k));
      return "no event type \"" + w + "\"; types: " + known
             + " (or a prefix: agent, node, ...)";
    }
    mask |= hit;
  }
  if (mask == 0)
    mask = all_event_kinds;
  if (!env.json)
    env.out << "events of node " << env.node.home() << ": "
            << (a.option("for") ? "for " + *a.option("for")
                                : std::string{"Ctrl-C stops"})
            << '\n';
  return follow(env, mask, 0, a);
}

error_line drill(command_env& env, const command_args& a,
                 const std::string& command) {
  auto x = env.node.drill(command, a.words[0]);
  if (!x)
    return env.node.describe_error(x.error());
  if (!x->ok())
    return x->error_text() + " (" + std::to_string(x->status) + ")";
  if (env.json) {
    env.out << x->body.dump() << '\n';
  } else {
    env.out << "agent " << cell(x->body["numId"]) << " ("
            << cell(x->body["name"]) << ") is back: " << cell(x->body["state"])
            << ", restarts " << cell(x->body["restarts"]) << '\n';
  }
  return std::nullopt;
}

error_line pin(command_env& env, const command_args& a) {
  json position = json::object();
  const char* axes[] = {"x", "y", "z"};
  for (size_t i = 0; i < 3; ++i) {
    auto& w = a.words[i + 1];
    char* end = nullptr;
    auto v = std::strtod(w.c_str(), &end);
    if (w.empty() || *end != '\0' || !std::isfinite(v))
      return std::string{"pin: "} + axes[i] + " must be a number, not \"" + w
             + "\"";
    position[axes[i]] = v;
  }
  return call(env, "pin", "PUT", "/api/agents/" + seg(a.words[0]) + "/position",
              json{{"position", position}}, fields(env));
}

std::vector<command> make_commands() {
  std::vector<command> xs;
  auto add = [&](command c) {
    xs.push_back(std::move(c));
  };
  add({"nodes",
       "nodes",
       "members of the cluster: state, agents, uptime",
       "Lists every node of the cluster with its state (up or unreachable), "
       "its agent count, how long it has been in that state and where its "
       "cluster port is.",
       {},
       {},
       0,
       0,
       false,
       false,
       false,
       nodes});
  add({"ps",
       "ps [--kind K] [--node N] [--sort mailbox|processed|rate] "
       "[--limit N]",
       "every actor: kind, id, node, mailbox, messages processed, rate",
       "Lists the actors of every node (or of node N): agents, "
       "coordinations, the registry, bus, physics, hub, WebSocket sessions, "
       "store writers and the cluster's actors, sorted by rate (messages per "
       "second since the last listing), mailbox depth or messages processed. "
       "--limit 0 lists all (default 50).",
       {"kind", "node", "sort", "limit"},
       {},
       0,
       0,
       false,
       false,
       false,
       ps});
  add({"top",
       "top [--kind K] [--node N] [--sort mailbox|processed|rate] "
       "[--limit N] [--count N]",
       "ps, refreshed in place every second until q",
       "Shows the busiest actors and redraws every second; q (or Ctrl-C) "
       "ends it. Without a terminal it prints --count listings (default 1).",
       {"kind", "node", "sort", "limit", "count"},
       {},
       0,
       0,
       false,
       false,
       false,
       top});
  add({"inspect",
       "inspect ID [--verbose] [--node N]",
       "one actor's whole status answer",
       "ID is what ps shows: an agent's number, UUID or name, a coordination's "
       "id, or an actor's kind or id (registry, bus, physics, hub, postgres, "
       "cluster, ...). The node connected to is searched first, then the "
       "others. --verbose asks for the debug level.",
       {"node"},
       {"verbose"},
       1,
       1,
       false,
       false,
       true,
       inspect});
  add({"agents",
       "agents [--type T] [--state S] [--limit N] [--offset N]",
       "the agents of the cluster",
       "Lists agents as GET /api/agents does: this node's first, then the "
       "others', up to --limit (default 100).",
       {"type", "state", "limit", "offset"},
       {},
       0,
       0,
       false,
       false,
       false,
       agents});
  add({"agent",
       "agent ID",
       "one agent",
       "Shows an agent by number, UUID or name, on whichever node it lives.",
       {},
       {},
       1,
       1,
       false,
       false,
       true,
       [](command_env& env, const command_args& a) {
         return call(env, "agent", "GET", "/api/agents/" + seg(a.words[0]),
                     nullptr, fields(env));
       }});
  add({"coords",
       "coords [--status S]",
       "coordinations",
       "Lists coordinations, of one status (FORMING, ACTIVE, COMPLETED, "
       "FAILED) when given.",
       {"status"},
       {},
       0,
       0,
       false,
       false,
       false,
       coords});
  add({"coord",
       "coord ID",
       "one coordination",
       "Shows a coordination by id.",
       {},
       {},
       1,
       1,
       false,
       false,
       true,
       [](command_env& env, const command_args& a) {
         return call(env, "coord", "GET",
                     "/api/coordinations/" + seg(a.words[0]), nullptr,
                     fields(env));
       }});
  add({"trace",
       "trace ID [--for DURATION]",
       "follow one agent's events and messages live",
       "Prints the agent's events as they happen: its states, tasks, "
       "metrics, coordinations and the messages it sends and receives. Ends "
       "with Ctrl-C, q or after --for (10s, 500ms, 2m).",
       {"for"},
       {},
       1,
       1,
       false,
       false,
       true,
       trace});
  add({"tail",
       "tail [TYPES...] [--for DURATION]",
       "the node's event stream, filtered",
       "Prints the events of the whole cluster as this node's stream has "
       "them, of the types named (agent.state, message.sent, ... or a prefix "
       "such as agent) or all. Ends with Ctrl-C, q or after --for.",
       {"for"},
       {},
       0,
       16,
       false,
       false,
       false,
       tail});
  add({"send",
       "send FROM TO TEXT",
       "send a message from one agent to another",
       "Sends TEXT (the rest of the line) from agent FROM to agent TO, as "
       "POST /api/messages.",
       {},
       {},
       3,
       3,
       true,
       true,
       true,
       [](command_env& env, const command_args& a) {
         return call(env, "send", "POST", "/api/messages",
                     json{{"from", agent_word(a.words[0])},
                          {"to", agent_word(a.words[1])},
                          {"content", join_rest(a.words, 2)}},
                     fields(env));
       }});
  add({"task",
       "task ID DESCRIPTION",
       "give an agent a task",
       "Queues a task with the rest of the line as its description.",
       {},
       {},
       2,
       2,
       true,
       true,
       true,
       [](command_env& env, const command_args& a) {
         return call(env, "task", "POST",
                     "/api/agents/" + seg(a.words[0]) + "/tasks",
                     json{{"description", join_rest(a.words, 1)}}, fields(env));
       }});
  add({"state",
       "state ID STATE [REASON]",
       "set an agent's state",
       "Moves the agent to STATE (ERROR, or IDLE out of ERROR), with the "
       "rest of the line as the reason.",
       {},
       {},
       2,
       3,
       true,
       true,
       true,
       [](command_env& env, const command_args& a) {
         auto s = a.words[1];
         std::transform(s.begin(), s.end(), s.begin(), ::toupper);
         json body{{"state", s}};
         if (a.words.size() > 2)
           body["reason"] = join_rest(a.words, 2);
         return call(env, "state", "PUT",
                     "/api/agents/" + seg(a.words[0]) + "/state", body,
                     fields(env));
       }});
  add({"terminate",
       "terminate ID [REASON]",
       "end an agent for good",
       "Terminates the agent, on whichever node it lives, with the rest of "
       "the line as the reason.",
       {},
       {},
       1,
       2,
       true,
       true,
       true,
       [](command_env& env, const command_args& a) {
         auto reason = a.words.size() > 1
                         ? join_rest(a.words, 1)
                         : std::string{"terminated from the shell"};
         return call(env, "terminate", "DELETE",
                     "/api/agents/" + seg(a.words[0])
                       + "?reason=" + seg(reason),
                     nullptr, fields(env));
       }});
  add({"restart",
       "restart ID",
       "a supervised restart",
       "Has the agent's supervisor restart it from its last state, history "
       "and queued tasks kept (it counts towards SUPERVISOR_MAX_RESTARTS). "
       "Answers once the agent is back.",
       {},
       {},
       1,
       1,
       false,
       true,
       true,
       [](command_env& env, const command_args& a) {
         return drill(env, a, "restart");
       }});
  add({"fault",
       "fault ID",
       "the supervision drill: make an agent crash",
       "Makes the agent's actor throw inside a handler, as a bug would; its "
       "supervisor restarts it. Answers once the agent is back.",
       {},
       {},
       1,
       1,
       false,
       true,
       true,
       [](command_env& env, const command_args& a) {
         return drill(env, a, "fault");
       }});
  add({"formation",
       "formation KIND IDS...",
       "put agents into a formation",
       "Arranges the agents in a circle, grid, sphere or helix "
       "(POST /api/formations).",
       {},
       {},
       2,
       10000,
       false,
       true,
       true,
       [](command_env& env, const command_args& a) {
         json ids = json::array();
         for (size_t i = 1; i < a.words.size(); ++i)
           ids.push_back(agent_word(a.words[i]));
         return call(env, "formation", "POST", "/api/formations",
                     json{{"pattern", a.words[0]}, {"agents", ids}},
                     [&env](const json& x) {
                       env.out << "formation " << cell(x["id"]) << ": "
                               << cell(x["pattern"]) << " of "
                               << cell(x["agents"]) << '\n';
                     });
       }});
  add({"pin",
       "pin ID X Y Z",
       "pin an agent at a position",
       "Holds the agent at (X, Y, Z) until it is released "
       "(DELETE /api/agents/{id}/position).",
       {},
       {},
       4,
       4,
       false,
       true,
       true,
       pin});
  add({"metrics",
       "metrics ID",
       "an agent's metrics, trends and history",
       "As GET /api/agents/{id}/metrics.",
       {},
       {},
       1,
       1,
       false,
       false,
       true,
       [](command_env& env, const command_args& a) {
         return call(env, "metrics", "GET",
                     "/api/agents/" + seg(a.words[0]) + "/metrics", nullptr,
                     fields(env));
       }});
  add({"health",
       "health",
       "the node's health",
       "As GET /health: the node's components, stores and cluster.",
       {},
       {},
       0,
       0,
       false,
       false,
       false,
       [](command_env& env, const command_args&) {
         return call(env, "health", "GET", "/health", nullptr, fields(env));
       }});
  add({"help",
       "help [COMMAND]",
       "the commands, or one in full",
       "",
       {},
       {},
       0,
       1,
       false,
       false,
       false,
       [](command_env& env, const command_args& a) -> error_line {
         if (a.words.empty()) {
           table_rows rows;
           for (auto& c : commands())
             rows.push_back({c.usage, c.brief});
           print_table(env.out, {"COMMAND", "WHAT IT DOES"}, rows);
           std::string control;
           for (auto& c : commands())
             if (c.control)
               control += (control.empty() ? "" : ", ") + c.name;
           env.out << "help COMMAND says more. Commands that change the "
                      "node ("
                   << control << ") need the API key.\n";
           return std::nullopt;
         }
         for (auto& c : commands())
           if (c.name == a.words[0]) {
             env.out << "usage: " << c.usage << "\n" << c.brief << ".\n";
             if (!c.more.empty())
               env.out << c.more << '\n';
             return std::nullopt;
           }
         return "no command \"" + a.words[0] + "\" (help lists them)";
       }});
  add({"quit",
       "quit",
       "leave the shell (also exit, Ctrl-D)",
       "",
       {},
       {},
       0,
       0,
       false,
       false,
       false,
       [](command_env&, const command_args&) -> error_line {
         return "quit";
       }});
  return xs;
}

} // namespace

const std::string* command_args::option(const std::string& name) const {
  auto i = options.find(name);
  return i == options.end() ? nullptr : &i->second;
}

const std::vector<command>& commands() {
  static const std::vector<command> xs = make_commands();
  return xs;
}

std::optional<std::vector<std::string>> split_words(const std::string& line,
                                                    std::string& error) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  char quote = 0;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (c == '\\' && i + 1 < line.size() && quote != '\'') {
      word += line[++i];
      in_word = true;
    } else if (quote) {
      if (c == quote)
        quote = 0;
      else
        word += c;
    } else if (c == '"' || c == '\'') {
      quote = c;
      in_word = true;
    } else if (c == ' ' || c == '\t') {
      if (in_word)
        words.push_back(std::move(word));
      word.clear();
      in_word = false;
    } else {
      word += c;
      in_word = true;
    }
  }
  if (quote) {
    error = std::string{"unclosed "} + (quote == '"' ? "double" : "single")
            + " quote";
    return std::nullopt;
  }
  if (in_word)
    words.push_back(std::move(word));
  return words;
}

std::optional<std::string> execute(command_env& env, const std::string& line) {
  std::string error;
  auto words = split_words(line, error);
  if (!words)
    return error;
  if (words->empty())
    return std::nullopt;
  auto name = words->front();
  if (name == "exit")
    name = "quit";
  auto& all = commands();
  auto c = std::find_if(all.begin(), all.end(),
                        [&](const command& x) { return x.name == name; });
  if (c == all.end())
    return "unknown command \"" + name + "\" (help lists the commands)";
  command_args args;
  for (size_t i = 1; i < words->size(); ++i) {
    auto& w = (*words)[i];
    // The last word of a command with a text takes the rest of the line.
    bool in_text = c->rest && args.words.size() + 1 >= c->max_words;
    if (!in_text && w.size() > 2 && w.rfind("--", 0) == 0) {
      auto opt = w.substr(2);
      std::string value;
      bool has_value = false;
      if (auto eq = opt.find('='); eq != std::string::npos) {
        value = opt.substr(eq + 1);
        opt = opt.substr(0, eq);
        has_value = true;
      }
      bool is_flag = std::count(c->flags.begin(), c->flags.end(), opt) > 0;
      bool is_option
        = std::count(c->options.begin(), c->options.end(), opt) > 0;
      if (!is_flag && !is_option)
        return "unknown option --" + opt + " of " + c->name
               + "; usage: " + c->usage;
      if (is_option && !has_value) {
        if (i + 1 >= words->size())
          return "--" + opt + " needs a value; usage: " + c->usage;
        value = (*words)[++i];
      }
      args.options[opt] = value;
    } else {
      args.words.push_back(w);
    }
  }
  auto n = args.words.size();
  if (n < c->min_words || (!c->rest && n > c->max_words))
    return c->name + ": expected " + c->usage;
  return c->run(env, args);
}

} // namespace av::shell
