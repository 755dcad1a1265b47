#pragma once

#include <functional>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "session.hpp"

/// The shell's commands (docs/shell.md): each parses its words, asks the
/// node through the session and prints for people or, with --json, for
/// programs.
namespace av::shell {

/// What a command runs with.
struct command_env {
  session& node;
  std::ostream& out;
  /// --json: one JSON document per command (JSON lines for streams).
  bool json = false;
  /// A terminal: `top` redraws in place and reads `q`.
  bool terminal = false;
  /// Set by Ctrl-C while a stream or `top` runs.
  std::function<bool()> interrupted = [] {
    return false;
  };
  /// Earlier samples of `processed`, for rates: key, count and time.
  std::map<std::string, std::pair<double, int64_t>> samples;
};

/// A command's words: positional ones and `--name value` options.
struct command_args {
  std::vector<std::string> words;
  std::map<std::string, std::string> options;

  const std::string* option(const std::string& name) const;
};

/// One shell command.
struct command {
  std::string name;
  /// Its words, for `help` and error lines: `ps [--kind K] ...`.
  std::string usage;
  /// One line of what it does, then more.
  std::string brief;
  std::string more;
  /// Options that take a value, and flags that do not.
  std::vector<std::string> options;
  std::vector<std::string> flags;
  /// Positional words it takes; `rest` lets the last one take the rest of
  /// the line (a message text).
  size_t min_words = 0;
  size_t max_words = 0;
  bool rest = false;
  /// Whether the node records it as a change (needs the API key).
  bool control = false;
  /// Arguments take agent names or ids (for completion).
  bool takes_ids = false;
  /// Runs it; an error comes back as one line.
  std::function<std::optional<std::string>(command_env&, const command_args&)>
    run;
};

/// Every command, in the order `help` lists them.
const std::vector<command>& commands();

/// Splits a line into words: blanks separate, single and double quotes
/// group, a backslash escapes. Nullopt with `error` set for an unclosed
/// quote.
std::optional<std::vector<std::string>> split_words(const std::string& line,
                                                    std::string& error);

/// Runs one command line. Returns the error line, or nullopt; "quit" for
/// `quit`.
std::optional<std::string> execute(command_env& env, const std::string& line);

} // namespace av::shell
