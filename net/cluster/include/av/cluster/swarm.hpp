#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "av/actors.hpp"

/// What a node knows of the other nodes' agents and coordinations: loaded
/// from each member's inventory when it joins, kept current by the events
/// it relays (docs/cluster.md, "One swarm"). No actors here, so that the
/// rules are tested alone.
namespace av::cluster {

/// A member's agents and coordinations as of its event `seq`, with the
/// registry that owns them, and what the choice of the node that runs the
/// layout needs of it (layout_leader.hpp).
struct inventory {
  registry_actor registry;
  uint64_t seq = 0;
  std::vector<agent_summary> agents;
  std::vector<coordination_info> coordinations;
  caf::actor physics;
  bool gpu = false;
  int64_t started_ms = 0;
};

/// An agent of another node, with its node's registry.
struct remote_agent {
  agent_summary summary;
  registry_actor registry;
};

/// A coordination of another node, with its node's registry.
struct remote_coordination {
  coordination_info info;
  bool reachable = true;
  registry_actor registry;
};

class swarm {
public:
  /// `node`'s inventory: replaces what was known of it, and makes it
  /// reachable. Returns what viewers are told, in order: its agents that
  /// are new (`agent.spawned`), gone (`agent.terminated`) or in another
  /// state (`agent.state`), then the events it relayed since `seq`.
  std::vector<event> load(const std::string& node, inventory inv);

  /// Events `node` relayed, in its order. Returns those to tell viewers
  /// now: none before its inventory (they wait for it), none it had
  /// counted in its inventory already.
  std::vector<event> relay(const std::string& node, std::vector<event> events);

  /// `node` is cut off: its agents and coordinations stay, unreachable,
  /// until its next inventory; events it relays wait for that inventory.
  void lost(const std::string& node);

  /// An agent of another node by UUID or number; by name when `by_name`
  /// (of two nodes' agents with one name, the lower number).
  std::optional<remote_agent> find(const std::string& key, bool by_name) const;

  /// Some of the other nodes' agents, and how many there are in all.
  struct page {
    std::vector<agent_summary> agents;
    size_t total = 0;
  };

  /// The other nodes' agents that pass the filter's type and state, by
  /// number: at most `limit` from the `offset`th on, and the count of all.
  page agents(const std::string& type, const std::optional<agent_state>& state,
              size_t offset = 0, size_t limit = SIZE_MAX) const;

  std::optional<remote_coordination>
  find_coordination(const std::string& id) const;

  /// Another node's coordinations, of one status ("" for all).
  std::vector<coordination_info>
  coordinations(const std::optional<coord_status>& status) const;

  /// Whether `node` is reachable (false for a node not known).
  bool reachable(const std::string& node) const;

  /// Whether an inventory of `node` came, ever.
  bool known(const std::string& node) const;

  /// The registry of `node`; null when it is not reachable.
  registry_actor registry_of(const std::string& node) const;

  /// The reachable node with the fewest agents and how many it has; none
  /// when no node is reachable.
  std::optional<std::pair<std::string, size_t>> least_loaded() const;

  size_t size() const { return owner_.size(); }

private:
  struct node_view {
    bool loaded = false;
    bool reachable = false;
    uint64_t seq = 0;
    registry_actor registry;
    std::map<num_id, agent_summary> agents;
    std::map<std::string, coordination_info> coordinations;
    /// Relayed before the inventory.
    std::vector<event> waiting;
  };

  void apply(const std::string& node, node_view& x, const event& ev);
  void index(const std::string& node, const agent_summary& a);
  void forget_agent(node_view& x, num_id num);

  std::map<std::string, node_view> nodes_;
  /// Number of each known agent of another node to the node.
  std::unordered_map<num_id, std::string> owner_;
  std::unordered_map<std::string, num_id> by_uuid_;
  std::unordered_map<std::string, std::set<num_id>> by_name_;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, inventory& x) {
  return f(caf::meta::type_name("inventory"), x.registry, x.seq, x.agents,
           x.coordinations, x.physics, x.gpu, x.started_ms);
}

} // namespace av::cluster
