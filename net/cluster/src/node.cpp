#include "av/cluster/node.hpp"

#include <map>
#include <optional>

#include "av/base/log.hpp"
#include "av/error.hpp"
#include "av/node_context.hpp"

namespace av::cluster {

namespace {

struct node_state {
  static inline const char* name = "cluster-node";
  node_settings cfg;
  dialer_actor dialer;
  std::optional<membership> members;
  /// The node actor of each member that is up, and the reverse for down
  /// messages.
  std::map<std::string, caf::strong_actor_ptr> handles;
  std::map<caf::actor_addr, std::string> names;
  /// Addresses with a connect or join in flight.
  std::set<std::string> dialing;
  /// Addresses whose last try failed: said once, not on every retry.
  std::set<std::string> failing;
  /// Members whose inventory is to be asked for (again).
  std::set<std::string> inventories;
  bool retry_pending = false;
  uint64_t processed = 0;
};

using self_ptr = node_actor::stateful_pointer<node_state>;

void changed(self_ptr self, const std::string& name,
             const std::string& reason = {}) {
  auto& st = self->state;
  if (st.cfg.on_change)
    if (auto x = st.members->find(name))
      st.cfg.on_change(*x, reason);
}

/// Connects again after `retry`; one timer at a time.
void schedule_retry(self_ptr self) {
  auto& st = self->state;
  if (st.retry_pending)
    return;
  st.retry_pending = true;
  self->delayed_send(self, st.cfg.retry, retry_atom::value);
}

/// Asks the member `name` for its inventory, for the view; asks again on
/// the next retry when that fails.
void ask_inventory(self_ptr self, const std::string& name) {
  auto& st = self->state;
  auto i = st.handles.find(name);
  if (!st.cfg.view || i == st.handles.end())
    return;
  st.inventories.erase(name);
  auto peer = caf::actor_cast<node_actor>(i->second);
  self
    ->request(peer, st.cfg.timeout, inventory_atom::value, st.cfg.self.name,
              caf::actor_cast<caf::actor>(st.cfg.view))
    .then(
      [self, name](inventory& inv) {
        auto& st = self->state;
        if (auto x = st.members->find(name))
          self->send(st.cfg.view, inventory_atom::value, *x, std::move(inv));
      },
      [self, name](caf::error& err) {
        log::warn("cluster: no inventory from a node",
                  {{"node", name}, {"error", describe(err)}});
        self->state.inventories.insert(name);
        schedule_retry(self);
      });
}

/// `peer` (its node actor `handle`) is connected.
void admit(self_ptr self, const member& peer,
           const caf::strong_actor_ptr& handle) {
  auto& st = self->state;
  auto& known = st.handles[peer.name];
  auto fresh = known != handle;
  if (fresh) {
    if (known)
      st.names.erase(caf::actor_cast<caf::actor_addr>(known));
    known = handle;
    st.names[caf::actor_cast<caf::actor_addr>(handle)] = peer.name;
    self->monitor(handle);
  }
  if (st.members->up(peer, now_ms())) {
    fresh = true;
    log::info("cluster: node joined",
              {{"node", peer.name}, {"address", peer.address()}});
    changed(self, peer.name);
  }
  if (fresh)
    self->send(self, inventory_atom::value, peer.name);
}

hello hello_of(const node_settings& cfg) {
  hello result;
  result.name = cfg.self.name;
  result.host = cfg.self.host;
  result.port = cfg.self.port;
  result.slot = cfg.self.slot;
  result.proof = proof_of(cfg.secret, result);
  return result;
}

/// Connects to the node at host:port, says hello, takes it in and connects
/// to the members it knows that this node does not.
void dial(self_ptr self, const std::string& host, std::uint16_t port) {
  auto& st = self->state;
  auto address = address_of(host, port);
  if (!st.dialing.insert(address).second)
    return;
  auto failed = [self, address](const std::string& what, caf::error& err) {
    auto& st = self->state;
    st.dialing.erase(address);
    auto level = st.failing.insert(address).second ? log::level::warn
                                                   : log::level::debug;
    log::write(level, "cluster: " + what,
               {{"address", address}, {"error", describe(err)}});
    schedule_retry(self);
  };
  self->request(st.dialer, st.cfg.timeout, caf::connect_atom::value, host, port)
    .then(
      [self, address, failed](caf::node_id& where, caf::strong_actor_ptr& ptr,
                              std::set<std::string>&) {
        auto& st = self->state;
        // A seed list may name this node too.
        if (ptr == caf::actor_cast<caf::strong_actor_ptr>(self)
            || (where && where == self->node())) {
          st.dialing.erase(address);
          return;
        }
        if (!ptr) {
          caf::error err = make_error(ec::unreachable, "no node actor there");
          return failed("cannot reach a node", err);
        }
        auto peer = caf::actor_cast<node_actor>(ptr);
        self
          ->request(peer, st.cfg.timeout, join_atom::value, hello_of(st.cfg),
                    caf::actor_cast<caf::strong_actor_ptr>(self))
          .then(
            [self, address, ptr](std::vector<member>& theirs) {
              auto& st = self->state;
              st.dialing.erase(address);
              st.failing.erase(address);
              // The answer starts with the peer itself.
              if (theirs.empty())
                return;
              admit(self, theirs.front(), ptr);
              for (auto& x : st.members->to_connect(theirs))
                dial(self, x.host, x.port);
            },
            [failed](caf::error& err) { failed("peering refused", err); });
      },
      [failed](caf::error& err) { failed("cannot reach a node", err); });
}

caf::settings status_of(self_ptr self, status_verbosity v) {
  auto& st = self->state;
  auto all = st.members->list();
  uint64_t up = 0;
  for (auto& x : all)
    up += x.state == member_state::up ? 1 : 0;
  auto result = status_header(self, "cluster", st.cfg.self.name,
                              std::to_string(up) + " of "
                                + std::to_string(all.size()) + " nodes up",
                              st.processed);
  caf::put(result, "nodes.up", up);
  caf::put(result, "nodes.unreachable", all.size() - up);
  if (v >= status_verbosity::detailed)
    for (auto& x : all)
      caf::put(result, "members." + x.name,
               std::string{to_string(x.state)} + " " + x.address());
  return result;
}

node_actor::behavior_type node(self_ptr self, dialer_actor dialer,
                               node_settings cfg) {
  auto& st = self->state;
  // Up since its start: what `since` of /api/nodes says of it.
  if (cfg.self.since_ms == 0)
    cfg.self.since_ms = now_ms();
  st.members.emplace(cfg.self);
  st.cfg = std::move(cfg);
  st.dialer = std::move(dialer);
  self->set_down_handler([self](caf::down_msg& msg) {
    auto& st = self->state;
    auto i = st.names.find(msg.source);
    if (i == st.names.end())
      return;
    auto name = i->second;
    st.names.erase(i);
    st.handles.erase(name);
    st.inventories.erase(name);
    if (st.members->down(name, now_ms())) {
      auto reason = caf::to_string(msg.reason);
      log::warn("cluster: node left", {{"node", name}, {"reason", reason}});
      changed(self, name, reason);
      if (st.cfg.view)
        self->send(st.cfg.view, lost_atom::value, *st.members->find(name),
                   reason);
    }
    schedule_retry(self);
  });
  return {
    [=](join_atom, hello& theirs,
        caf::strong_actor_ptr& handle) -> caf::result<std::vector<member>> {
      auto& st = self->state;
      ++st.processed;
      auto address = address_of(theirs.host, theirs.port);
      auto why = refusal(theirs, st.cfg.self.name, st.cfg.secret);
      if (!why)
        why = st.members->taken(theirs);
      if (!why && !handle)
        why = "no node actor to answer to";
      if (why) {
        log::warn("cluster: refused a node",
                  {{"node", theirs.name}, {"address", address}, {"why", *why}});
        return make_error(ec::conflict, "refused by node \"" + st.cfg.self.name
                                          + "\": " + *why);
      }
      admit(self, member{theirs.name, theirs.host, theirs.port, theirs.slot},
            handle);
      return st.members->list();
    },
    [=](atom::list) {
      ++self->state.processed;
      return self->state.members->list();
    },
    [=](shell_atom, std::string& credential, std::string& client,
        const std::string& name) -> caf::result<caf::actor, std::string> {
      auto& st = self->state;
      ++st.processed;
      if (name.empty() || name == st.cfg.self.name) {
        auto gate = self->home_system().registry().get(shell_gate_name);
        if (!gate)
          return {caf::actor{},
                  "node \"" + st.cfg.self.name + "\" runs no shell gate"};
        return self->delegate(caf::actor_cast<shell_gate_actor>(gate),
                              shell_atom::value, std::move(credential),
                              std::move(client));
      }
      // Another member's console, through this node: the shell needs no
      // route of its own to it.
      auto i = st.handles.find(name);
      if (i == st.handles.end())
        return {caf::actor{}, "no node \"" + name
                                + "\" is up in the cluster of node \""
                                + st.cfg.self.name + "\""};
      return self->delegate(caf::actor_cast<node_actor>(i->second),
                            shell_atom::value, std::move(credential),
                            std::move(client), name);
    },
    [=](caf::publish_atom, std::uint16_t port) {
      auto& st = self->state;
      ++st.processed;
      // Before any peer: nobody knows this node's address yet.
      st.cfg.self.port = port;
      st.members.emplace(st.cfg.self);
      for (auto& [host, seed_port] : st.cfg.seeds)
        dial(self, host, seed_port);
    },
    [=](caf::connect_atom, const std::string& host, std::uint16_t port) {
      ++self->state.processed;
      dial(self, host, port);
    },
    [=](retry_atom) {
      auto& st = self->state;
      ++st.processed;
      st.retry_pending = false;
      auto wanted = st.inventories;
      for (auto& name : wanted)
        ask_inventory(self, name);
      auto lost = st.members->unreachable();
      for (auto& x : lost)
        dial(self, x.host, x.port);
      // Alone: the seeds are the way in.
      if (st.handles.empty())
        for (auto& [host, port] : st.cfg.seeds)
          dial(self, host, port);
      if (!lost.empty() || (st.handles.empty() && !st.cfg.seeds.empty()))
        schedule_retry(self);
    },
    [=](inventory_atom, const std::string& name) {
      ++self->state.processed;
      ask_inventory(self, name);
    },
    [=](inventory_atom, const std::string& name,
        caf::actor& follower) -> caf::result<inventory> {
      auto& st = self->state;
      ++st.processed;
      // Members only: a client that reached the port without peering
      // (and proving the secret) learns nothing.
      auto i = st.names.find(self->current_sender()
                               ? self->current_sender()->address()
                               : caf::actor_addr{});
      if (i == st.names.end() || i->second != name || !st.cfg.view)
        return make_error(ec::conflict, "node \"" + name
                                          + "\" is not a member of node \""
                                          + st.cfg.self.name + "\"'s cluster");
      return self->delegate(st.cfg.view, inventory_atom::value, name,
                            std::move(follower));
    },
    [=](atom::status, status_verbosity v) {
      ++self->state.processed;
      return status_of(self, v);
    },
  };
}

} // namespace

node_actor spawn_node(caf::actor_system& sys, dialer_actor dialer,
                      node_settings cfg) {
  return sys.spawn(node, std::move(dialer), std::move(cfg));
}

} // namespace av::cluster
