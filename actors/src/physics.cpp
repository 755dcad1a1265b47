#include "av/physics.hpp"

#include <algorithm>
#include <cmath>

#include "av/base/log.hpp"
#include "av/error.hpp"
#include "av/formation.hpp"
#include "av/topology.hpp"
#include "av/traced.hpp"

namespace av {

namespace {

using self_ptr = physics_actor::stateful_pointer<physics_data>;
using duration = caf::actor_clock::duration_type;

uint64_t pair_key(num_id a, num_id b) {
  if (a > b)
    std::swap(a, b);
  return (uint64_t{a} << 32) | b;
}

/// A pair's weight differs materially from the one the engine has.
bool moved_by_a_quarter(float now, float pushed) {
  return std::fabs(now - pushed) > 0.25f * pushed;
}

/// `key`'s message weight just became `now` (0: it faded out): marks the
/// edges for a push when that moved the pair's weight by a quarter. Each
/// change is judged here, so that a tick need not compare every pair.
void note_message_weight(physics_data& st, uint64_t key, float now) {
  if (st.edges_dirty)
    return;
  auto j = st.pushed_edges.find(key);
  if (j == st.pushed_edges.end()) {
    st.edges_dirty = now > 0;
    return;
  }
  auto topology = j->second.weight - j->second.message;
  // A pair held by no topology leaves the graph with its messages' weight.
  st.edges_dirty = (now <= 0 && topology < 0.5f)
                   || moved_by_a_quarter(now + topology, j->second.weight);
}

/// Topology `i` ends: its pairs keep their weight as message weight, which
/// fades from now on.
void fade_topology(physics_data& st,
                   decltype(physics_data::topologies)::iterator i) {
  for (auto key : i->second) {
    st.message_edges[key] += 1.0f / st.message_scale;
    // The pair's weight stays; its part from messages grows by as much.
    if (auto j = st.pushed_edges.find(key); j != st.pushed_edges.end())
      j->second.message += 1.0f;
  }
  st.drawn.erase(i->first);
  st.topologies.erase(i);
}

bool finite(vec3f x) {
  return std::isfinite(x.x) && std::isfinite(x.y) && std::isfinite(x.z);
}

float distance(vec3f a, vec3f b) {
  auto dx = a.x - b.x;
  auto dy = a.y - b.y;
  auto dz = a.z - b.z;
  return std::sqrt(dx * dx + dy * dy + dz * dz);
}

duration period(self_ptr self) {
  return std::chrono::duration_cast<duration>(std::chrono::duration<double>(
    1.0 / static_cast<double>(self->state.cfg.rate_hz)));
}

/// Starts ticking unless already ticking or following another node.
void wake(self_ptr self) {
  auto& st = self->state;
  if (st.ticking || st.leader)
    return;
  st.ticking = true;
  st.next_due = self->clock().now() + period(self);
  self->delayed_send(self, period(self), atom::tick::value, ++st.generation);
}

caf::error unknown_agent(num_id num) {
  return make_error(ec::not_found, "agent",
                    "no agent with number " + std::to_string(num)
                      + " in the layout");
}

void join(self_ptr self, num_id num) {
  auto& st = self->state;
  if (st.index.count(num) > 0)
    return;
  auto i = static_cast<uint32_t>(st.nodes.size());
  st.engine->resize(i + 1);
  st.nodes.push_back(num);
  st.index.emplace(num, i);
  auto pos = st.engine->position(i);
  st.previous.push_back(pos);
  st.sent.push_back(pos);
  wake(self);
}

/// Removes an agent's node by moving the last node into its slot.
void leave(self_ptr self, num_id num) {
  auto& st = self->state;
  auto it = st.index.find(num);
  if (it == st.index.end())
    return;
  auto i = it->second;
  auto last = static_cast<uint32_t>(st.nodes.size() - 1);
  if (i != last) {
    auto moved = st.nodes[last];
    auto& e = *st.engine;
    e.set_position(i, e.position(last));
    e.set_pinned(i, st.pinned.count(moved) > 0);
    e.clear_target(i);
    auto f = st.formation_of.find(moved);
    if (f != st.formation_of.end()) {
      auto& info = st.formations[f->second];
      auto k = std::find(info.agents.begin(), info.agents.end(), moved)
               - info.agents.begin();
      e.set_target(i, info.targets[k]);
    }
    st.nodes[i] = moved;
    st.index[moved] = i;
    st.previous[i] = st.previous[last];
    st.sent[i] = st.sent[last];
  }
  st.engine->resize(last);
  st.nodes.pop_back();
  st.previous.pop_back();
  st.sent.pop_back();
  st.index.erase(it);
  st.pinned.erase(num);
  st.formation_of.erase(num);
  for (auto j = st.message_edges.begin(); j != st.message_edges.end();) {
    if ((j->first >> 32) == num || (j->first & 0xFFFFFFFFu) == num)
      j = st.message_edges.erase(j);
    else
      ++j;
  }
  st.edges_dirty = true;
  wake(self);
}

/// How often the faded pairs are dropped: each drop walks every pair, and a
/// pair lingers below `min_edge_weight` at most this long.
constexpr auto sweep_period = std::chrono::milliseconds{500};

/// Fades message edges by the time passed since the last fade.
void decay_edges(self_ptr self) {
  auto& st = self->state;
  auto now = self->clock().now();
  auto secs = std::chrono::duration<double>(now - st.last_decay).count();
  st.last_decay = now;
  if (secs <= 0 || st.message_edges.empty())
    return;
  auto factor = static_cast<float>(std::exp(-secs / st.cfg.edge_decay_s));
  st.message_scale *= factor;
  st.lowest_ratio *= factor;
  if (now - st.last_sweep < sweep_period)
    return;
  st.last_sweep = now;
  for (auto i = st.message_edges.begin(); i != st.message_edges.end();) {
    i->second *= st.message_scale;
    if (i->second < st.cfg.min_edge_weight) {
      note_message_weight(st, i->first, 0);
      i = st.message_edges.erase(i);
    } else {
      ++i;
    }
  }
  st.message_scale = 1.0f;
}

/// Gives the engine the current edges when they changed materially, so that
/// slow fading alone does not keep a settled layout awake.
void push_edges(self_ptr self) {
  auto& st = self->state;
  // Fading moves every message weight by the same factor, and
  // note_message_weight judges every other change as it happens.
  if (!st.edges_dirty && st.lowest_ratio >= 0.75f)
    return;
  std::unordered_map<uint64_t, pushed_edge> weights;
  weights.reserve(st.message_edges.size());
  for (auto& [key, stored] : st.message_edges) {
    auto w = stored * st.message_scale;
    weights.emplace(key, pushed_edge{w, w});
  }
  for (auto& kvp : st.topologies)
    for (auto key : kvp.second)
      weights[key].weight += 1.0f;
  bool changed = st.edges_dirty || weights.size() != st.pushed_edges.size();
  // The lowest ratio of a pair's weight to the one the engine has.
  auto lowest = 1.0f;
  for (auto i = weights.begin(); !changed && i != weights.end(); ++i) {
    auto j = st.pushed_edges.find(i->first);
    changed = j == st.pushed_edges.end()
              || moved_by_a_quarter(i->second.weight, j->second.weight);
    if (!changed)
      lowest = std::min(lowest, i->second.weight / j->second.weight);
  }
  if (!changed) {
    // Weights that messages keep up: look again when fading could have
    // taken the lowest below 3/4.
    st.lowest_ratio = lowest;
    return;
  }
  std::vector<layout::edge> edges;
  edges.reserve(weights.size());
  for (auto& [key, w] : weights) {
    auto a = st.index.find(static_cast<num_id>(key >> 32));
    auto b = st.index.find(static_cast<num_id>(key & 0xFFFFFFFFu));
    if (a != st.index.end() && b != st.index.end())
      edges.push_back({a->second, b->second, w.weight});
  }
  st.engine->set_edges(edges);
  st.pushed_edges = std::move(weights);
  st.edges_dirty = false;
  st.lowest_ratio = 1.0f;
}

/// `agents` in batches of at most `batch_size`: the parts of one frame.
std::vector<position_batch>
parts_of(self_ptr self, std::vector<agent_position> agents, bool keyframe) {
  auto& st = self->state;
  auto size = std::max<uint32_t>(1, st.cfg.batch_size);
  auto parts = std::max<uint32_t>(
    1, static_cast<uint32_t>((agents.size() + size - 1) / size));
  auto time_ms = now_ms();
  std::vector<position_batch> result(parts);
  for (uint32_t part = 0; part < parts; ++part) {
    auto& batch = result[part];
    batch.frame = st.frame;
    batch.part = part;
    batch.parts = parts;
    batch.keyframe = keyframe;
    batch.time_ms = time_ms;
    auto first = agents.begin() + std::min<size_t>(agents.size(), part * size);
    auto last
      = agents.begin() + std::min<size_t>(agents.size(), (part + 1) * size);
    batch.agents.assign(first, last);
  }
  return result;
}

/// Every agent where it is now, as the parts of a keyframe.
std::vector<position_batch> keyframe_parts(self_ptr self) {
  auto& st = self->state;
  std::vector<agent_position> all;
  all.reserve(st.nodes.size());
  for (size_t i = 0; i < st.nodes.size(); ++i)
    all.push_back({st.nodes[i], st.sent[i], {}});
  return parts_of(self, std::move(all), true);
}

/// Sends a frame's parts to the followers. A follower more than
/// `follower_window` frames behind in its receipts gets nothing until it
/// catches up, then every agent at once (it missed the moves between).
void send_to_followers(self_ptr self,
                       const std::vector<position_batch>& parts) {
  auto& st = self->state;
  std::vector<position_batch> catch_up;
  for (auto& f : st.followers) {
    auto to = caf::actor_cast<physics_actor>(f.handle);
    if (st.frame - f.confirmed > st.cfg.follower_window) {
      f.behind = true;
      ++st.skipped_frames;
      continue;
    }
    if (f.behind && !parts.front().keyframe) {
      if (catch_up.empty())
        catch_up = keyframe_parts(self);
      for (auto& batch : catch_up)
        self->send(to, batch);
    } else {
      for (auto& batch : parts)
        self->send(to, batch);
    }
    f.behind = false;
  }
}

/// Sends one frame in parts of at most `batch_size` agents.
void send_frame(self_ptr self, float dt) {
  auto& st = self->state;
  ++st.frame;
  bool keyframe
    = st.cfg.keyframe_every > 0 && st.frame % st.cfg.keyframe_every == 1;
  std::vector<vec3f> now;
  st.engine->positions(now);
  std::vector<agent_position> moved;
  for (size_t i = 0; i < now.size(); ++i) {
    bool pinned = st.pinned.count(st.nodes[i]) > 0;
    vec3f vel{};
    if (!pinned && dt > 0)
      vel = {(now[i].x - st.previous[i].x) / dt,
             (now[i].y - st.previous[i].y) / dt,
             (now[i].z - st.previous[i].z) / dt};
    st.previous[i] = now[i];
    if (!keyframe && distance(now[i], st.sent[i]) < st.cfg.move_threshold)
      continue;
    st.sent[i] = now[i];
    moved.push_back({st.nodes[i], now[i], vel});
  }
  if (st.sinks.empty() && st.followers.empty())
    return;
  auto parts = parts_of(self, std::move(moved), keyframe);
  for (auto& batch : parts)
    for (auto& sink : st.sinks)
      self->send(sink, batch);
  send_to_followers(self, parts);
}

void record_tick(self_ptr self, duration took) {
  auto& st = self->state;
  auto ms = std::chrono::duration<double, std::milli>(took).count();
  st.tick_ms_sum += ms;
  auto bucket
    = std::lower_bound(tick_buckets_ms.begin(), tick_buckets_ms.end(), ms)
      - tick_buckets_ms.begin();
  ++st.tick_histogram[static_cast<size_t>(bucket)];
}

void tick(self_ptr self) {
  auto& st = self->state;
  auto start = self->clock().now();
  decay_edges(self);
  push_edges(self);
  auto dt = st.engine->get_params().dt;
  auto result = st.engine->step();
  send_frame(self, dt);
  ++st.ticks;
  auto end = self->clock().now();
  record_tick(self, end - start);
  // At rest and with nothing left to fade: stop until something changes.
  if (result.at_rest && st.message_edges.empty()) {
    st.ticking = false;
    return;
  }
  auto p = period(self);
  st.next_due += p;
  if (end >= st.next_due) {
    // Overran: skip the ticks that are due already rather than queue them.
    auto missed = (end - st.next_due) / p + 1;
    st.skipped += static_cast<uint64_t>(missed);
    st.next_due += missed * p;
  }
  self->delayed_send(self, st.next_due - end, atom::tick::value, st.generation);
}

/// Edges of `shape` over `agents` as agent pairs.
std::vector<std::pair<num_id, num_id>>
agent_pairs(layout::topology_shape shape, const std::vector<num_id>& agents) {
  std::vector<std::pair<num_id, num_id>> result;
  for (auto& [a, b] : layout::topology_edges(shape, agents.size()))
    result.emplace_back(agents[a], agents[b]);
  return result;
}

/// The shape in which a coordination's participants are drawn together.
layout::topology_shape shape_of(pattern kind) {
  switch (kind) {
    case pattern::hierarchical: return layout::topology_shape::hierarchical;
    case pattern::pipeline: return layout::topology_shape::pipeline;
    case pattern::consensus: return layout::topology_shape::ring;
    case pattern::mesh: break;
  }
  return layout::topology_shape::mesh;
}

void on_events(self_ptr self, const event_batch& batch) {
  auto& st = self->state;
  for (auto& ev : *batch.events) {
    if (auto x = caf::get_if<agent_spawned>(&ev.payload)) {
      join(self, x->agent.num);
    } else if (auto y = caf::get_if<agent_terminated>(&ev.payload)) {
      leave(self, y->agent);
    } else if (auto m = caf::get_if<message_event>(&ev.payload)) {
      if (!m->success || m->from == m->to)
        continue;
      if (st.index.count(m->from) == 0 || st.index.count(m->to) == 0)
        continue;
      auto key = pair_key(m->from, m->to);
      auto& stored = st.message_edges[key];
      auto w = std::min(st.cfg.max_message_weight,
                        stored * st.message_scale + st.cfg.message_weight);
      stored = w / st.message_scale;
      note_message_weight(st, key, w);
      wake(self);
    } else if (auto c = caf::get_if<coordination_event>(&ev.payload)) {
      if (!c->participants.empty()) {
        std::vector<uint64_t> keys;
        for (auto& [a, b] : agent_pairs(shape_of(c->kind), c->participants))
          keys.push_back(pair_key(a, b));
        st.topologies[c->id] = std::move(keys);
        st.edges_dirty = true;
        wake(self);
      } else if (c->status == coord_status::completed
                 || c->status == coord_status::failed) {
        // Finished groups fade like message edges.
        auto i = st.topologies.find(c->id);
        if (i != st.topologies.end()) {
          fade_topology(st, i);
          wake(self);
        }
      }
    }
  }
}

void leave_formation(self_ptr self, num_id num) {
  auto& st = self->state;
  auto i = st.formation_of.find(num);
  if (i == st.formation_of.end())
    return;
  st.engine->clear_target(st.index[num]);
  auto f = st.formations.find(i->second);
  st.formation_of.erase(i);
  if (f == st.formations.end())
    return;
  auto& info = f->second;
  auto k = std::find(info.agents.begin(), info.agents.end(), num);
  if (k != info.agents.end()) {
    info.targets.erase(info.targets.begin() + (k - info.agents.begin()));
    info.agents.erase(k);
  }
  if (info.agents.empty())
    st.formations.erase(f);
}

caf::expected<formation_info> form(self_ptr self, formation_spec& spec) {
  auto& st = self->state;
  if (spec.agents.empty() || spec.agents.size() > 100000)
    return make_error(ec::invalid_argument, "agents",
                      "expected 1 to 100000 agents");
  auto sorted = spec.agents;
  std::sort(sorted.begin(), sorted.end());
  if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end())
    return make_error(ec::invalid_argument, "agents",
                      "an agent is listed twice");
  for (auto num : spec.agents)
    if (st.index.count(num) == 0)
      return unknown_agent(num);
  auto kind = layout::parse_formation_kind(spec.kind);
  if (!kind)
    return make_error(ec::invalid_argument, "pattern",
                      "expected circle, grid, sphere, helix or "
                      "custom, got \""
                        + spec.kind + "\"");
  layout::formation f;
  f.kind = *kind;
  f.center = spec.center;
  f.spacing = spec.spacing;
  f.custom = spec.custom;
  if (auto why = layout::formation_error(f, spec.agents.size()))
    return make_error(ec::invalid_argument, *why);
  auto targets = layout::formation_positions(f, spec.agents.size());
  if (spec.id.empty())
    spec.id = make_uuid();
  formation_info info{spec.id, spec.kind, spec.agents, {}};
  for (size_t i = 0; i < targets.size(); ++i) {
    auto num = spec.agents[i];
    leave_formation(self, num);
    st.pinned.erase(num);
    auto k = st.index[num];
    st.engine->set_pinned(k, false);
    st.engine->set_target(k, targets[i]);
    st.formation_of[num] = spec.id;
  }
  info.targets = std::move(targets);
  st.formations[spec.id] = info;
  st.ctx->bus.publish(
    formation_event{info.id, info.kind, "formed", info.agents});
  wake(self);
  return info;
}

/// What this node's layout was told besides agents and positions.
layout_setup setup_of(self_ptr self) {
  auto& st = self->state;
  layout_setup result;
  for (auto num : st.pinned)
    result.pinned.push_back({num, st.engine->position(st.index[num]), {}});
  for (auto& [id, info] : st.formations)
    result.formations.push_back(info);
  for (auto& id : st.drawn) {
    auto i = st.topologies.find(id);
    if (i != st.topologies.end())
      result.topologies.emplace(id, i->second);
  }
  auto p = st.engine->get_params();
  result.repulsion = p.repulsion;
  result.spring_k = p.spring_k;
  result.damping = p.damping;
  return result;
}

bool has_setup(self_ptr self) {
  auto& st = self->state;
  return st.tuned || !st.pinned.empty() || !st.formations.empty()
         || !st.drawn.empty();
}

/// Sends the followers this node's setup after it changed.
void share_setup(self_ptr self) {
  auto& st = self->state;
  if (st.followers.empty())
    return;
  auto setup = setup_of(self);
  for (auto& f : st.followers)
    self->send(caf::actor_cast<physics_actor>(f.handle), setup);
}

/// Replaces this node's pins, formations, drawn topologies and forces with
/// `setup`'s; agents this node does not know are left out.
void apply_setup(self_ptr self, const layout_setup& setup) {
  auto& st = self->state;
  auto& e = *st.engine;
  for (auto num : st.pinned)
    e.set_pinned(st.index[num], false);
  for (auto& [num, id] : st.formation_of)
    e.clear_target(st.index[num]);
  st.pinned.clear();
  st.formation_of.clear();
  st.formations.clear();
  for (auto& x : setup.pinned) {
    auto i = st.index.find(x.agent);
    if (i == st.index.end() || !finite(x.pos))
      continue;
    st.pinned.insert(x.agent);
    e.set_position(i->second, x.pos);
    e.set_pinned(i->second, true);
  }
  for (auto& info : setup.formations) {
    formation_info kept{info.id, info.kind, {}, {}};
    for (size_t k = 0; k < info.agents.size() && k < info.targets.size(); ++k) {
      auto i = st.index.find(info.agents[k]);
      if (i == st.index.end() || st.formation_of.count(info.agents[k]) > 0)
        continue;
      kept.agents.push_back(info.agents[k]);
      kept.targets.push_back(info.targets[k]);
      e.set_target(i->second, info.targets[k]);
      st.formation_of[info.agents[k]] = info.id;
    }
    if (!kept.agents.empty())
      st.formations[info.id] = std::move(kept);
  }
  for (auto& [id, keys] : setup.topologies) {
    st.topologies[id] = keys;
    st.drawn.insert(id);
  }
  auto p = e.get_params();
  p.repulsion = static_cast<float>(setup.repulsion);
  p.spring_k = static_cast<float>(setup.spring_k);
  p.damping = static_cast<float>(setup.damping);
  if (auto why = layout::params_error(p))
    log::warn("layout setup with unusable forces; kept this node's",
              {{"error", *why}});
  else
    e.set_params(p);
  st.tuned = true;
  st.edges_dirty = true;
}

/// The setup of another physics actor: the leader's while following; while
/// leading, the setup of the node that led before, taken unless this node
/// has one of its own.
void take_setup(self_ptr self, layout_setup& setup) {
  auto& st = self->state;
  auto sender = self->current_sender();
  if (st.leader) {
    if (sender == caf::actor_cast<caf::strong_actor_ptr>(st.leader))
      st.setup = std::move(setup);
    return;
  }
  auto from = sender ? to_string(sender->node()) : std::string{"?"};
  if (has_setup(self)) {
    log::warn("layout setup of the node that ran the layout before not "
              "taken: this node has pins, formations, topologies or tuning "
              "of its own",
              {{"from", from}});
    return;
  }
  apply_setup(self, setup);
  share_setup(self);
  wake(self);
}

/// The physics actor this one follows; null while it runs the layout.
physics_actor leader_of(self_ptr self) {
  return caf::actor_cast<physics_actor>(self->state.leader);
}

/// Bound of a request handed to the leader; a lost leader fails it sooner
/// (lead_or_follow).
constexpr auto forward_timeout = std::chrono::minutes{5};

/// Hands a request to the leader and answers with what it answers.
template <class... Ts, class... Xs>
caf::result<Ts...> ask_leader(self_ptr self, Xs&&... xs) {
  auto& st = self->state;
  auto rp = self->make_response_promise<Ts...>();
  auto id = ++st.next_forward;
  st.forwarded.emplace(
    id, [rp](const caf::error& err) mutable { rp.deliver(err); });
  self->request(leader_of(self), forward_timeout, std::forward<Xs>(xs)...)
    .then(
      [self, rp, id](Ts&... ys) mutable {
        if (self->state.forwarded.erase(id) > 0)
          rp.deliver(std::move(ys)...);
      },
      [self, rp, id](caf::error& err) mutable {
        if (self->state.forwarded.erase(id) > 0)
          rp.deliver(std::move(err));
      });
  return rp;
}

/// Runs the layout here (`leader` null) or follows `leader`, the physics
/// actor of the node `node`.
void lead_or_follow(self_ptr self, const std::string& node, caf::actor leader) {
  auto& st = self->state;
  if (leader == st.leader && node == st.leader_node)
    return;
  auto was_following = static_cast<bool>(st.leader);
  // The old leader will not answer what it was handed: it is gone, or no
  // longer runs the layout.
  auto pending = std::move(st.forwarded);
  st.forwarded.clear();
  for (auto& [id, fail] : pending)
    fail(make_error(ec::node_unreachable,
                    "the layout moved from node \"" + st.leader_node
                      + "\" before it answered; ask again"));
  st.leader = std::move(leader);
  st.leader_node = node;
  if (!st.leader) {
    // Go on from the positions and setup the node that ran the layout
    // sent last.
    if (was_following && !st.previous.empty())
      st.engine->set_positions(st.previous);
    if (was_following && st.setup)
      apply_setup(self, *st.setup);
    st.setup.reset();
    st.sent = st.previous;
    st.edges_dirty = true;
    log::info("layout runs on this node", {{"node", node}});
    wake(self);
    return;
  }
  // A tick already due finds another generation and does nothing.
  st.ticking = false;
  ++st.generation;
  auto to = caf::actor_cast<physics_actor>(st.leader);
  // The new leader goes on with this node's setup unless it has its own,
  // and this node keeps it should the layout come back.
  if (!was_following) {
    st.setup = setup_of(self);
    self->send(to, *st.setup);
  }
  // The followers of this node follow the new leader themselves now.
  st.followers.clear();
  self->send(to, atom::subscribe::value, atom::leader::value,
             caf::actor_cast<caf::actor>(self));
  log::info("layout followed from another node", {{"node", node}});
}

/// A frame of the leader: its positions are this node's, and this node's
/// subscribers get it.
void follow(self_ptr self, const position_batch& batch) {
  auto& st = self->state;
  // Frames of a node that no longer leads may still be on their way.
  if (!st.leader
      || self->current_sender()
           != caf::actor_cast<caf::strong_actor_ptr>(st.leader))
    return;
  st.frame = batch.frame;
  for (auto& x : batch.agents) {
    auto i = st.index.find(x.agent);
    if (i == st.index.end())
      continue;
    st.previous[i->second] = x.pos;
    st.sent[i->second] = x.pos;
  }
  for (auto& sink : st.sinks)
    self->send(sink, batch);
  if (batch.part + 1 == batch.parts)
    self->send(leader_of(self), atom::receipt::value, batch.frame);
}

/// Adds a follower: it gets this node's setup now, every agent with the
/// next frame and then the frames as they come.
void add_follower(self_ptr self, caf::actor follower) {
  auto& st = self->state;
  self->monitor(follower);
  self->send(caf::actor_cast<physics_actor>(follower), setup_of(self));
  st.followers.push_back({std::move(follower), st.frame, true});
}

/// A follower has every part of `frame`.
void confirm(self_ptr self, uint64_t frame) {
  auto sender = self->current_sender();
  for (auto& f : self->state.followers)
    if (caf::actor_cast<caf::strong_actor_ptr>(f.handle) == sender)
      f.confirmed = std::max(f.confirmed, frame);
}

caf::settings status_of(self_ptr self, status_verbosity v) {
  auto& st = self->state;
  auto result
    = status_header(self, "physics", "physics",
                    std::string{st.engine->name()} + " engine, "
                      + std::to_string(st.nodes.size()) + " agents, "
                      + (st.leader ? "following node \"" + st.leader_node + "\""
                         : st.ticking ? "ticking"
                                      : "at rest"),
                    st.processed);
  caf::put(result, "leader", st.leader_node);
  caf::put(result, "following", static_cast<bool>(st.leader));
  caf::put(result, "agents", static_cast<uint64_t>(st.nodes.size()));
  caf::put(result, "ticks", st.ticks);
  caf::put(result, "skipped_ticks", st.skipped);
  caf::put(result, "frames", st.frame);
  caf::put(result, "followers", static_cast<uint64_t>(st.followers.size()));
  caf::put(result, "follower_skipped_frames", st.skipped_frames);
  caf::put(result, "ticking", st.ticking);
  caf::put(result, "edges", static_cast<uint64_t>(st.pushed_edges.size()));
  caf::put(result, "formations", static_cast<uint64_t>(st.formations.size()));
  caf::put(result, "tick_ms_sum", st.tick_ms_sum);
  if (v >= status_verbosity::detailed) {
    caf::put(result, "engine", st.engine->describe());
    for (size_t i = 0; i < st.tick_histogram.size(); ++i) {
      auto le = i < tick_buckets_ms.size()
                  ? std::to_string(static_cast<int>(tick_buckets_ms[i]))
                  : std::string{"inf"};
      caf::put(result, "tick_ms_le_" + le, st.tick_histogram[i]);
    }
  }
  return result;
}

} // namespace

