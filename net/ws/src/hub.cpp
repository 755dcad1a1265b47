#include "av/ws/hub.hpp"

#include <algorithm>
#include <array>

#include <nlohmann/json.hpp>

#include "av/api/event_json.hpp"
#include "av/ws/frame.hpp"

namespace av {

namespace {

using json = nlohmann::json;
using self_ptr = hub_actor::stateful_pointer<hub_data>;

template <class T>
bool contains(const std::vector<T>& xs, const T& x) {
  return std::find(xs.begin(), xs.end(), x) != xs.end();
}

bool restricted(const ws_filter& f) {
  return !f.types.empty() || !f.states.empty() || !f.coordinations.empty();
}

bool matches(const hub_data& st, const ws_filter& f, num_id num,
             const hub_data::agent_entry& a) {
  if (!f.types.empty() && !contains(f.types, a.type))
    return false;
  if (!f.states.empty() && !contains(f.states, a.state))
    return false;
  if (f.coordinations.empty())
    return true;
  for (auto& id : f.coordinations) {
    auto i = st.coordinations.find(id);
    if (i != st.coordinations.end() && i->second.count(num) > 0)
      return true;
  }
  return false;
}

/// Adds matching agents, lowest numbers first, while the group has room.
void refill(const hub_data& st, hub_data::group& g) {
  for (auto& [num, a] : st.agents) {
    if (g.visible.size() >= g.filter.max_agents)
      return;
    if (g.visible.count(num) == 0 && matches(st, g.filter, num, a))
      g.visible.insert(num);
  }
}

/// Drops a subscription of session `id` that waits for the index.
void forget_waiting(hub_data& st, uint64_t id) {
  auto& xs = st.waiting;
  xs.erase(
    std::remove_if(xs.begin(), xs.end(),
                   [id](const ws_subscription& x) { return x.id == id; }),
    xs.end());
}

void leave(hub_data& st, uint64_t id) {
  auto i = st.members.find(id);
  if (i == st.members.end())
    return;
  auto g = st.groups.find(i->second.group);
  if (g != st.groups.end()) {
    auto& xs = g->second.members;
    xs.erase(std::remove(xs.begin(), xs.end(), id), xs.end());
    if (xs.empty())
      st.groups.erase(g);
  }
  st.members.erase(i);
}

/// Hands `x` to members `to`: one task per I/O thread for connections with
/// a lane, a message to the session actor for the others.
void deliver(self_ptr self, const std::vector<hub_data::member*>& to,
             const ws_push& x) {
  std::unordered_map<ws_lane*, std::vector<std::shared_ptr<ws_outlet>>> lanes;
  for (auto m : to) {
    auto conn = m->outlet.lock();
    auto lane = conn ? conn->lane() : nullptr;
    if (lane)
      lanes[lane].push_back(std::move(conn));
    else
      self->send(m->session, x);
  }
  for (auto& [lane, conns] : lanes)
    lane->push(std::move(conns), x);
}

void join(self_ptr self, ws_subscription& sub) {
  auto& st = self->state;
  if (st.members.count(sub.id) == 0)
    self->monitor(sub.session);
  leave(st, sub.id);
  sub.filter.max_agents = std::clamp(sub.filter.max_agents, 1u, st.max_visible);
  sub.filter.fps = std::clamp(sub.filter.fps, 1u, st.max_fps);
  auto key = sub.filter.key();
  auto [g, added] = st.groups.try_emplace(key);
  if (added) {
    g->second.filter = sub.filter;
    refill(st, g->second);
  }
  g->second.members.push_back(sub.id);
  auto& m = st.members[sub.id];
  m.session = sub.session;
  m.outlet = sub.outlet;
  m.group = key;
  m.format = sub.format;
  json hello{{"type", "subscribed"},
             {"seq", st.last_seq},
             {"maxAgents", sub.filter.max_agents},
             {"fps", sub.filter.fps},
             {"format", ws::to_string(sub.format)},
             {"visible", g->second.visible.size()}};
  // The same path as the events that follow, so that none overtakes it.
  deliver(self, {&m},
          ws_push{ws_push::what::control,
                  {std::make_shared<const std::string>(hello.dump())},
                  st.last_seq});
}

/// Updates the index and the groups' visible sets for one event; returns
/// whether group `g` shows it. Called once per group, index updates once.
struct event_router {
  hub_data& st;

