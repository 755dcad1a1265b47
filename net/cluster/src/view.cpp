#include "av/cluster/view.hpp"

#include <algorithm>

#include "av/base/log.hpp"
#include "av/base/text.hpp"
#include "av/error.hpp"

namespace av::cluster {

namespace {

/// Bound of a call the view makes on this node's registry itself.
constexpr auto local_timeout = std::chrono::seconds{30};

struct view_state {
  static inline const char* name = "cluster-view";
  node_context_ptr ctx;
  registry_actor local;
  bus_actor bus;
  swarm others;
  /// This node's layout, and which node runs the cluster's.
  layout_offer layout;
  int64_t started_ms = 0;
  std::optional<layout_leader> leader;
  /// The views of the members that asked for this node's inventory: they
  /// get its events.
  std::map<std::string, caf::actor> followers;
  /// This node's events not relayed yet, and whether a relay is due.
  std::vector<event> unrelayed;
  bool relay_due = false;
  uint64_t processed = 0;
  uint64_t relayed = 0;
};

using self_ptr = view_actor::stateful_pointer<view_state>;

caf::error unreachable(const std::string& what, const std::string& node) {
  return make_error(ec::node_unreachable, what + " is on node \"" + node
                                            + "\", which is unreachable");
}

/// An error handler that answers `rp` with the error.
template <class T>
auto fail_into(caf::typed_response_promise<T> rp) {
  return [rp](caf::error& err) mutable {
    rp.deliver(std::move(err));
  };
}

/// What a node tells the others: what its agents and coordinations do;
/// not its stores, its stopping or what it sees of the cluster.
constexpr uint32_t relayed_kinds
  = kind_bit(event_kind::agent_spawned) | kind_bit(event_kind::agent_state)
    | kind_bit(event_kind::task) | kind_bit(event_kind::metrics)
    | kind_bit(event_kind::message) | kind_bit(event_kind::coordination)
    | kind_bit(event_kind::agent_terminated) | kind_bit(event_kind::tool_called)
    | kind_bit(event_kind::formation);

/// Events of this node wait this long to be relayed with the ones that
/// follow: under load one message between nodes carries hundreds of them
/// (the relay cost a fifth of the rate of messages between agents of two
/// nodes), at a bounded cost in latency (docs/cluster.md).
constexpr auto relay_delay = std::chrono::milliseconds{2};

/// Relays this node's own events of a batch to the followers, with the
/// others of the next `relay_delay`.
void relay(self_ptr self, const event_batch& batch) {
  auto& st = self->state;
  if (st.followers.empty())
    return;
  for (auto& ev : *batch.events)
    if (ev.node.empty() && (kind_bit(ev.kind()) & relayed_kinds) != 0) {
      st.unrelayed.push_back(ev);
      // A message's text is for the stores, and only this node's write
      // it: the others' viewers never see it.
      if (auto m = caf::get_if<message_event>(&st.unrelayed.back().payload))
        m->content.clear();
    }
  if (st.unrelayed.empty() || st.relay_due)
    return;
  st.relay_due = true;
  self->delayed_send(self, relay_delay, relay_atom::value);
}

void relay_now(self_ptr self) {
  auto& st = self->state;
  st.relay_due = false;
  auto events = std::move(st.unrelayed);
  st.unrelayed.clear();
  if (events.empty() || st.followers.empty())
    return;
  st.relayed += events.size();
  for (auto& [name, follower] : st.followers)
    self->send(caf::actor_cast<view_actor>(follower), relay_atom::value,
               st.ctx->node_name, events);
}

/// Runs `then` once the bus has handed this view every event published so
/// far: the bus answers a flush, then a status request, in that order. A
/// failure answers `rp`.
template <class T, class F>
void after_flush(self_ptr self, caf::typed_response_promise<T> rp, F then) {
  auto& st = self->state;
  self->send(st.bus, atom::flush::value);
  self
    ->request(st.bus, local_timeout, atom::status::value,
              status_verbosity::terse)
    .then([then](caf::settings&) mutable { then(); }, fail_into(rp));
}

/// Reads this node's agents from `offset` on into `inv`, then its
/// coordinations, and answers `rp`.
void take_inventory(self_ptr self, caf::typed_response_promise<inventory> rp,
                    std::shared_ptr<inventory> inv, uint32_t offset) {
  constexpr uint32_t page_size = 1000;
  auto& st = self->state;
  auto failed = fail_into(rp);
  self
    ->request(st.local, local_timeout, atom::list::value,
              agent_filter{{}, {}, offset, page_size})
    .then(
      [self, rp, inv, offset, failed](agent_page& page) mutable {
        auto next = offset + static_cast<uint32_t>(page.agents.size());
        for (auto& x : page.agents)
          inv->agents.push_back(std::move(x));
        if (!page.agents.empty() && next < page.total)
          return take_inventory(self, rp, inv, next);
        self
          ->request(self->state.local, local_timeout, atom::coordinate::value,
                    atom::list::value, std::string{})
          .then(
            [rp, inv](std::vector<coordination_info>& xs) mutable {
              inv->coordinations = std::move(xs);
              rp.deliver(std::move(*inv));
            },
            failed);
      },
      failed);
}

/// Tells this node's physics actor which node runs the layout, when that
/// changed.
void elect(self_ptr self, const std::string& before) {
  auto& st = self->state;
  auto& now = st.leader->leader();
  if (now.node == before || !st.layout.physics)
    return;
  log::info("cluster: the layout runs on a node",
            {{"node", now.node}, {"gpu", now.gpu}});
  self->send(st.layout.physics, atom::leader::value, now.node,
             st.leader->here() ? caf::actor{} : now.physics);
}

/// Tells this node's viewers what another node's agents did.
void publish(self_ptr self, const std::string& node, std::vector<event> xs) {
  for (auto& x : xs)
    self->state.ctx->bus.publish(std::move(x.payload), x.time_ms, node);
}

/// Answers `rp` with `forward(rp, registry, key)` on the registry of the
/// node that owns the agent `key` (UUID, number or name): this node's
/// first for a name, then another's.
template <class T, class Forward>
caf::result<T> on_owner(self_ptr self, const std::string& key,
                        Forward forward) {
  auto& st = self->state;
  auto rp = self->make_response_promise<T>();
  auto remote = [self, forward](auto rp, const remote_agent& hit) mutable {
    if (self->state.others.reachable(hit.summary.node))
      forward(rp, hit.registry, hit.summary.id);
    else
      rp.deliver(unreachable("agent " + hit.summary.id, hit.summary.node));
  };
  if (auto hit = st.others.find(key, false)) {
    remote(rp, *hit);
    return rp;
  }
  // Forwarded, not asked: the registry then answers (and traces) the
  // original sender's request.
  if (is_uuid(key) || all_digits(key) || !st.others.find(key, true)) {
    forward(rp, st.local, key);
    return rp;
  }
  self->request(st.local, local_timeout, atom::get::value, key)
    .then([self, rp, key, forward](
            agent_ref&) mutable { forward(rp, self->state.local, key); },
          [self, rp, key, remote](caf::error& err) mutable {
            auto hit = code_of(err) == ec::not_found
                         ? self->state.others.find(key, true)
                         : std::nullopt;
            if (hit)
              remote(rp, *hit);
            else
              rp.deliver(std::move(err));
          });
  return rp;
}

} // namespace

view_actor::behavior_type view(self_ptr self, node_context_ptr ctx,
                               registry_actor local, bus_actor bus,
                               layout_offer layout) {
  self->state.started_ms = now_ms();
  self->state.leader.emplace(
    layout_candidate{ctx->node_name, layout.gpu, self->state.started_ms,
                     caf::actor_cast<caf::actor>(layout.physics)});
  self->state.layout = std::move(layout);
  self->state.ctx = std::move(ctx);
  self->state.local = std::move(local);
  self->state.bus = bus;
  self->send(bus, atom::subscribe::value,
             caf::actor_cast<event_sink_actor>(self), relayed_kinds);
  auto& local_registry = self->state.local;
  return {
    [=](atom::spawn, agent_spec& spec) -> caf::result<agent_info> {
      auto& st = self->state;
      ++st.processed;
      // Named, or the node with the fewest agents (this one on a tie).
      auto target = spec.node;
      if (target.empty())
        if (auto other = st.others.least_loaded();
            other && other->second < st.ctx->agents.size())
          target = other->first;
      if (target.empty() || target == st.ctx->node_name)
        return self->delegate(local_registry, atom::spawn::value,
                              std::move(spec));
      if (!st.others.known(target))
        return make_error(ec::invalid_argument, "node",
                          "no node \"" + target + "\" in the cluster");
      auto registry = st.others.registry_of(target);
      if (!registry)
        return make_error(ec::node_unreachable,
                          "node \"" + target + "\" is unreachable");
      spec.node = target;
      return self->delegate(registry, atom::spawn::value, std::move(spec));
    },
    [=](atom::spawn, agent_snapshot& snap) {
      ++self->state.processed;
      return self->delegate(local_registry, atom::spawn::value,
                            std::move(snap));
    },
    [=](atom::get, const std::string& key) -> caf::result<agent_ref> {
      ++self->state.processed;
      return on_owner<agent_ref>(
        self, key, [](auto& rp, auto& registry, const std::string& id) {
          rp.delegate(registry, atom::get::value, id);
        });
    },
    [=](atom::list, agent_filter& filter) -> caf::result<agent_page> {
      ++self->state.processed;
      auto rp = self->make_response_promise<agent_page>();
      self->request(local_registry, local_timeout, atom::list::value, filter)
        .then(
          [self, rp, filter](agent_page& page) mutable {
            // The filter's state was checked by this node's registry.
            std::optional<agent_state> state;
            agent_state wanted;
            if (!filter.state.empty() && parse(filter.state, wanted))
              state = wanted;
            // This node's agents first, then the others' by number.
            auto mine = page.total;
            size_t from = filter.offset > mine ? filter.offset - mine : 0;
            size_t room = filter.limit > page.agents.size()
                            ? filter.limit - page.agents.size()
                            : 0;
            auto others
              = self->state.others.agents(filter.type, state, from, room);
            for (auto& x : others.agents)
              page.agents.push_back(std::move(x));
            page.total += static_cast<uint32_t>(others.total);
            rp.deliver(std::move(page));
          },
          fail_into(rp));
      return rp;
    },
    [=](atom::terminate, const std::string& key,
        const std::string& reason) -> caf::result<agent_info> {
      ++self->state.processed;
      return on_owner<agent_info>(
        self, key, [reason](auto& rp, auto& registry, const std::string& id) {
          rp.delegate(registry, atom::terminate::value, id, reason);
        });
    },
    [=](atom::coordinate,
        coordination_spec& spec) -> caf::result<coordination_info> {
      auto& st = self->state;
      ++st.processed;
      // This node runs it; its registry checks this node's agents, the
      // view the others' (known, and on a node that is reachable).
      for (auto num : spec.participants) {
        if (slot_of(num) == st.ctx->slot)
          continue;
        auto hit = st.others.find(std::to_string(num), false);
        if (!hit)
          return make_error(ec::not_found, "participants",
                            "no agent with number " + std::to_string(num));
        if (!st.others.reachable(hit->summary.node))
          return unreachable("agent " + hit->summary.id, hit->summary.node);
      }
      return self->delegate(local_registry, atom::coordinate::value,
                            std::move(spec));
    },
    [=](atom::coordinate, coordination_info& info) {
      ++self->state.processed;
      return self->delegate(local_registry, atom::coordinate::value,
                            std::move(info));
    },
    [=](atom::coordinate, atom::get,
        const std::string& id) -> caf::result<coordination_ref> {
      ++self->state.processed;
      if (auto hit = self->state.others.find_coordination(id)) {
        if (!hit->reachable)
          return unreachable("coordination " + id, hit->info.node);
        return self->delegate(hit->registry, atom::coordinate::value,
                              atom::get::value, id);
      }
      return self->delegate(local_registry, atom::coordinate::value,
                            atom::get::value, id);
    },
    [=](atom::coordinate, atom::list, const std::string& status)
      -> caf::result<std::vector<coordination_info>> {
      ++self->state.processed;
      auto rp = self->make_response_promise<std::vector<coordination_info>>();
      self
        ->request(local_registry, local_timeout, atom::coordinate::value,
                  atom::list::value, status)
        .then(
          [self, rp, status](std::vector<coordination_info>& xs) mutable {
            std::optional<coord_status> wanted;
            coord_status x;
            if (!status.empty() && parse(status, x))
              wanted = x;
            for (auto& c : self->state.others.coordinations(wanted))
              xs.push_back(std::move(c));
            rp.deliver(std::move(xs));
          },
          fail_into(rp));
      return rp;
    },
    [=](atom::crashed, agent_snapshot& snap, std::string& what) {
      ++self->state.processed;
      self->send(local_registry, atom::crashed::value, std::move(snap),
                 std::move(what));
    },
    [=](const event_batch& batch) {
      ++self->state.processed;
      relay(self, batch);
    },
    [=](inventory_atom, const std::string& node,
        caf::actor& follower) -> caf::result<inventory> {
      auto& st = self->state;
      ++st.processed;
      // Every event after `seq` goes to the follower from now on; the
      // registry's listing holds every event up to it once the bus has
      // handed out what waits (the registry takes batches first), so the
      // two together miss nothing.
      st.followers[node] = std::move(follower);
      auto inv = std::make_shared<inventory>();
      inv->registry = st.local;
      inv->seq = st.ctx->bus.last_seq();
      inv->physics = caf::actor_cast<caf::actor>(st.layout.physics);
      inv->gpu = st.layout.gpu;
      inv->started_ms = st.started_ms;
      auto rp = self->make_response_promise<inventory>();
      after_flush(self, rp,
                  [self, rp, inv] { take_inventory(self, rp, inv, 0); });
      return rp;
    },
    [=](inventory_atom, const member& node, inventory& inv) {
      auto& st = self->state;
      ++st.processed;
      auto before = st.leader->leader().node;
      st.leader->up({node.name, inv.gpu, inv.started_ms, inv.physics});
      publish(self, node.name, st.others.load(node.name, std::move(inv)));
      st.ctx->bus.publish(node_joined{node.name, node.address()});
      elect(self, before);
    },
    [=](relay_atom) {
      ++self->state.processed;
      relay_now(self);
    },
    [=](atom::durable, const std::string& node) -> caf::result<uint64_t> {
      auto& st = self->state;
      ++st.processed;
      if (node.empty() || node == st.ctx->node_name) {
        // The node that asks learns of the change before the answer: the
        // relay goes first, on the same connection.
        auto seq = st.ctx->bus.last_seq();
        auto rp = self->make_response_promise<uint64_t>();
        after_flush(self, rp, [self, rp, seq]() mutable {
          relay_now(self);
          if (auto durability = self->state.ctx->durability)
            rp.delegate(durability, atom::durable::value, seq);
          else
            rp.deliver(seq);
        });
        return rp;
      }
      // The view of each member that peered with this node follows it.
      auto i = st.followers.find(node);
      if (i == st.followers.end() || !st.others.reachable(node))
        return make_error(ec::node_unreachable,
                          "node \"" + node + "\" is unreachable");
      return self->delegate(caf::actor_cast<view_actor>(i->second),
                            atom::durable::value, node);
    },
    [=](relay_atom, const std::string& node, std::vector<event>& events) {
      ++self->state.processed;
      publish(self, node, self->state.others.relay(node, std::move(events)));
    },
    [=](lost_atom, const member& node, const std::string& reason) {
      auto& st = self->state;
      ++st.processed;
      st.followers.erase(node.name);
      st.others.lost(node.name);
      st.ctx->bus.publish(node_left{node.name, node.address(), reason});
      auto before = st.leader->leader().node;
      st.leader->down(node.name);
      elect(self, before);
    },
    [=](atom::status, status_verbosity v) -> caf::result<caf::settings> {
      ++self->state.processed;
      // This node's registry answers for its agents; the view adds how
      // many of the other nodes' it knows.
      auto rp = self->make_response_promise<caf::settings>();
      self->request(local_registry, local_timeout, atom::status::value, v)
        .then(
          [self, rp](caf::settings& xs) mutable {
            auto& st = self->state;
            // The view's own header: the shell lists it apart from the
            // registry whose counts it carries.
            auto own = status_header(
              self, "cluster_view", st.ctx->node_name,
              std::to_string(st.others.size()) + " agents of other nodes, "
                + std::to_string(st.relayed) + " events relayed to "
                + std::to_string(st.followers.size()) + " nodes",
              st.processed);
            for (auto& [key, value] : own)
              xs[key] = std::move(value);
            caf::put(xs, "remote_agents",
                     static_cast<uint64_t>(st.others.size()));
            caf::put(xs, "relayed_events", st.relayed);
            rp.deliver(std::move(xs));
          },
          fail_into(rp));
      return rp;
    },
  };
}

view_actor spawn_view(caf::actor_system& sys, node_context_ptr ctx,
                      registry_actor local, bus_actor bus,
                      layout_offer layout) {
  return sys.spawn(view, std::move(ctx), std::move(local), std::move(bus),
                   std::move(layout));
}

} // namespace av::cluster
