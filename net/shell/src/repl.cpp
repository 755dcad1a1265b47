#include "av/shell/shell.hpp"

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <termios.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/io/middleman.hpp>
#include <editline/readline.h>

#include "av/base/endpoint.hpp"
#include "av/cluster/service.hpp"
#include "av/config.hpp"
#include "commands.hpp"

namespace av::shell {

namespace {

/// Set by Ctrl-C while a command runs; a stream or `top` then ends.
std::atomic<bool> interrupted{false};

void on_interrupt(int) {
  interrupted = true;
}

std::string env_or(const char* name, std::string fallback) {
  auto x = std::getenv(name);
  return x && *x ? std::string{x} : std::move(fallback);
}

/// CAF's part of the shell: the middleman (through TLS with
/// CLUSTER_TLS_*), the nodes' protocol identifier and their message types.
class shell_config : public caf::actor_system_config {
public:
  explicit shell_config(const config::settings& cfg) {
    set("logger.verbosity", caf::atom("quiet"));
    set("scheduler.max-threads", 2);
    add_message_types<caf::id_block::av>();
    cluster::configure(*this, cfg);
  }
};

// -- completion ---------------------------------------------------------------

/// What completion reads: the session and the names it offers.
struct completer {
  session* node = nullptr;
  std::vector<std::string> words;
  int64_t fetched_ms = 0;

  /// Agent numbers and names and coordination ids, read at most every two
  /// seconds (a listing per Tab would be slow on a big swarm).
  const std::vector<std::string>& ids() {
    auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::steady_clock::now().time_since_epoch())
                 .count();
    if (now - fetched_ms < 2000)
      return words;
    fetched_ms = now;
    words.clear();
    if (auto x = node->api("complete", "GET", "/api/agents?limit=1000"))
      for (auto& a : x->body.value("agents", json::array())) {
        words.push_back(std::to_string(a.value("numId", 0)));
        if (auto n = a.value("name", ""); !n.empty())
          words.push_back(n);
      }
    if (auto x = node->api("complete", "GET", "/api/coordinations"))
      for (auto& c : x->body.value("coordinations", json::array()))
        words.push_back(c.value("id", ""));
    return words;
  }
};

completer completion;
std::vector<std::string> candidates;

char* next_candidate(const char* text, int state) {
  static size_t i = 0;
  if (state == 0)
    i = 0;
  auto n = std::strlen(text);
  while (i < candidates.size()) {
    auto& c = candidates[i++];
    if (c.compare(0, n, text) == 0)
      return strdup(c.c_str());
  }
  return nullptr;
}

/// Commands in first place; then the command's options, and agent and
/// coordination ids where it takes them.
char** complete(const char* text, int start, int) {
  rl_attempted_completion_over = 1;
  candidates.clear();
  std::string before{rl_line_buffer, static_cast<size_t>(start)};
  std::string error;
  auto words = split_words(before, error);
  if (!words || words->empty()) {
    for (auto& c : commands())
      candidates.push_back(c.name);
  } else {
    for (auto& c : commands())
      if (c.name == words->front()) {
        for (auto& o : c.options)
          candidates.push_back("--" + o);
        for (auto& f : c.flags)
          candidates.push_back("--" + f);
        if (c.takes_ids)
          for (auto& id : completion.ids())
            candidates.push_back(id);
        if (c.name == "help")
          for (auto& x : commands())
            candidates.push_back(x.name);
      }
  }
  return rl_completion_matches(text, next_candidate);
}

// -- the loop
// -------------------------------------------------------------------

int repl(command_env& env, const std::string& history, bool terminal) {
  if (terminal) {
    rl_readline_name = "agent-server-shell";
    rl_attempted_completion_function = complete;
    using_history();
    stifle_history(1000);
    read_history(history.c_str());
    std::cout << "connected to node " << env.node.home()
              << "; help lists the commands, quit leaves\n";
  }
  // The terminal as the shell found it: commands print in that mode, not
  // in whatever the line editor leaves behind.
  termios original{};
  bool restore = terminal && tcgetattr(0, &original) == 0;
  int failures = 0;
  for (;;) {
    std::string line;
    if (terminal) {
      auto prompt = env.node.home() + "> ";
      char* raw = readline(prompt.c_str());
      if (!raw) {
        std::cout << '\n';
        break;
      }
      line = raw;
      std::free(raw);
      if (restore)
        tcsetattr(0, TCSANOW, &original);
      if (line.find_first_not_of(" \t") != std::string::npos) {
        add_history(line.c_str());
        write_history(history.c_str());
      }
    } else if (!std::getline(std::cin, line)) {
      break;
    }
    interrupted = false;
    auto err = execute(env, line);
    if (err && *err == "quit")
      break;
    if (err) {
      ++failures;
      std::cerr << "error: " << *err << '\n';
    }
    if (!env.node.up()) {
      std::cerr << "error: node \"" << env.node.home()
                << "\" went away; the shell ends\n";
      return 1;
    }
  }
  return terminal || failures == 0 ? 0 : 1;
}

} // namespace

