#pragma once

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

/// The stdio transport of a node that already runs: reads newline-delimited
/// JSON-RPC from `in`, POSTs each message to the node's Streamable HTTP
/// endpoint (with the session it issued and `Authorization: Bearer
/// <api_key>` when one is set) and writes each answer as one line to `out`,
/// one message at a time; follows the session's event stream on a second
/// connection and writes its notifications as lines too. A node that
/// cannot be reached gets the request an internal error naming the URL.
/// Ends the session when `in` ends. Returns the exit code (2 for a bad URL,
/// said on stderr).
int relay_stdio(const std::string& url, const std::string& api_key,
                std::istream& in, std::ostream& out);

} // namespace av
