// What the physics actor spends per tick around the engine: fading its
// message edges and deciding whether the engine needs them again. The
// engine is a stand-in that does nothing, so the figure is the actor's own
// bookkeeping, at the node's real tick rate.
//
// Phases, each --seconds long, over --agents agents and --edges message
// pairs:
// - fading: the pairs were messaged once and fade with nothing new;
// - steady: every tick, --touch of the pairs are messaged again at their
//   cap (a swarm whose busy pairs stay busy).

#include <chrono>
#include <cstdio>
#include <random>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <caf/all.hpp>

#include "av/base/log.hpp"
#include "av/bus.hpp"
#include "av/physics.hpp"

using namespace av;

namespace {

struct params {
  uint32_t agents = 10000;
  uint32_t edges = 30000;
  double seconds = 5;
  uint32_t rate = 60;
  double touch = 0.01;
};

/// An engine that lays nothing out: what is timed is the actor's work.
class idle_engine : public layout::engine {
public:
  std::size_t edge_pushes = 0;

  std::string_view name() const noexcept override { return "idle"; }
  std::string describe() const override { return "idle (benchmark)"; }
  const layout::params& get_params() const noexcept override { return p_; }
  void set_params(const layout::params& p) override { p_ = p; }
  std::size_t size() const noexcept override { return n_; }
  void resize(std::size_t n) override { n_ = n; }
  void set_edges(const std::vector<layout::edge>&) override { ++edge_pushes; }
  void set_positions(const std::vector<vec3f>&) override {}
  void set_position(std::size_t, vec3f) override {}
  void set_velocity(std::size_t, vec3f) override {}
  void set_pinned(std::size_t, bool) override {}
  void set_target(std::size_t, vec3f) override {}
  void clear_target(std::size_t) override {}
  void reheat() override {}
  vec3f position(std::size_t) const override { return {}; }
  void positions(std::vector<vec3f>& out) const override {
    out.assign(n_, vec3f{});
  }
  layout::step_result step() override { return {}; }

private:
  layout::params p_;
  std::size_t n_ = 0;
};

event_batch batch(std::vector<event> xs) {
  return {std::make_shared<const std::vector<event>>(std::move(xs))};
}

/// One message event per pair in `pairs`, `times` times over.
event_batch messages(const std::vector<std::pair<num_id, num_id>>& pairs,
                     int times = 1) {
  std::vector<event> xs;
  xs.reserve(pairs.size() * static_cast<size_t>(times));
  for (int t = 0; t < times; ++t)
    for (auto [a, b] : pairs) {
      message_event m;
      m.from = a;
      m.to = b;
      xs.push_back(event{0, 0, m, {}});
    }
  return batch(std::move(xs));
}

struct sample {
  double tick_ms = 0;
  uint64_t ticks = 0;
};

sample status_of(caf::scoped_actor& self, const physics_actor& phys) {
  sample s;
  self
    ->request(phys, caf::infinite, atom::status::value,
              status_verbosity::detailed)
    .receive(
      [&](const caf::settings& x) {
        s.tick_ms = caf::get_or(x, "tick_ms_sum", 0.0);
        s.ticks = static_cast<uint64_t>(caf::get_or(x, "ticks", int64_t{0}));
      },
      [](const caf::error&) {});
  return s;
}

void report(const params& p, const char* phase, double ms, double pushes) {
  std::printf("%-8s %8.3f ms per tick, %6.2f edge pushes per second\n", phase,
              ms, pushes);
  std::printf("{\"bench\":\"physics_actor.tick_ms\",\"params\":{\"agents\":%u,"
              "\"edges\":%u,\"rate\":%u,\"touch\":%g,\"phase\":\"%s\"},"
              "\"value\":%.4f,\"unit\":\"ms\"}\n",
              p.agents, p.edges, p.rate, p.touch, phase, ms);
  std::printf("{\"bench\":\"physics_actor.edge_pushes\",\"params\":{"
              "\"agents\":%u,\"edges\":%u,\"rate\":%u,\"touch\":%g,"
              "\"phase\":\"%s\"},\"value\":%.3f,\"unit\":\"1/s\"}\n",
              p.agents, p.edges, p.rate, p.touch, phase, pushes);
}

int run(const params& p) {
  caf::actor_system_config cfg;
  cfg.set("scheduler.max-threads", size_t{2});
  cfg.set("logger.verbosity", caf::atom("quiet"));
  caf::actor_system sys{cfg};
  auto ctx = std::make_shared<node_context>();
  auto bus = sys.spawn(av::bus, ctx);
  auto engine = std::make_shared<idle_engine>();
  physics_config pc;
  pc.rate_hz = p.rate;
  auto phys = sys.spawn(av::physics, ctx, pc,
                        std::static_pointer_cast<layout::engine>(engine), bus);
  caf::scoped_actor self{sys};
  std::vector<event> joins;
  for (uint32_t i = 1; i <= p.agents; ++i) {
    agent_summary a;
    a.num = i;
    joins.push_back(event{0, 0, agent_spawned{a, {}, 0}, {}});
  }
  self->send(phys, batch(std::move(joins)));
  std::mt19937 rng{7};
  std::uniform_int_distribution<num_id> any{1, p.agents};
  std::vector<std::pair<num_id, num_id>> pairs;
  while (pairs.size() < p.edges) {
    auto a = any(rng);
    auto b = any(rng);
    if (a != b)
      pairs.emplace_back(a, b);
  }
  auto measure = [&](const char* phase, auto&& each_tick) {
    auto s0 = status_of(self, phys);
    auto pushes0 = engine->edge_pushes;
    auto period = std::chrono::duration<double>(1.0 / p.rate);
    auto start = std::chrono::steady_clock::now();
    auto end = start + std::chrono::duration<double>(p.seconds);
    for (auto next = start; next < end;) {
      each_tick();
      next += std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        period);
      std::this_thread::sleep_until(next);
    }
    auto s1 = status_of(self, phys);
    auto ticks = s1.ticks - s0.ticks;
    if (ticks == 0) {
      std::fprintf(stderr, "%s: the physics actor did not tick\n", phase);
      return false;
    }
    report(p, phase, (s1.tick_ms - s0.tick_ms) / static_cast<double>(ticks),
           static_cast<double>(engine->edge_pushes - pushes0) / p.seconds);
    return true;
  };
  std::printf("physics actor, idle engine: %u agents, %u message pairs, "
              "%u Hz, %g s per phase\n",
              p.agents, p.edges, p.rate, p.seconds);
  // Messaged once, then only fading.
  self->send(phys, messages(pairs));
  if (!measure("fading", [] {}))
    return 1;
  // At the cap (4 = 8 messages of 0.5), a share kept there every tick.
  self->send(phys, messages(pairs, 8));
  auto touched = static_cast<size_t>(p.touch * static_cast<double>(p.edges));
  std::vector<std::pair<num_id, num_id>> busy(pairs.begin(),
                                              pairs.begin() + touched);
  if (!measure("steady", [&] { self->send(phys, messages(busy)); }))
    return 1;
  self->send_exit(phys, caf::exit_reason::user_shutdown);
  self->send_exit(bus, caf::exit_reason::user_shutdown);
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  params p;
  CLI::App app{"The physics actor's own work per tick (edge fading and "
               "pushes), with an engine that does nothing."};
  app.add_option("--agents", p.agents, "agents in the layout")
    ->check(CLI::Range(2u, 10000000u));
  app.add_option("--edges", p.edges, "message pairs")
    ->check(CLI::Range(1u, 100000000u));
  app.add_option("--seconds", p.seconds, "length of each phase")
    ->check(CLI::Range(0.5, 3600.0));
  app.add_option("--rate", p.rate, "ticks per second")
    ->check(CLI::Range(1u, 1000u));
  app
    .add_option("--touch", p.touch,
                "share of the pairs messaged again every tick (steady)")
    ->check(CLI::Range(0.0, 1.0));
  CLI11_PARSE(app, argc, argv);
  log::init(log::format::text, log::level::warn);
  return run(p);
}