int run_shell(int argc, const char* const* argv) {
  std::string connect = env_or("AV_SHELL_CONNECT", "127.0.0.1:4242");
  std::string key = env_or("AV_SHELL_KEY", "");
  std::string command;
  bool as_json = false;
  int timeout_ms = 10000;
  std::string history = env_or("HOME", ".") + "/.av_shell_history";
  config::settings cfg;
  cfg.cluster_tls_cert = env_or("CLUSTER_TLS_CERT", "");
  cfg.cluster_tls_key = env_or("CLUSTER_TLS_KEY", "");
  cfg.cluster_tls_ca = env_or("CLUSTER_TLS_CA", "");
  CLI::App app{"The actor inspection shell: look inside a running node (or "
               "cluster) and act on it (docs/shell.md).",
               "agent-server shell"};
  app
    .add_option("--connect", connect,
                "the node's cluster port, host:port [AV_SHELL_CONNECT]")
    ->capture_default_str();
  app.add_option("--key", key,
                 "the node's API key or a JWT; without it only reads work, "
                 "and only where the node allows them [AV_SHELL_KEY]");
  app.add_option("-c", command, "run this one command and exit");
  app.add_flag("--json", as_json, "print JSON (JSON lines for streams)");
  app.add_option("--timeout-ms", timeout_ms, "bound of each request")
    ->capture_default_str()
    ->check(CLI::Range(100, 600000));
  app.add_option("--history", history, "the history file")
    ->capture_default_str();
  app.add_option("--tls-cert", cfg.cluster_tls_cert,
                 "certificate for TLS to the node [CLUSTER_TLS_CERT]");
  app.add_option("--tls-key", cfg.cluster_tls_key, "its key [CLUSTER_TLS_KEY]");
  app.add_option("--tls-ca", cfg.cluster_tls_ca,
                 "CA that signed the node's certificate [CLUSTER_TLS_CA]");
  std::string names;
  for (auto& c : commands())
    names += (names.empty() ? "" : ", ") + c.name;
  app.footer("Commands: " + names
             + ". Inside the shell, help COMMAND says more.");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) {
      app.exit(e, std::cout, std::cerr);
      return 0;
    }
    std::string msg = e.what();
    std::replace(msg.begin(), msg.end(), '\n', ' ');
    std::cerr << "agent-server shell: " << msg << " (see --help)\n";
    return 2;
  }
  auto where = parse_endpoint(connect, 4242);
  if (!where) {
    std::cerr << "agent-server shell: --connect: expected host:port, "
              << where.error() << '\n';
    return 2;
  }
  bool tls = !cfg.cluster_tls_cert.empty() || !cfg.cluster_tls_key.empty()
             || !cfg.cluster_tls_ca.empty();
  if (tls
      && (cfg.cluster_tls_cert.empty() || cfg.cluster_tls_key.empty()
          || cfg.cluster_tls_ca.empty())) {
    std::cerr << "agent-server shell: TLS needs --tls-cert, --tls-key and "
                 "--tls-ca together\n";
    return 2;
  }
  shell_config caf_cfg{cfg};
  caf::actor_system sys{caf_cfg};
  session_options opts;
  opts.host = where->host;
  opts.port = where->port;
  opts.key = key;
  opts.timeout = std::chrono::milliseconds{timeout_ms};
  opts.tls = tls;
  char host[256] = "unknown";
  gethostname(host, sizeof host - 1);
  opts.client = env_or("USER", "someone") + "@" + host;
  session node{sys, opts};
  if (auto err = node.connect()) {
    std::cerr << "error: " << *err << '\n';
    return 1;
  }
  bool terminal = isatty(0) && isatty(1);
  command_env env{node, std::cout, as_json, false, {}, {}};
  env.terminal = terminal && command.empty();
  env.interrupted = [] {
    return interrupted.load();
  };
  // Ctrl-C ends a stream or `top`, not the shell.
  std::signal(SIGINT, on_interrupt);
  completion.node = &node;
  if (!command.empty()) {
    env.terminal = terminal;
    auto err = execute(env, command);
    if (err && *err != "quit") {
      std::cerr << "error: " << *err << '\n';
      return 1;
    }
    return 0;
  }
  return repl(env, history, terminal);
}

} // namespace av::shell
