#include "av/cluster/membership.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>

namespace av::cluster {

std::string app_identifier() {
  return "agentviz-cluster/" + std::to_string(protocol_version);
}

const char* to_string(member_state x) {
  switch (x) {
    case member_state::up: return "up";
    case member_state::unreachable: return "unreachable";
  }
  return "?";
}

std::string address_of(const std::string& host, std::uint16_t port) {
  auto h = host.find(':') == std::string::npos ? host : "[" + host + "]";
  return h + ":" + std::to_string(port);
}

std::string proof_of(const std::string& secret, const hello& x) {
  if (secret.empty())
    return {};
  // Version, name, host and port, separated by a byte no name holds.
  auto text = std::to_string(x.version) + '\n' + x.name + '\n' + x.host + '\n'
              + std::to_string(x.port) + '\n' + std::to_string(x.slot);
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned int size = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(text.data()), text.size(),
       mac.data(), &size);
  static constexpr char digits[] = "0123456789abcdef";
  std::string result;
  for (unsigned int i = 0; i < size; ++i) {
    result += digits[mac[i] >> 4];
    result += digits[mac[i] & 0xf];
  }
  return result;
}

std::optional<std::string> refusal(const hello& theirs, const std::string& mine,
                                   const std::string& secret) {
  if (theirs.version != protocol_version)
    return "protocol version " + std::to_string(theirs.version)
           + " is not this node's " + std::to_string(protocol_version)
           + " (run the same agent-server version on every node)";
  if (theirs.name.empty())
    return std::string{"the node has no name"};
  if (theirs.name == mine)
    return "node name \"" + mine
           + "\" is this node's own (give every node its own NODE_NAME)";
  // Compared in full: the length of a proof is no secret.
  if (theirs.proof != proof_of(secret, theirs))
    return std::string{secret.empty() ? "the node sends a cluster secret, "
                                        "this node has none"
                                      : "wrong cluster secret (CLUSTER_SECRET "
                                        "differs)"};
  return std::nullopt;
}

membership::membership(member self) : self_(std::move(self)) {}

std::optional<std::string> membership::taken(const hello& peer) const {
  auto slot_clash = [&](const member& x) {
    return "node \"" + peer.name + "\" numbers its agents in slot "
           + std::to_string(peer.slot) + " as node \"" + x.name
           + "\" does (give one of them another NODE_SLOT)";
  };
  if (peer.slot == self_.slot)
    return slot_clash(self_);
  for (auto& [name, x] : others_)
    if (name != peer.name && x.state == member_state::up && x.slot == peer.slot)
      return slot_clash(x);
  auto i = others_.find(peer.name);
  if (i == others_.end() || i->second.state != member_state::up)
    return std::nullopt;
  if (i->second.host == peer.host && i->second.port == peer.port)
    return std::nullopt;
  return "node name \"" + peer.name + "\" is taken by the node at "
         + i->second.address();
}

bool membership::up(const member& peer, std::int64_t now_ms) {
  auto [i, added] = others_.emplace(peer.name, peer);
  auto news = added || i->second.state != member_state::up;
  if (!added) {
    i->second.host = peer.host;
    i->second.port = peer.port;
    i->second.slot = peer.slot;
  }
  if (news) {
    i->second.state = member_state::up;
    i->second.since_ms = now_ms;
  }
  return news;
}

bool membership::down(const std::string& name, std::int64_t now_ms) {
  auto i = others_.find(name);
  if (i == others_.end() || i->second.state != member_state::up)
    return false;
  i->second.state = member_state::unreachable;
  i->second.since_ms = now_ms;
  return true;
}

std::vector<member>
membership::to_connect(const std::vector<member>& theirs) const {
  std::vector<member> result;
  for (auto& x : theirs) {
    if (x.name == self_.name)
      continue;
    auto i = others_.find(x.name);
    if (i == others_.end() || i->second.state != member_state::up)
      result.push_back(x);
  }
  return result;
}

std::vector<member> membership::list() const {
  std::vector<member> result{self_};
  for (auto& kvp : others_)
    result.push_back(kvp.second);
  return result;
}

std::vector<member> membership::unreachable() const {
  std::vector<member> result;
  for (auto& kvp : others_)
    if (kvp.second.state != member_state::up)
      result.push_back(kvp.second);
  return result;
}

const member* membership::find(const std::string& name) const {
  auto i = others_.find(name);
  return i == others_.end() ? nullptr : &i->second;
}

} // namespace av::cluster
