#include "av/config.hpp"

#include <algorithm>
#include <cstdio>
#include <map>

#include <CLI/CLI.hpp>

#include "spec.hpp"

#ifndef AV_VERSION
#  define AV_VERSION "0.0.0"
#endif

namespace av::config {

namespace {

constexpr std::string_view program = "agent-server";

/// A subcommand and what it maps to. Adding `migrate` or `mcp` takes one
/// enumerator in `command` and one row here.
struct subcommand_row {
  const char* name;
  const char* doc;
  command cmd;
};

constexpr subcommand_row subcommands[] = {
  {"serve", "run the server (the default)", command::serve},
  {"mcp", "run the server for MCP clients; --stdio talks MCP on stdin/stdout",
   command::mcp},
  {"migrate", "apply the database migrations (DATABASE_URL) and exit",
   command::migrate},
};

/// Where the value of a setting came from.
struct source {
  /// ENV_NAME or --flag, for error messages.
  std::string label;
  std::string text;
  /// 0 for the default, 1 for the environment, 2 for a flag.
  int rank = 0;
};

/// Quotes `x` for an error line, escaping what would break the line.
std::string quote(std::string_view x) {
  std::string result = "\"";
  for (auto c : x) {
    auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      result += '\\';
      result += c;
    } else if (byte < 0x20 || byte == 0x7F) {
      char buf[5];
      std::snprintf(buf, sizeof(buf), "\\x%02X", byte);
      result += buf;
    } else {
      result += c;
    }
  }
  result += '"';
  return result;
}

/// Writes `agent-server: invalid NAME="value": expected ...` to `err`.
void report(std::ostream& err, const detail::spec& row, const source& src,
            std::string_view problem) {
  err << program << ": invalid " << src.label;
  if (row.shown == detail::exposure::secret)
    err << " (value hidden)";
  else
    err << '=' << quote(detail::redact(row, src.text));
  err << ": " << problem << '\n';
}

/// Picks the text that wins for `row`: the flag, else the environment
/// (the alias second), else none. Empty variables count as unset, as `VAR=`
/// in a compose file usually means.
source pick(const detail::spec& row, const CLI::Option& flag,
            const std::string& flag_value, const env_lookup& env) {
  if (flag.count() > 0)
    return {std::string{row.name.flag}, flag_value, 2};
  for (auto name : {row.name.env, row.name.alias}) {
    if (name.empty())
      continue;
    std::string key{name};
    if (auto value = env(key); value && !value->empty())
      return {std::move(key), std::move(*value), 1};
  }
  return {std::string{row.name.env}, {}, 0};
}

/// Adds the flag of `row` to `app`, storing its text in `value`.
CLI::Option* add_setting(CLI::App& app, const detail::spec& row,
                         std::string& value) {
  auto help = std::string{row.name.doc} + " [env " + std::string{row.name.env};
  if (!row.name.alias.empty())
    help += " or " + std::string{row.name.alias};
  if (auto dflt = detail::redact(row, row.show(settings{})); !dflt.empty())
    help += ", default " + dflt;
  help += ']';
  std::string flag{row.name.flag};
  if (row.is_bool)
    return app.add_flag(flag, value, help);
  return app.add_option(flag, value, help)
    ->type_name(row.hint)
    ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
}

/// Finds two listeners on one port. Returns the one to blame, the one set
/// explicitly rather than the default it collides with, and the problem.
std::optional<std::pair<size_t, std::string>>
find_port_clash(const settings& cfg, const std::vector<source>& sources) {
  const auto& rows = detail::table();
  std::map<std::string, size_t> seen;
  for (size_t i = 0; i < rows.size(); ++i) {
    if (!rows[i].listener)
      continue;
    auto [pos, added] = seen.emplace(rows[i].show(cfg), i);
    if (added)
      continue;
    auto first = pos->second;
    auto blamed = sources[i].rank >= sources[first].rank ? i : first;
    auto other = blamed == i ? first : i;
    return std::make_pair(
      blamed, "same port as " + sources[other].label
                + "; the API, WebSocket, MCP, metrics and cluster ports must "
                  "differ");
  }
  return std::nullopt;
}

/// Applies the winning text of every setting to `cfg`, defaults < environment
/// < flags, then checks the listeners. Only the winning text is validated.
/// TLS between nodes takes a certificate, its key and the CA together.
/// Returns the row to blame, one that is set, and the problem.
std::optional<std::pair<size_t, std::string>>
find_tls_gap(const std::vector<source>& sources) {
  const auto& rows = detail::table();
  std::optional<size_t> set;
  std::string missing;
  for (size_t i = 0; i < rows.size(); ++i) {
    auto env = rows[i].name.env;
    if (env.rfind("CLUSTER_TLS_", 0) != 0)
      continue;
    if (sources[i].rank > 0)
      set = set.value_or(i);
    else
      missing += (missing.empty() ? "" : " and ") + std::string{env};
  }
  if (!set || missing.empty())
    return std::nullopt;
  return std::make_pair(*set, "TLS between nodes takes CLUSTER_TLS_CERT, "
                              "CLUSTER_TLS_KEY and CLUSTER_TLS_CA together; "
                                + missing + " not set");
}

/// Returns false after reporting the first problem to `err`.
bool apply(const std::vector<CLI::Option*>& flags,
           const std::vector<std::string>& flag_values, const env_lookup& env,
           settings& cfg, std::ostream& err) {
  const auto& rows = detail::table();
  std::vector<source> sources;
  for (size_t i = 0; i < rows.size(); ++i) {
    sources.push_back(pick(rows[i], *flags[i], flag_values[i], env));
    if (sources[i].rank == 0)
      continue;
    if (auto problem = rows[i].assign(sources[i].text, cfg)) {
      report(err, rows[i], sources[i], *problem);
      return false;
    }
  }
  if (auto clash = find_port_clash(cfg, sources)) {
    auto& blamed = sources[clash->first];
    blamed.text = rows[clash->first].show(cfg);
    report(err, rows[clash->first], blamed, clash->second);
    return false;
  }
  if (auto gap = find_tls_gap(sources)) {
    report(err, rows[gap->first], sources[gap->first], gap->second);
    return false;
  }
  return true;
}

} // namespace