physics_actor::behavior_type physics(self_ptr self, node_context_ptr ctx,
                                     physics_config cfg,
                                     std::shared_ptr<layout::engine> engine,
                                     bus_actor bus) {
  auto& st = self->state;
  st.ctx = std::move(ctx);
  st.cfg = cfg;
  st.cfg.rate_hz = std::max<uint32_t>(1, cfg.rate_hz);
  st.engine = std::move(engine);
  st.leader_node = st.ctx->node_name;
  st.last_decay = self->clock().now();
  if (bus)
    self->send(
      bus, atom::subscribe::value, caf::actor_cast<event_sink_actor>(self),
      kind_bit(event_kind::agent_spawned)
        | kind_bit(event_kind::agent_terminated) | kind_bit(event_kind::message)
        | kind_bit(event_kind::coordination));
  // Agents that joined before this actor subscribed (it starts on a thread
  // of its own, possibly late) are taken from the directory; later spawn
  // events for them are no-ops.
  auto known = st.ctx->agents.numbers();
  std::sort(known.begin(), known.end());
  for (auto num : known)
    join(self, num);
  self->set_down_handler([self](caf::down_msg& msg) {
    auto& sinks = self->state.sinks;
    sinks.erase(std::remove_if(sinks.begin(), sinks.end(),
                               [&](auto& x) { return x == msg.source; }),
                sinks.end());
    auto& fs = self->state.followers;
    fs.erase(std::remove_if(fs.begin(), fs.end(),
                            [&](auto& x) { return x.handle == msg.source; }),
             fs.end());
  });
  return {
    [=](const event_batch& batch) {
      ++self->state.processed;
      on_events(self, batch);
    },
    [=](atom::subscribe, frame_sink_actor& sink) {
      ++self->state.processed;
      self->monitor(sink);
      self->state.sinks.push_back(std::move(sink));
    },
    [=](atom::subscribe, atom::leader, caf::actor& follower) {
      ++self->state.processed;
      add_follower(self, std::move(follower));
    },
    [=](atom::receipt, uint64_t frame) {
      ++self->state.processed;
      confirm(self, frame);
    },
    [=](layout_setup& setup) {
      ++self->state.processed;
      take_setup(self, setup);
    },
    [=](atom::leader, const std::string& node, caf::actor& leader) {
      ++self->state.processed;
      lead_or_follow(self, node, std::move(leader));
    },
    [=](const position_batch& batch) {
      ++self->state.processed;
      follow(self, batch);
    },
    [=](atom::position, num_id num, vec3f pos, bool has_velocity,
        vec3f vel) -> caf::result<agent_position> {
      handling_span span{self, "physics position"};
      auto& st = self->state;
      ++st.processed;
      if (st.leader)
        return ask_leader<agent_position>(self, atom::position::value, num, pos,
                                          has_velocity, vel);
      auto i = st.index.find(num);
      if (i == st.index.end())
        return unknown_agent(num);
      if (!finite(pos))
        return make_error(ec::invalid_argument, "position", "must be finite");
      if (has_velocity && !finite(vel))
        return make_error(ec::invalid_argument, "velocity", "must be finite");
      leave_formation(self, num);
      auto k = i->second;
      st.engine->set_position(k, pos);
      st.previous[k] = pos;
      // A velocity is honoured by letting the agent move on from there;
      // a bare position pins it until released.
      st.engine->set_pinned(k, !has_velocity);
      if (has_velocity) {
        st.pinned.erase(num);
        st.engine->set_velocity(k, vel);
      } else {
        st.pinned.insert(num);
      }
      wake(self);
      share_setup(self);
      return agent_position{num, pos, has_velocity ? vel : vec3f{}};
    },
    [=](atom::position, atom::release,
        num_id num) -> caf::result<agent_position> {
      handling_span span{self, "physics release"};
      auto& st = self->state;
      ++st.processed;
      if (st.leader)
        return ask_leader<agent_position>(self, atom::position::value,
                                          atom::release::value, num);
      auto i = st.index.find(num);
      if (i == st.index.end())
        return unknown_agent(num);
      st.pinned.erase(num);
      st.engine->set_pinned(i->second, false);
      wake(self);
      share_setup(self);
      return agent_position{num, st.engine->position(i->second), {}};
    },
    [=](atom::formation, formation_spec& spec) -> caf::result<formation_info> {
      handling_span span{self, "physics formation"};
      ++self->state.processed;
      if (self->state.leader)
        return ask_leader<formation_info>(self, atom::formation::value,
                                          std::move(spec));
      auto info = form(self, spec);
      if (!info)
        return std::move(info.error());
      share_setup(self);
      return std::move(*info);
    },
    [=](atom::formation, atom::release,
        const std::string& id) -> caf::result<formation_info> {
      handling_span span{self, "physics formation release"};
      auto& st = self->state;
      ++st.processed;
      if (st.leader)
        return ask_leader<formation_info>(self, atom::formation::value,
                                          atom::release::value, id);
      auto i = st.formations.find(id);
      if (i == st.formations.end())
        return make_error(ec::not_found, "no formation with id \"" + id + "\"");
      auto info = i->second;
      for (auto num : info.agents)
        leave_formation(self, num);
      st.ctx->bus.publish(
        formation_event{info.id, info.kind, "released", info.agents});
      wake(self);
      share_setup(self);
      return info;
    },
    [=](atom::topology, topology_spec& spec) -> caf::result<uint32_t> {
      handling_span span{self, "physics topology"};
      auto& st = self->state;
      ++st.processed;
      if (st.leader)
        return ask_leader<uint32_t>(self, atom::topology::value,
                                    std::move(spec));
      for (auto num : spec.agents)
        if (st.index.count(num) == 0)
          return unknown_agent(num);
      auto shape = layout::parse_topology_shape(spec.shape);
      if (!shape)
        return make_error(ec::invalid_argument, "shape",
                          "expected star, ring, mesh, hierarchical or "
                          "pipeline, got \""
                            + spec.shape + "\"");
      std::vector<uint64_t> keys;
      for (auto& [a, b] : agent_pairs(*shape, spec.agents))
        if (a != b)
          keys.push_back(pair_key(a, b));
      auto count = static_cast<uint32_t>(keys.size());
      st.topologies[spec.id] = std::move(keys);
      st.drawn.insert(spec.id);
      st.edges_dirty = true;
      wake(self);
      share_setup(self);
      return count;
    },
    [=](atom::topology, atom::release,
        const std::string& id) -> caf::result<uint32_t> {
      handling_span span{self, "physics topology release"};
      auto& st = self->state;
      ++st.processed;
      if (st.leader)
        return ask_leader<uint32_t>(self, atom::topology::value,
                                    atom::release::value, id);
      auto i = st.topologies.find(id);
      if (i == st.topologies.end())
        return make_error(ec::not_found, "no topology with id \"" + id + "\"");
      auto count = static_cast<uint32_t>(i->second.size());
      fade_topology(st, i);
      wake(self);
      share_setup(self);
      return count;
    },
    [=](atom::tuning, layout_tuning& x) -> caf::result<double, double, double> {
      handling_span span{self, "physics tuning"};
      auto& st = self->state;
      ++st.processed;
      if (st.leader)
        return ask_leader<double, double, double>(self, atom::tuning::value,
                                                  std::move(x));
      auto p = st.engine->get_params();
      auto set = [](float& field, const caf::optional<double>& value) {
        if (value)
          field = static_cast<float>(*value);
      };
      set(p.repulsion, x.repulsion);
      set(p.spring_k, x.spring_k);
      set(p.damping, x.damping);
      if (auto why = layout::params_error(p))
        return make_error(ec::invalid_argument, *why);
      st.engine->set_params(p);
      st.tuned = true;
      wake(self);
      share_setup(self);
      return {static_cast<double>(p.repulsion), static_cast<double>(p.spring_k),
              static_cast<double>(p.damping)};
    },
    [=](atom::get) {
      auto& st = self->state;
      ++st.processed;
      position_batch all;
      all.frame = st.frame;
      all.keyframe = true;
      all.time_ms = now_ms();
      // A follower's positions are the leader's, as last sent.
      std::vector<vec3f> xs;
      if (st.leader)
        xs = st.previous;
      else
        st.engine->positions(xs);
      for (size_t i = 0; i < xs.size(); ++i)
        all.agents.push_back({st.nodes[i], xs[i], {}});
      return all;
    },
    [=](atom::tick, uint64_t generation) {
      auto& st = self->state;
      ++st.processed;
      if (generation != st.generation || !st.ticking)
        return;
      try {
        tick(self);
      } catch (const std::exception& e) {
        // Keep the node alive; the next change wakes the layout again.
        log::error("physics tick failed", {{"error", e.what()}});
        st.ticking = false;
      }
    },
    [=](atom::status, status_verbosity v) {
      ++self->state.processed;
      return status_of(self, v);
    },
  };
}

} // namespace av
