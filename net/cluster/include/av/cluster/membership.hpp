#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <caf/meta/type_name.hpp>

/// What a node knows of the cluster's members, and the rules of peering;
/// no actors and no sockets here, so that the rules are tested alone
/// (docs/cluster.md, "Membership").
namespace av::cluster {

/// The cluster protocol's version: nodes of different versions refuse to
/// peer. Also CAF's `middleman.app-identifiers` (app_identifier()).
constexpr std::uint32_t protocol_version = 2;

/// `agentviz-cluster/<version>`.
std::string app_identifier();

enum class member_state : std::uint8_t {
  /// Connected.
  up,
  /// Its connection was lost (it died, or the network cut it off); its
  /// agents are shown unreachable until it comes back.
  unreachable,
};

const char* to_string(member_state x);

/// `host:port`, with brackets around an IPv6 host.
std::string address_of(const std::string& host, std::uint16_t port);

/// A node of the cluster as another node knows it.
struct member {
  /// NODE_NAME: unique in the cluster, kept across restarts.
  std::string name;
  /// Where its cluster port is reached.
  std::string host;
  std::uint16_t port = 0;
  /// NODE_SLOT: the top bits of the numbers of its agents.
  std::uint32_t slot = 0;
  member_state state = member_state::up;
  /// When it entered `state`, in ms since the epoch.
  std::int64_t since_ms = 0;

  std::string address() const { return address_of(host, port); }
};

/// What a node says when it peers: who it is, where it listens, and proof
/// that it holds the cluster secret.
struct hello {
  std::uint32_t version = protocol_version;
  std::string name;
  std::string host;
  std::uint16_t port = 0;
  std::uint32_t slot = 0;
  /// proof_of(secret, name, host, port, slot); empty without a secret.
  std::string proof;
};

/// HMAC-SHA256 of the hello's name, host, port and slot under `secret`, in hex;
/// empty for an empty secret. The secret itself never crosses the wire.
std::string proof_of(const std::string& secret, const hello& x);

/// Why `theirs` may not peer with a node named `mine` holding `secret`,
/// in one line; nothing when it may.
std::optional<std::string> refusal(const hello& theirs, const std::string& mine,
                                   const std::string& secret);

/// The members a node knows, itself included.
class membership {
public:
  explicit membership(member self);

  const member& self() const { return self_; }

  /// Why `peer` may not take its name or slot now: another up member holds
  /// the name at another address (a name is owned by one node at any
  /// time), or this node or another up member numbers in the slot.
  std::optional<std::string> taken(const hello& peer) const;

  /// `peer` is connected. Returns whether that is news: it was unknown or
  /// unreachable.
  bool up(const member& peer, std::int64_t now_ms);

  /// `name`'s connection is lost. Returns whether it was up.
  bool down(const std::string& name, std::int64_t now_ms);

  /// Of a peer's list, the members this node should connect to: not
  /// itself, not up here already.
  std::vector<member> to_connect(const std::vector<member>& theirs) const;

  /// Every member: itself first, then the others by name.
  std::vector<member> list() const;

  /// The members that are not up, to connect to again.
  std::vector<member> unreachable() const;

  const member* find(const std::string& name) const;

private:
  member self_;
  std::map<std::string, member> others_;
};

// Members and hellos travel between nodes.

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, member& x) {
  return f(caf::meta::type_name("member"), x.name, x.host, x.port, x.slot,
           x.state, x.since_ms);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, hello& x) {
  return f(caf::meta::type_name("hello"), x.version, x.name, x.host, x.port,
           x.slot, x.proof);
}

} // namespace av::cluster
