#include "av/demo.hpp"

#include <algorithm>

#include "av/base/log.hpp"
#include "av/error.hpp"
#include "av/simulation.hpp"

namespace av {

namespace {

using self_ptr = demo_actor::stateful_pointer<demo_data>;

/// Spawns at most this many agents at a time, well below the spawn limit.
constexpr uint32_t spawn_wave = 16;

const char* const work_items[] = {
  "analyze error logs",      "write unit tests",   "review pull request",
  "profile hot path",        "summarize findings", "refactor module",
  "draft API design",        "check dependencies", "update documentation",
  "benchmark query planner", "triage open issues", "collect metrics",
};

const char* const topics[] = {
  "migrate the storage layer", "ship the release candidate",
  "cut p99 latency in half",   "adopt the new schema",
  "split the monolith",        "harden the auth flow",
};

template <class T, size_t N>
const T& pick(self_ptr self, const T (&xs)[N]) {
  std::uniform_int_distribution<size_t> dist{0, N - 1};
  return xs[dist(self->state.rng)];
}

num_id random_agent(self_ptr self) {
  auto& agents = self->state.agents;
  std::uniform_int_distribution<size_t> dist{0, agents.size() - 1};
  return agents[dist(self->state.rng)];
}

void spawn_more(self_ptr self) {
  auto& st = self->state;
  auto& profiles = agent_profiles();
  while (st.spawned + st.in_flight < st.target && st.in_flight < spawn_wave) {
    auto index = st.spawned + st.in_flight;
    agent_spec spec;
    spec.type = std::string{profiles[index % profiles.size()].type};
    spec.origin = provenance::simulated;
    spec.metadata = R"({"demo":true})";
    ++st.in_flight;
    self->request(st.registry, caf::infinite, atom::spawn::value, spec)
      .then(
        [=](const agent_info& info) {
          auto& st = self->state;
          --st.in_flight;
          ++st.spawned;
          st.agents.push_back(info.num);
          spawn_more(self);
        },
        [=](caf::error& err) {
          auto& st = self->state;
          --st.in_flight;
          --st.target; // do not retry forever
          log::warn("demo spawn failed", {{"error", describe(err)}});
        });
  }
}

/// Takes the simulated agents the node already has (restored from
/// PostgreSQL after a restart) into the swarm, from `offset` on, then
/// spawns only what is missing: a restarted node keeps DEMO_AGENTS, not
/// DEMO_AGENTS more.
void adopt(self_ptr self, uint32_t offset) {
  constexpr uint32_t page_size = 1000;
  self
    ->request(self->state.registry, caf::infinite, atom::list::value,
              agent_filter{"", "", offset, page_size})
    .then(
      [=](const agent_page& page) {
        auto& st = self->state;
        for (auto& x : page.agents)
          if (x.origin == provenance::simulated
              && x.state != agent_state::terminated && st.spawned < st.target) {
            st.agents.push_back(x.num);
            ++st.spawned;
          }
        auto next = offset + static_cast<uint32_t>(page.agents.size());
        if (!page.agents.empty() && next < page.total) {
          adopt(self, next);
          return;
        }
        if (st.spawned > 0)
          log::info("demo swarm goes on with the agents it had",
                    {{"agents", st.spawned}, {"target", st.target}});
        spawn_more(self);
      },
      [=](caf::error& err) {
        log::warn("demo swarm could not list the node's agents",
                  {{"error", describe(err)}});
        spawn_more(self);
      });
}

void hand_out_work(self_ptr self) {
  agent_filter idle{"", "IDLE", 0, 1000};
  self->request(self->state.registry, caf::infinite, atom::list::value, idle)
    .then(
      [=](const agent_page& page) {
        auto& st = self->state;
        auto n = std::max<size_t>(1, page.agents.size() / 8);
        for (size_t i = 0; i < n && i < page.agents.size(); ++i) {
          std::uniform_int_distribution<size_t> dist{0, page.agents.size() - 1};
          auto& x = page.agents[dist(st.rng)];
          if (x.origin != provenance::simulated)
            continue;
          task_spec task;
          task.description = pick(self, work_items);
          if (auto handle = st.ctx->agents.find(x.num))
            self->request(handle, caf::infinite, atom::assign::value, task)
              .then([](const agent_info&) {}, [](caf::error&) {});
        }
      },
      [](caf::error&) {});
}

void start_coordination(self_ptr self) {
  auto& st = self->state;
  if (st.agents.size() < 3)
    return;
  static constexpr pattern kinds[] = {pattern::hierarchical, pattern::mesh,
                                      pattern::pipeline, pattern::consensus};
  coordination_spec spec;
  spec.kind = kinds[st.started_coordinations++ % 4];
  auto max_size = std::min<size_t>(6, st.agents.size());
  std::uniform_int_distribution<size_t> size{3, max_size};
  auto n = size(st.rng);
  std::vector<num_id> pool = st.agents;
  std::shuffle(pool.begin(), pool.end(), st.rng);
  spec.participants.assign(pool.begin(), pool.begin() + n);
  spec.task = pick(self, topics);
  spec.timeout_ms = 60000;
  ++st.active_coordinations;
  self->request(st.registry, caf::infinite, atom::coordinate::value, spec)
    .then([](const coordination_info&) {},
          [=](caf::error&) { --self->state.active_coordinations; });
}

void start_conversations(self_ptr self) {
  auto& st = self->state;
  if (st.agents.size() < 2)
    return;
  auto n = std::max<size_t>(1, st.agents.size() / 20);
  std::uniform_int_distribution<uint32_t> budget{1, 4};
  for (size_t i = 0; i < n; ++i) {
    auto from = random_agent(self);
    auto to = random_agent(self);
    if (from == to)
      continue;
    if (auto handle = st.ctx->agents.find(from)) {
      outgoing_message out{to, "request", priority::normal,
                           pick(self, work_items), budget(st.rng)};
      self->request(handle, caf::infinite, atom::send::value, out)
        .then([](const message_receipt&) {}, [](caf::error&) {});
    }
  }
}

} // namespace

demo_actor::behavior_type demo(self_ptr self, node_context_ptr ctx,
                               registry_actor registry, bus_actor bus,
                               uint32_t agents) {
  auto& st = self->state;
  st.ctx = std::move(ctx);
  st.registry = std::move(registry);
  st.target = agents;
  st.rng.seed(st.ctx->seed);
  if (bus)
    self->send(bus, atom::subscribe::value,
               caf::actor_cast<event_sink_actor>(self),
               kind_bit(event_kind::coordination)
                 | kind_bit(event_kind::agent_terminated));
  adopt(self, 0);
  self->delayed_send(self, demo_tick_interval, atom::tick::value);
  return {
    [=](atom::tick) {
      auto& st = self->state;
      ++st.processed;
      ++st.ticks;
      hand_out_work(self);
      auto wanted = std::max<uint32_t>(1, st.target / 25);
      if (st.active_coordinations < wanted)
        start_coordination(self);
      start_conversations(self);
      // About once a minute, a fault shows supervision at work.
      if (st.ticks % 120 == 0 && !st.agents.empty())
        if (auto handle = st.ctx->agents.find(random_agent(self)))
          caf::anon_send(handle, atom::fault::value,
                         std::string{"simulated fault"});
      self->delayed_send(self, demo_tick_interval, atom::tick::value);
    },
    [=](const event_batch& batch) {
      auto& st = self->state;
      ++st.processed;
      for (auto& ev : *batch.events) {
        // Another node's demo drives that node's agents.
        if (!ev.node.empty())
          continue;
        if (auto x = caf::get_if<coordination_event>(&ev.payload)) {
          if ((x->status == coord_status::completed
               || x->status == coord_status::failed)
              && st.active_coordinations > 0)
            --st.active_coordinations;
        } else if (auto y = caf::get_if<agent_terminated>(&ev.payload)) {
          auto& xs = st.agents;
          xs.erase(std::remove(xs.begin(), xs.end(), y->agent), xs.end());
        }
      }
    },
    [=](atom::status, status_verbosity) {
      auto& st = self->state;
      return status_header(self, "demo", "demo",
                           std::to_string(st.agents.size()) + " agents, "
                             + std::to_string(st.active_coordinations)
                             + " coordinations running",
                           st.processed);
    },
  };
}

} // namespace av
