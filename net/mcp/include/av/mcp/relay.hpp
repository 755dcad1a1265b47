#pragma once

#include <cstddef>
#include <iosfwd>
#include <optional>
#include <string>

namespace av {

/// Where `mcp --stdio --connect URL` sends its requests.
struct relay_target {
  std::string host;
  std::string port;
  /// The path, `/mcp` when the URL names none.
  std::string target;
};

/// Reads `http://host[:port][/path]`; nullopt with `error` set when it is
/// not one (https is not spoken here: relay to a node on this host).
std::optional<relay_target> parse_relay_url(const std::string& url,
                                            std::string& error);

/// Messages `relay_stdio` has in flight at most, each on a connection of
/// its own; the next line waits on stdin until one is answered.
constexpr size_t relay_max_in_flight = 8;

/// The stdio transport of a node that already runs: reads newline-delimited
/// JSON-RPC from `in`, POSTs each message to the node's Streamable HTTP
/// endpoint (with the session it issued and `Authorization: Bearer
/// <api_key>` when one is set) and writes each answer as one line to `out`.
/// Up to `relay_max_in_flight` messages are in flight; answers come in the
/// order the node gives them (their ids tie them to the requests), and
/// `initialize` goes alone, once everything before it is answered and
/// before anything after it is sent. Follows the session's event stream on
/// another connection and writes its notifications as lines too. A node that
/// cannot be reached gets the request an internal error naming the URL.
/// Ends the session when `in` ends. Returns the exit code (2 for a bad URL,
/// said on stderr).
int relay_stdio(const std::string& url, const std::string& api_key,
                std::istream& in, std::ostream& out);

} // namespace av
