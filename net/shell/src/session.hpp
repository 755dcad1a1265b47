#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include <caf/actor_system.hpp>
#include <caf/expected.hpp>
#include <caf/scoped_actor.hpp>
#include <nlohmann/json.hpp>

#include "av/cluster/node.hpp"
#include "av/shell/console.hpp"

namespace av::shell {

using json = nlohmann::json;

/// Where and how the shell connects.
struct session_options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 4242;
  /// The API key or a JWT; empty for none.
  std::string key;
  /// What the shell calls itself in the node's records (user@host).
  std::string client;
  /// Bound of each request to the node.
  std::chrono::milliseconds timeout{10000};
  /// Connect through TLS (CLUSTER_TLS_*, as the nodes do).
  bool tls = false;
};

/// An answer of the HTTP API: its status code and its JSON body.
struct api_answer {
  int status = 0;
  json body;

  bool ok() const { return status >= 200 && status < 300; }

  /// The error's message of a failed answer (the API's `error.message`).
  std::string error_text() const;
};

/// The shell's connection to a node: the node actor it reached on the
/// cluster port and its consoles on the nodes of the cluster (opened
/// through that node). Failures come back as one line of text.
class session {
public:
  template <class T>
  using result = caf::expected<T>;

  session(caf::actor_system& sys, session_options opts);

  /// Connects to the node and opens a console on it.
  std::optional<std::string> connect();

  /// The name of the node connected to.
  const std::string& home() const { return home_; }

  /// Whether the node is still there.
  bool up() const { return !lost_; }

  /// Runs a request of the HTTP API on the node connected to.
  result<api_answer> api(const std::string& command, const std::string& method,
                         const std::string& target, const json& body = {});

  /// The actors of the node named, as rows.
  result<json> actors(const std::string& node);

  /// One actor's status on the node named.
  result<json> inspect(const std::string& node, const std::string& key,
                       bool verbose);

  /// `restart` or `fault` of an agent of any node.
  result<api_answer> drill(const std::string& command, const std::string& key);

  /// Starts taking the node's events of the kinds in `mask` (of one agent
  /// unless `agent` is 0).
  std::optional<std::string> tail(uint32_t mask, num_id agent);

  /// The next lines of events within `wait`; empty when none came; an
  /// error when the node is gone.
  result<std::string> next_events(std::chrono::milliseconds wait);

  /// Stops the events and drops those still on their way.
  void stop_tail();

  /// Words that name the error of a request.
  std::string describe_error(const caf::error& err) const;

private:
  /// The console on the node named (the one connected to when empty).
  result<console_actor> console(const std::string& node);

  caf::actor_system& sys_;
  session_options opts_;
  caf::scoped_actor self_;
  cluster::node_actor node_;
  std::string home_;
  std::map<std::string, console_actor> consoles_;
  bool lost_ = false;
};

} // namespace av::shell
