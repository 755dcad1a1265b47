#include "av/cluster/swarm.hpp"

#include <algorithm>
#include <limits>

#include "av/node_context.hpp"

namespace av::cluster {

namespace {

event told(event_payload payload) {
  return event{0, now_ms(), std::move(payload), {}};
}

bool matches(const agent_summary& x, const std::string& type,
             const std::optional<agent_state>& state) {
  return (type.empty() || x.type == type) && (!state || x.state == *state);
}

} // namespace

std::vector<event> swarm::load(const std::string& node, inventory inv) {
  auto& x = nodes_[node];
  std::vector<event> result;
  std::map<num_id, agent_summary> now;
  for (auto& a : inv.agents) {
    a.reachable = true;
    a.node = node;
    now.emplace(a.num, std::move(a));
  }
  for (auto& [num, a] : x.agents)
    if (now.count(num) == 0)
      result.push_back(
        told(agent_terminated{num, a.id, "not on node \"" + node + "\""}));
  for (auto& [num, a] : now) {
    auto i = x.agents.find(num);
    if (i == x.agents.end())
      result.push_back(told(agent_spawned{a, "{}", 0}));
    else if (i->second.state != a.state)
      result.push_back(
        told(agent_state_changed{num, i->second.state, a.state, "inventory"}));
  }
  for (auto& [num, a] : x.agents)
    forget_agent(x, num);
  x.agents = std::move(now);
  for (auto& [num, a] : x.agents)
    index(node, a);
  x.coordinations.clear();
  for (auto& c : inv.coordinations) {
    c.node = node;
    x.coordinations.emplace(c.id, std::move(c));
  }
  x.loaded = true;
  x.reachable = true;
  x.seq = inv.seq;
  x.registry = std::move(inv.registry);
  auto waiting = std::move(x.waiting);
  x.waiting.clear();
  for (auto& ev : relay(node, std::move(waiting)))
    result.push_back(std::move(ev));
  return result;
}

std::vector<event> swarm::relay(const std::string& node,
                                std::vector<event> events) {
  auto& x = nodes_[node];
  if (!x.loaded) {
    for (auto& ev : events)
      x.waiting.push_back(std::move(ev));
    return {};
  }
  std::vector<event> result;
  for (auto& ev : events) {
    // Counted in the inventory already.
    if (ev.seq <= x.seq)
      continue;
    x.seq = ev.seq;
    apply(node, x, ev);
    result.push_back(std::move(ev));
  }
  return result;
}

void swarm::apply(const std::string& node, node_view& x, const event& ev) {
  if (auto s = caf::get_if<agent_spawned>(&ev.payload)) {
    auto a = s->agent;
    a.reachable = true;
    a.node = node;
    index(node, a);
    x.agents[a.num] = std::move(a);
  } else if (auto c = caf::get_if<agent_state_changed>(&ev.payload)) {
    auto i = x.agents.find(c->agent);
    if (i != x.agents.end())
      i->second.state = c->to;
  } else if (auto t = caf::get_if<agent_terminated>(&ev.payload)) {
    forget_agent(x, t->agent);
    x.agents.erase(t->agent);
  } else if (auto k = caf::get_if<coordination_event>(&ev.payload)) {
    if (!k->snapshot.id.empty()) {
      auto& c = x.coordinations[k->snapshot.id];
      c = k->snapshot;
      c.node = node;
    }
  }
}

void swarm::index(const std::string& node, const agent_summary& a) {
  owner_[a.num] = node;
  by_uuid_[a.id] = a.num;
  by_name_[a.name].insert(a.num);
}

void swarm::forget_agent(node_view& x, num_id num) {
  auto i = x.agents.find(num);
  if (i == x.agents.end())
    return;
  by_uuid_.erase(i->second.id);
  if (auto j = by_name_.find(i->second.name); j != by_name_.end()) {
    j->second.erase(num);
    if (j->second.empty())
      by_name_.erase(j);
  }
  owner_.erase(num);
}

void swarm::lost(const std::string& node) {
  auto i = nodes_.find(node);
  if (i == nodes_.end())
    return;
  auto& x = i->second;
  x.loaded = false;
  x.reachable = false;
  x.waiting.clear();
  x.registry = registry_actor{};
  for (auto& [num, a] : x.agents)
    a.reachable = false;
}

std::optional<remote_agent> swarm::find(const std::string& key,
                                        bool by_name) const {
  auto hit = [&](num_id num) -> std::optional<remote_agent> {
    auto o = owner_.find(num);
    if (o == owner_.end())
      return std::nullopt;
    auto& x = nodes_.at(o->second);
    return remote_agent{x.agents.at(num), x.registry};
  };
  if (auto i = by_uuid_.find(key); i != by_uuid_.end())
    return hit(i->second);
  if (!key.empty() && key.size() <= 10
      && std::all_of(key.begin(), key.end(),
                     [](char c) { return c >= '0' && c <= '9'; })) {
    auto value = std::stoull(key);
    if (value <= std::numeric_limits<num_id>::max())
      if (auto result = hit(static_cast<num_id>(value)))
        return result;
  }
  if (by_name)
    if (auto i = by_name_.find(key); i != by_name_.end())
      return hit(*i->second.begin());
  return std::nullopt;
}

swarm::page swarm::agents(const std::string& type,
                          const std::optional<agent_state>& state,
                          size_t offset, size_t limit) const {
  // Each node's agents are in order already: merge them, copying only the
  // page.
  using iter = std::map<num_id, agent_summary>::const_iterator;
  std::vector<std::pair<iter, iter>> runs;
  for (auto& [node, x] : nodes_)
    runs.emplace_back(x.agents.begin(), x.agents.end());
  page result;
  for (;;) {
    std::pair<iter, iter>* next = nullptr;
    for (auto& run : runs)
      if (run.first != run.second
          && (!next || run.first->first < next->first->first))
        next = &run;
    if (!next)
      return result;
    auto& a = (next->first++)->second;
    if (!matches(a, type, state))
      continue;
    if (result.total >= offset && result.agents.size() < limit)
      result.agents.push_back(a);
    ++result.total;
  }
}

std::optional<remote_coordination>
swarm::find_coordination(const std::string& id) const {
  for (auto& [node, x] : nodes_)
    if (auto i = x.coordinations.find(id); i != x.coordinations.end())
      return remote_coordination{i->second, x.reachable, x.registry};
  return std::nullopt;
}

std::vector<coordination_info>
swarm::coordinations(const std::optional<coord_status>& status) const {
  std::vector<coordination_info> result;
  for (auto& [node, x] : nodes_)
    for (auto& [id, c] : x.coordinations)
      if (!status || c.status == *status)
        result.push_back(c);
  return result;
}

bool swarm::known(const std::string& node) const {
  return nodes_.count(node) > 0;
}

registry_actor swarm::registry_of(const std::string& node) const {
  auto i = nodes_.find(node);
  return i != nodes_.end() && i->second.reachable ? i->second.registry
                                                  : registry_actor{};
}

std::optional<std::pair<std::string, size_t>> swarm::least_loaded() const {
  std::optional<std::pair<std::string, size_t>> result;
  for (auto& [node, x] : nodes_)
    if (x.reachable && (!result || x.agents.size() < result->second))
      result.emplace(node, x.agents.size());
  return result;
}

bool swarm::reachable(const std::string& node) const {
  auto i = nodes_.find(node);
  return i != nodes_.end() && i->second.reachable;
}

} // namespace av::cluster
