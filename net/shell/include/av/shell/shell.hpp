#pragma once

/// The actor inspection shell (docs/shell.md): `agent-server shell`.
namespace av::shell {

/// Runs the shell with the arguments after `shell` (argv[0] is "shell"):
/// connects to a node's cluster port and reads commands from the terminal,
/// or runs the one given with -c. Returns the process's exit code: 0, 1
/// for a failed command or connection, 2 for bad arguments.
int run_shell(int argc, const char* const* argv);

} // namespace av::shell