  /// Index changes that happen before filtering (spawn, state, joins).
  void before(const event& ev) {
    if (auto x = caf::get_if<agent_spawned>(&ev.payload)) {
      auto& a = st.agents[x->agent.num];
      a.type = x->agent.type;
      a.state = x->agent.state;
      for (auto& [key, g] : st.groups)
        if (g.visible.size() < g.filter.max_agents
            && matches(st, g.filter, x->agent.num, a))
          g.visible.insert(x->agent.num);
    } else if (auto x = caf::get_if<coordination_event>(&ev.payload)) {
      if (!x->participants.empty()) {
        auto& set = st.coordinations[x->id];
        set.insert(x->participants.begin(), x->participants.end());
        for (auto& [key, g] : st.groups)
          if (contains(g.filter.coordinations, x->id))
            refill(st, g);
      }
    }
  }

  bool shows(const event& ev, hub_data::group& g) {
    auto visible = [&](num_id n) {
      return g.visible.count(n) > 0;
    };
    switch (ev.kind()) {
      case event_kind::agent_spawned:
        return visible(caf::get<agent_spawned>(ev.payload).agent.num);
      case event_kind::agent_state: {
        auto& x = caf::get<agent_state_changed>(ev.payload);
        auto i = st.agents.find(x.agent);
        bool was = visible(x.agent);
        if (i == st.agents.end() || g.filter.states.empty())
          return was;
        // The entry already has the new state (see `after` ordering): a
        // viewer still sees the change that takes the agent out of view.
        bool now = matches(st, g.filter, x.agent, i->second);
        if (was && !now)
          g.visible.erase(x.agent);
        else if (!was && now && g.visible.size() < g.filter.max_agents)
          g.visible.insert(x.agent);
        return was || visible(x.agent);
      }
      case event_kind::task:
        return visible(caf::get<task_event>(ev.payload).agent);
      case event_kind::metrics:
        return visible(caf::get<metrics_event>(ev.payload).agent);
      case event_kind::message: {
        auto& x = caf::get<message_event>(ev.payload);
        return visible(x.from) || visible(x.to);
      }
      case event_kind::coordination:
        return g.filter.coordinations.empty()
               || contains(g.filter.coordinations,
                           caf::get<coordination_event>(ev.payload).id);
      case event_kind::agent_terminated:
        return visible(caf::get<agent_terminated>(ev.payload).agent);
      case event_kind::tool_called:
        // Not tied to an agent: every viewer sees what orchestrators do.
        return true;
      case event_kind::node_store:
      case event_kind::node_stopping:
      case event_kind::node_joined:
      case event_kind::node_left:
        // About the node or the cluster: every viewer needs to know.
        return true;
      case event_kind::formation:
        // A group's shape: shown to viewers who see any of its agents.
        for (auto num : caf::get<formation_event>(ev.payload).agents)
          if (visible(num))
            return true;
        return false;
    }
    return false;
  }