parse_result parse(int argc, const char* const* argv, const env_lookup& env,
                   std::ostream& out, std::ostream& err) {
  parse_result result;
  const auto& rows = detail::table();
  CLI::App app{"Shows and steers swarms of AI agents live.",
               std::string{program}};
  app.footer("Each option can also be set by the environment variable in "
             "brackets; flags win over the environment. Booleans take --flag "
             "or --flag=false. See docs/configuration.md. `agent-server shell "
             "--help`: the actor inspection shell (docs/shell.md).");
  std::vector<std::string> flag_values(rows.size());
  std::vector<CLI::Option*> flags;
  for (size_t i = 0; i < rows.size(); ++i)
    flags.push_back(add_setting(app, rows[i], flag_values[i]));
  auto* version = app.add_flag("--version", "print the version and exit");
  auto* print_config = app.add_flag(
    "--print-config", "print the settings, secrets hidden, and exit");
  std::vector<CLI::App*> commands;
  bool migrate_status = false;
  for (const auto& sub : subcommands) {
    commands.push_back(app.add_subcommand(sub.name, sub.doc)->fallthrough());
    if (sub.cmd == command::migrate)
      commands.back()->add_flag("--status", migrate_status,
                                "list applied and pending migrations only");
    if (sub.cmd == command::mcp) {
      auto* stdio = commands.back()->add_flag("--stdio", result.stdio,
                                              "newline-delimited JSON-RPC on "
                                              "stdin/stdout, logs on stderr");
      commands.back()
        ->add_option("--connect", result.connect,
                     "with --stdio: relay to a running node's MCP endpoint, "
                     "e.g. http://127.0.0.1:3001/mcp, instead of hosting one")
        ->needs(stdio);
    }
  }
  app.require_subcommand(0, 1);
  // CLI11 reads argv[0]; a process may be started with an empty argv.
  const char* const no_args[] = {"agent-server"};
  if (argc < 1) {
    argc = 1;
    argv = no_args;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) {
      app.exit(e, out, err); // --help
      result.exit_code = 0;
    } else {
      std::string msg = e.what();
      std::replace(msg.begin(), msg.end(), '\n', ' ');
      err << program << ": " << msg << " (see --help)\n";
      result.exit_code = 2;
    }
    return result;
  }
  if (version->count() > 0) {
    out << program << ' ' << AV_VERSION << '\n';
    result.exit_code = 0;
    return result;
  }
  for (size_t i = 0; i < commands.size(); ++i)
    if (commands[i]->parsed())
      result.cmd = subcommands[i].cmd;
  result.migrate_status = migrate_status;
  if (!apply(flags, flag_values, env, result.cfg, err)) {
    result.exit_code = 2;
    return result;
  }
  if (print_config->count() > 0) {
    for (const auto& [name, value] : describe(result.cfg))
      out << name << '=' << value << '\n';
    result.exit_code = 0;
  }
  return result;
}

} // namespace av::config