  /// Index changes after filtering (leaving agents).
  void after(const event& ev) {
    if (auto x = caf::get_if<agent_terminated>(&ev.payload)) {
      st.agents.erase(x->agent);
      st.gone.insert(x->agent);
      for (auto& [id, set] : st.coordinations)
        set.erase(x->agent);
      for (auto& [key, g] : st.groups)
        if (g.visible.erase(x->agent) > 0)
          refill(st, g);
    } else if (auto x = caf::get_if<coordination_event>(&ev.payload)) {
      if (x->status == coord_status::completed
          || x->status == coord_status::failed)
        st.coordinations.erase(x->id);
    }
  }
};

void on_events(self_ptr self, const event_batch& batch) {
  auto& st = self->state;
  if (!batch.events || batch.events->empty())
    return;
  ++st.batches;
  std::unordered_map<std::string, std::vector<ws_payload>> out;
  for (auto& [key, g] : st.groups)
    out[key].reserve(batch.events->size());
  event_router r{st};
  for (auto& ev : *batch.events) {
    if (auto x = caf::get_if<agent_state_changed>(&ev.payload)) {
      auto a = st.agents.find(x->agent);
      if (a != st.agents.end())
        a->second.state = x->to;
    }
    r.before(ev);
    auto bit = kind_bit(ev.kind());
    // One payload per event, made once for the first group that shows
    // it and shared by the others; none where no viewer sees it (a node
    // without viewers serializes nothing). `shows` also keeps the visible
    // set, so it runs for every group.
    ws_payload payload;
    for (auto& [key, g] : st.groups)
      if (r.shows(ev, g) && (g.filter.events & bit) != 0) {
        if (!payload)
          payload = std::make_shared<const std::string>(event_json(ev).dump());
        out[key].push_back(payload);
      }
    r.after(ev);
  }
  st.last_seq = batch.events->back().seq;
  std::vector<hub_data::member*> to;
  for (auto& [key, g] : st.groups) {
    auto& xs = out[key];
    if (xs.empty())
      continue;
    to.clear();
    for (auto id : g.members)
      to.push_back(&st.members[id]);
    deliver(self, to,
            ws_push{ws_push::what::events, std::move(xs), st.last_seq});
  }
  while (!st.flushes.empty() && st.flushes.begin()->first <= st.last_seq) {
    st.flushes.begin()->second.deliver(st.last_seq);
    st.flushes.erase(st.flushes.begin());
  }
}

/// Encodes part `x` in `format` for the agents in `visible` (all when
/// null), counting the payload made.
ws_payload frame_payload(hub_data& st, const position_batch& x,
                         const std::unordered_set<num_id>* visible,
                         ws::frame_format format) {
  ++st.stats->frame_payloads[static_cast<size_t>(format)];
  return std::make_shared<const std::string>(
    visible ? ws::encode_frame(x, *visible, format)
            : ws::encode_frame(x, format));
}

void on_frame(self_ptr self, const position_batch& x) {
  auto& st = self->state;
  ++st.frames;
  // Each format is encoded only when a receiver wants it: once for every
  // group that sees all agents, once per group otherwise.
  std::array<ws_payload, ws::frame_formats> common;
  std::array<std::vector<hub_data::member*>, ws::frame_formats> to;
  for (auto& [key, g] : st.groups) {
    for (auto& xs : to)
      xs.clear();
    for (auto id : g.members) {
      auto& m = st.members[id];
      if (m.frame != x.frame) {
        // Pacing is decided per frame, so the parts of a frame go together.
        // It counts ticks, not milliseconds: timer jitter never drops a
        // frame of a viewer at the full rate. Keyframes always go.
        m.frame = x.frame;
        auto every = (st.max_fps + g.filter.fps - 1) / g.filter.fps;
        m.frame_on = x.keyframe || x.frame % every == 0;
        if (!m.frame_on)
          ++st.stats->frames_skipped;
      }
      if (m.frame_on)
        to[static_cast<size_t>(m.format)].push_back(&m);
    }
    bool all = !restricted(g.filter) && g.visible.size() >= st.agents.size();
    for (size_t i = 0; i < ws::frame_formats; ++i) {
      if (to[i].empty())
        continue;
      auto format = static_cast<ws::frame_format>(i);
      ws_payload payload;
      if (all) {
        if (!common[i])
          common[i] = frame_payload(st, x, nullptr, format);
        payload = common[i];
      } else {
        payload = frame_payload(st, x, &g.visible, format);
      }
      deliver(self, to[i], ws_push{ws_push::what::frame, {payload}, x.frame});
    }
  }
}

/// Counts one index load done; the last one lets the waiting
/// subscriptions in, in the order they came.
void loaded(self_ptr self) {
  auto& st = self->state;
  if (st.loads_pending == 0 || --st.loads_pending > 0)
    return;
  auto waiting = std::move(st.waiting);
  st.waiting.clear();
  for (auto& sub : waiting)
    join(self, sub);
}

/// Seeds the index with agents that existed before the hub subscribed,
/// one registry page at a time; what events said already wins.
void load_agents(self_ptr self, registry_actor registry, uint32_t offset) {
  constexpr uint32_t page_size = 1000;
  self
    ->request(registry, std::chrono::seconds{30}, atom::list::value,
              agent_filter{{}, {}, offset, page_size})
    .then(
      [=](agent_page& page) {
        auto& st = self->state;
        for (auto& x : page.agents)
          if (st.gone.count(x.num) == 0 && st.agents.count(x.num) == 0)
            st.agents.emplace(x.num, hub_data::agent_entry{x.type, x.state});
        for (auto& [key, g] : st.groups)
          refill(st, g);
        auto next = offset + static_cast<uint32_t>(page.agents.size());
        if (!page.agents.empty() && next < page.total)
          load_agents(self, registry, next);
        else
          loaded(self);
      },
      [=](caf::error&) {
        // Without the registry the index starts empty; events fill it.
        loaded(self);
      });
}

void load_coordinations(self_ptr self, registry_actor registry) {
  self
    ->request(registry, std::chrono::seconds{30}, atom::coordinate::value,
              atom::list::value, std::string{"ACTIVE"})
    .then(
      [=](std::vector<coordination_info>& xs) {
        auto& st = self->state;
        for (auto& c : xs)
          for (auto& p : c.participants)
            if (p.active)
              st.coordinations[c.id].insert(p.agent);
        for (auto& [key, g] : st.groups)
          if (!g.filter.coordinations.empty())
            refill(st, g);
        loaded(self);
      },
      [=](caf::error&) { loaded(self); });
}

caf::settings status(self_ptr self, status_verbosity v) {
  auto& st = self->state;
  auto& s = *st.stats;
  auto result = status_header(
    self, "hub", std::to_string(self->id()),
    std::to_string(st.members.size()) + " sessions subscribed in "
      + std::to_string(st.groups.size()) + " filter groups",
    st.processed);
  caf::put(result, "sessions_open", s.sessions_open.load());
  caf::put(result, "sessions_subscribed",
           static_cast<uint64_t>(st.members.size()));
  caf::put(result, "filter_groups", static_cast<uint64_t>(st.groups.size()));
  caf::put(result, "sessions_waiting",
           static_cast<uint64_t>(st.waiting.size()));
  caf::put(result, "frames_sent", s.frames_sent.load());
  caf::put(result, "events_sent", s.events_sent.load());
  caf::put(result, "bytes_sent", s.bytes_sent.load());
  caf::put(result, "frames_coalesced", s.frames_coalesced.load());
  caf::put(result, "frames_skipped", s.frames_skipped.load());
  caf::put(result, "events_queued", s.events_queued.load());
  caf::put(result, "events_pending", s.events_pending.load());
  caf::put(result, "resyncs", s.resyncs.load());
  caf::put(result, "commands", s.commands.load());
  caf::put(result, "bad_messages", s.bad_messages.load());
  caf::put(result, "last_seq", st.last_seq);
  for (auto f : ws::all_frame_formats)
    caf::put(result, std::string{"frame_payloads."} + ws::to_string(f),
             s.frame_payloads[static_cast<size_t>(f)].load());
  if (v >= status_verbosity::detailed) {
    caf::put(result, "sessions_total", s.sessions_total.load());
    caf::put(result, "batches", st.batches);
    caf::put(result, "physics_frames", st.frames);
    caf::put(result, "agents_indexed", static_cast<uint64_t>(st.agents.size()));
  }
  std::lock_guard<std::mutex> guard{s.mtx};
  for (auto& [reason, n] : s.closes)
    caf::put(result, "closes." + reason, n);
  return result;
}

} // namespace

ws_outlet::~ws_outlet() {
  // nop
}

namespace {

/// Hands `x` to `out` through its thread-safe push functions.
void hand_to(ws_outlet& out, const ws_push& x) {
  switch (x.kind) {
    case ws_push::what::events: out.push_events(x.payloads, x.seq); break;
    case ws_push::what::frame:
      for (auto& p : x.payloads)
        out.push_frame(x.seq, p);
      break;
    case ws_push::what::control:
      for (auto& p : x.payloads)
        out.push_control(p);
      break;
  }
}

} // namespace

void ws_outlet::take(const ws_push& x) {
  hand_to(*this, x);
}

ws_lane::~ws_lane() {
  // nop
}

ws_session_actor::behavior_type
ws_session(ws_session_actor::stateful_pointer<ws_session_data> self,
           std::weak_ptr<ws_outlet> connection, uint64_t id) {
  self->state.connection = std::move(connection);
  self->state.id = id;
  return {
    [=](ws_push& x) {
      auto& st = self->state;
      ++st.processed;
      auto conn = st.connection.lock();
      if (!conn)
        return self->quit();
      ++st.pushes;
      hand_to(*conn, x);
    },
    [=](atom::status, status_verbosity) -> caf::settings {
      auto& st = self->state;
      ++st.processed;
      auto result = status_header(self, "ws_session", std::to_string(st.id),
                                  st.connection.expired() ? "closed" : "open",
                                  st.processed);
      caf::put(result, "pushes", st.pushes);
      return result;
    },
  };
}

hub_actor::behavior_type hub(self_ptr self, node_context_ptr ctx,
                             ws_stats_ptr stats, registry_actor registry,
                             bus_actor bus, physics_actor physics,
                             uint32_t max_visible, uint32_t max_fps) {
  auto& st = self->state;
  st.ctx = std::move(ctx);
  st.stats = std::move(stats);
  st.max_visible = std::max(1u, max_visible);
  st.max_fps = std::max(1u, max_fps);
  if (bus)
    self->send(bus, atom::subscribe::value,
               caf::actor_cast<event_sink_actor>(self), all_event_kinds);
  if (physics)
    self->send(physics, atom::subscribe::value,
               caf::actor_cast<frame_sink_actor>(self));
  // A session actor that ends leaves its group.
  self->set_down_handler([=](caf::down_msg& msg) {
    auto& st = self->state;
    for (auto& [id, m] : st.members)
      if (m.session.address() == msg.source) {
        leave(st, id);
        return;
      }
  });
  // Subscribed first: whatever the listing misses arrives as events.
  if (registry) {
    st.loads_pending = 2;
    load_agents(self, registry, 0);
    load_coordinations(self, registry);
  }
  return {
    [=](const event_batch& batch) {
      ++self->state.processed;
      on_events(self, batch);
    },
    [=](const position_batch& x) {
      ++self->state.processed;
      on_frame(self, x);
    },
    [=](atom::subscribe, ws_subscription& sub) {
      auto& st = self->state;
      ++st.processed;
      if (st.loads_pending == 0) {
        join(self, sub);
        return;
      }
      forget_waiting(st, sub.id);
      st.waiting.push_back(std::move(sub));
    },
    [=](atom::unsub, uint64_t id) {
      auto& st = self->state;
      ++st.processed;
      forget_waiting(st, id);
      leave(st, id);
    },
    [=](atom::flush, uint64_t seq) -> caf::result<uint64_t> {
      auto& st = self->state;
      ++st.processed;
      if (seq <= st.last_seq)
        return st.last_seq;
      auto rp = self->make_response_promise<uint64_t>();
      st.flushes.emplace(seq, rp);
      return rp;
    },
    [=](atom::status, status_verbosity v) -> caf::settings {
      ++self->state.processed;
      return status(self, v);
    },
  };
}

} // namespace av
