#define CAF_SUITE actors.physics
#include "fixture.hpp"

#include <cmath>

#include "av/physics.hpp"

using namespace av;
using namespace std::chrono_literals;

namespace {

/// The CPU engine, plus a knob that makes each step take simulated time on
/// the test clock (to provoke overruns deterministically).
class slow_engine : public layout::engine {
public:
  slow_engine(caf::detail::test_actor_clock& clock)
    : clock_(clock), impl_(layout::make_cpu_engine(params())) {}

  static layout::params params() {
    layout::params p;
    p.threads = 1;
    p.seed = 7;
    return p;
  }

  std::chrono::milliseconds step_cost{0};
  /// Times the actor gave the engine its edges.
  size_t edge_pushes = 0;

  std::string_view name() const noexcept override { return impl_->name(); }
  std::string describe() const override { return impl_->describe(); }
  const layout::params& get_params() const noexcept override {
    return impl_->get_params();
  }
  void set_params(const layout::params& p) override { impl_->set_params(p); }
  size_t size() const noexcept override { return impl_->size(); }
  void resize(size_t n) override { impl_->resize(n); }
  void set_edges(const std::vector<layout::edge>& xs) override {
    ++edge_pushes;
    impl_->set_edges(xs);
  }
  void set_positions(const std::vector<vec3f>& xs) override {
    impl_->set_positions(xs);
  }
  void set_position(size_t i, vec3f x) override { impl_->set_position(i, x); }
  void set_velocity(size_t i, vec3f v) override { impl_->set_velocity(i, v); }
  void set_pinned(size_t i, bool b) override { impl_->set_pinned(i, b); }
  void set_target(size_t i, vec3f x) override { impl_->set_target(i, x); }
  void clear_target(size_t i) override { impl_->clear_target(i); }
  void reheat() override { impl_->reheat(); }
  vec3f position(size_t i) const override { return impl_->position(i); }
  void positions(std::vector<vec3f>& out) const override {
    impl_->positions(out);
  }
  layout::step_result step() override {
    clock_.current_time += step_cost;
    return impl_->step();
  }

private:
  caf::detail::test_actor_clock& clock_;
  std::unique_ptr<layout::engine> impl_;
};

struct fixture : test::node_fixture {
  std::shared_ptr<slow_engine> engine
    = std::make_shared<slow_engine>(sched.clock());
  physics_actor phys;
  std::shared_ptr<std::vector<position_batch>> frames
    = std::make_shared<std::vector<position_batch>>();
  caf::actor frame_sink;

  fixture() {
    physics_config cfg;
    cfg.rate_hz = 50; // 20 ms per tick
    cfg.batch_size = 4;
    cfg.keyframe_every = 10;
    phys = sys.spawn(av::physics, ctx, cfg,
                     std::static_pointer_cast<layout::engine>(engine), bus);
    auto log = frames;
    frame_sink = sys.spawn([log](caf::event_based_actor*) -> caf::behavior {
      return {[log](const position_batch& x) {
        log->push_back(x);
      }};
    });
    caf::anon_send(phys, atom::subscribe::value,
                   caf::actor_cast<frame_sink_actor>(frame_sink));
    settle();
  }

  ~fixture() override {
    caf::anon_send_exit(phys, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(frame_sink, caf::exit_reason::user_shutdown);
  }

  caf::settings physics_status() {
    auto x = ask<caf::settings>(phys, atom::status::value,
                                status_verbosity::detailed);
    if (!x)
      CAF_FAIL("no status");
    return *x;
  }

  uint64_t stat(const char* key) {
    return static_cast<uint64_t>(
      caf::get_or(physics_status(), key, int64_t{0}));
  }

  bool ticking() { return caf::get_or(physics_status(), "ticking", false); }

  /// Advances one tick period.
  void tick() {
    advance_time(20ms);
    settle();
  }

  std::vector<num_id> agents(size_t n) {
    std::vector<num_id> result;
    for (size_t i = 0; i < n; ++i)
      result.push_back(spawn("coder").num);
    settle();
    return result;
  }

  vec3f where(num_id num) { return where(phys, num); }

  /// Ticks until the actor gives the engine its edges (at most 200).
  int ticks_until_edges_pushed() {
    auto pushes = engine->edge_pushes;
    int ticks = 0;
    while (engine->edge_pushes == pushes && ticks < 200) {
      tick();
      ++ticks;
    }
    return ticks;
  }

  /// `from` sends `to` a message, which the layout sees as an event.
  void send_message(num_id from, num_id to) {
    outgoing_message out{to, "request", priority::normal, "hi", 0};
    CAF_REQUIRE(ask<message_receipt>(handle(from), atom::send::value, out));
    settle();
  }

  /// The forces of `layout` after `x`: repulsion, spring stiffness, damping.
  caf::expected<std::array<double, 3>> tune(const physics_actor& layout,
                                            layout_tuning x) {
    caf::expected<std::array<double, 3>> result{caf::sec::bad_function_call};
    auto rh = self->request(layout, caf::infinite, atom::tuning::value, x);
    settle();
    rh.receive(
      [&](double r, double k, double d) {
        result = std::array<double, 3>{r, k, d};
      },
      [&](caf::error& err) { result = std::move(err); });
    return result;
  }

  vec3f where(const physics_actor& layout, num_id num) {
    auto all = ask<position_batch>(layout, atom::get::value);
    for (auto& x : all->agents)
      if (x.agent == num)
        return x.pos;
    CAF_FAIL("agent " << num << " not in the layout");
    return {};
  }
};

float dist(vec3f a, vec3f b) {
  return std::sqrt((a.x - b.x) * (a.x - b.x) + (a.y - b.y) * (a.y - b.y)
                   + (a.z - b.z) * (a.z - b.z));
}

} // namespace

CAF_TEST_FIXTURE_SCOPE(physics_tests, fixture)

CAF_TEST(agents join and frames are split into batches) {
  agents(10);
  CAF_CHECK_EQUAL(stat("agents"), 10u);
  CAF_CHECK(ticking());
  tick();
  // The first frame is a keyframe: 10 agents in parts of at most 4.
  CAF_REQUIRE_EQUAL(frames->size(), 3u);
  size_t total = 0;
  for (auto& part : *frames) {
    CAF_CHECK_EQUAL(part.frame, 1u);
    CAF_CHECK_EQUAL(part.parts, 3u);
    CAF_CHECK(part.keyframe);
    CAF_CHECK_LESS_OR_EQUAL(part.agents.size(), 4u);
    total += part.agents.size();
  }
  CAF_CHECK_EQUAL(total, 10u);
  CAF_CHECK_EQUAL((*frames)[2].part, 2u);
}

CAF_TEST(agents that leave leave the layout) {
  auto xs = agents(3);
  ask<agent_info>(handle(xs[0]), atom::terminate::value, std::string{"x"});
  settle();
  CAF_CHECK_EQUAL(stat("agents"), 2u);
  auto all = ask<position_batch>(phys, atom::get::value);
  CAF_REQUIRE(all);
  CAF_CHECK_EQUAL(all->agents.size(), 2u);
  for (auto& x : all->agents)
    CAF_CHECK_NOT_EQUAL(x.agent, xs[0]);
}

CAF_TEST(a position pins until released) {
  auto xs = agents(3);
  auto r = ask<agent_position>(phys, atom::position::value, xs[0],
                               vec3f{50, 60, 70}, false, vec3f{});
  CAF_REQUIRE(r);
  for (int i = 0; i < 30; ++i)
    tick();
  auto p = where(xs[0]);
  CAF_CHECK_EQUAL(p.x, 50.f);
  CAF_CHECK_EQUAL(p.y, 60.f);
  CAF_CHECK_EQUAL(p.z, 70.f);
  ask<agent_position>(phys, atom::position::value, atom::release::value, xs[0]);
  for (int i = 0; i < 30; ++i)
    tick();
  CAF_CHECK_GREATER(dist(where(xs[0]), vec3f{50, 60, 70}), 0.01f);
  auto bad = ask<agent_position>(phys, atom::position::value, num_id{999},
                                 vec3f{}, false, vec3f{});
  CAF_REQUIRE(!bad);
  CAF_CHECK_EQUAL(code_of(bad.error()), ec::not_found);
  auto nan = ask<agent_position>(phys, atom::position::value, xs[1],
                                 vec3f{std::nanf(""), 0, 0}, false, vec3f{});
  CAF_REQUIRE(!nan);
  CAF_CHECK_EQUAL(code_of(nan.error()), ec::invalid_argument);
}

CAF_TEST(a velocity is honoured) {
  auto xs = agents(2);
  ask<agent_position>(phys, atom::position::value, xs[0], vec3f{0, 0, 0}, true,
                      vec3f{300, 0, 0});
  tick();
  CAF_CHECK_GREATER(where(xs[0]).x, 1.f);
}

CAF_TEST(formations glide to their targets and release) {
  auto xs = agents(4);
  formation_spec spec;
  spec.kind = "circle";
  spec.agents = xs;
  spec.center = {100, 0, 0};
  spec.spacing = 10;
  auto f = ask<formation_info>(phys, atom::formation::value, spec);
  CAF_REQUIRE(f);
  CAF_REQUIRE_EQUAL(f->targets.size(), 4u);
  auto before = where(xs[0]);
  tick();
  auto after_one = where(xs[0]);
  // Gliding, not jumping.
  CAF_CHECK_GREATER(dist(after_one, f->targets[0]), 0.5f);
  for (int i = 0; i < 300; ++i)
    tick();
  for (size_t i = 0; i < xs.size(); ++i)
    CAF_CHECK_LESS(dist(where(xs[i]), f->targets[i]), 0.5f);
  CAF_CHECK_GREATER(dist(before, f->targets[0]), 0.5f);
  auto released = ask<formation_info>(phys, atom::formation::value,
                                      atom::release::value, f->id);
  CAF_REQUIRE(released);
  for (int i = 0; i < 60; ++i)
    tick();
  // Free again: repulsion and gravity move them off the ring.
  float moved = 0;
  for (size_t i = 0; i < xs.size(); ++i)
    moved = std::max(moved, dist(where(xs[i]), f->targets[i]));
  CAF_CHECK_GREATER(moved, 0.5f);
  auto again = ask<formation_info>(phys, atom::formation::value,
                                   atom::release::value, f->id);
  CAF_REQUIRE(!again);
  CAF_CHECK_EQUAL(code_of(again.error()), ec::not_found);
}

CAF_TEST(bad formations are errors) {
  auto xs = agents(3);
  formation_spec spec;
  spec.agents = xs;
  spec.kind = "custom";
  spec.custom = {{0, 0, 0}, {1, 1, 1}};
  auto x = ask<formation_info>(phys, atom::formation::value, spec);
  CAF_REQUIRE(!x);
  CAF_CHECK_EQUAL(code_of(x.error()), ec::invalid_argument);
  spec.kind = "pentagram";
  CAF_CHECK(!ask<formation_info>(phys, atom::formation::value, spec));
  spec.kind = "sphere";
  spec.agents = {xs[0], 999};
  auto y = ask<formation_info>(phys, atom::formation::value, spec);
  CAF_REQUIRE(!y);
  CAF_CHECK_EQUAL(code_of(y.error()), ec::not_found);
  spec.agents = {xs[0]};
  spec.spacing = 0;
  CAF_CHECK(!ask<formation_info>(phys, atom::formation::value, spec));
}

CAF_TEST(topologies wire their shape over the agents) {
  auto xs = agents(4);
  std::pair<std::string, uint32_t> shapes[] = {{"star", 3u},
                                               {"ring", 4u},
                                               {"mesh", 6u},
                                               {"pipeline", 3u},
                                               {"hierarchical", 3u}};
  for (auto& [shape, edges] : shapes) {
    auto n = ask<uint32_t>(phys, atom::topology::value,
                           topology_spec{shape, shape, xs});
    CAF_REQUIRE(n);
    CAF_CHECK_EQUAL(*n, edges);
  }
  auto pair = ask<uint32_t>(phys, atom::topology::value,
                            topology_spec{"pair", "ring", {xs[0], xs[1]}});
  CAF_REQUIRE(pair);
  CAF_CHECK_EQUAL(*pair, 1u);
  auto bad = ask<uint32_t>(phys, atom::topology::value,
                           topology_spec{"bad", "blob", xs});
  CAF_REQUIRE(!bad);
  CAF_CHECK_EQUAL(code_of(bad.error()), ec::invalid_argument);
}

CAF_TEST(connected agents end nearer than unconnected ones) {
  auto xs = agents(4);
  topology_spec t{"pair", "star", {xs[0], xs[1]}};
  auto n = ask<uint32_t>(phys, atom::topology::value, t);
  CAF_REQUIRE(n);
  CAF_CHECK_EQUAL(*n, 1u);
  for (int i = 0; i < 600; ++i)
    tick();
  CAF_CHECK_LESS(dist(where(xs[0]), where(xs[1])),
                 dist(where(xs[2]), where(xs[3])));
  auto bad = ask<uint32_t>(phys, atom::topology::value,
                           topology_spec{"x", "blob", {xs[0], xs[1]}});
  CAF_CHECK(!bad);
}

CAF_TEST(an overrunning tick skips instead of queueing) {
  agents(3);
  engine->step_cost = 50ms; // two and a half periods
  tick();
  tick();
  auto skipped = stat("skipped_ticks");
  CAF_CHECK_GREATER_OR_EQUAL(skipped, 2u);
  // One tick in flight at any time: the mailbox never fills with ticks.
  CAF_CHECK_LESS_OR_EQUAL(stat("mailbox"), 1u);
  auto ticks = stat("ticks");
  engine->step_cost = 0ms;
  advance_time(200ms);
  settle();
  CAF_CHECK_GREATER(stat("ticks"), ticks);
}

CAF_TEST(at rest the layout stops ticking until something changes) {
  agents(2);
  for (int i = 0; i < 3000 && ticking(); ++i)
    tick();
  CAF_REQUIRE(!ticking());
  auto ticks = stat("ticks");
  advance_time(5s);
  settle();
  CAF_CHECK_EQUAL(stat("ticks"), ticks);
  spawn("tester");
  settle();
  CAF_CHECK(ticking());
  tick();
  CAF_CHECK_GREATER(stat("ticks"), ticks);
}

CAF_TEST(messages and coordinations add edges) {
  auto xs = agents(3);
  send_message(xs[0], xs[1]);
  tick();
  CAF_CHECK_EQUAL(stat("edges"), 1u);
  coordination_spec spec;
  spec.kind = pattern::mesh;
  spec.participants = xs;
  ask<coordination_info>(reg, atom::coordinate::value, spec);
  settle();
  tick();
  CAF_CHECK_EQUAL(stat("edges"), 3u);
}

CAF_TEST(fading alone gives the engine the edges again once a weight moved by a
           quarter) {
  auto xs = agents(2);
  send_message(xs[0], xs[1]);
  tick();
  auto pushes = engine->edge_pushes;
  CAF_REQUIRE_GREATER(pushes, 0u);
  // Message edges fade with a time constant of 5 s: below 3/4 after
  // 5 s * ln(4/3) = 1.44 s, the 72nd tick of 20 ms.
  auto ticks = ticks_until_edges_pushed();
  CAF_CHECK_EQUAL(engine->edge_pushes, pushes + 1);
  CAF_CHECK_GREATER_OR_EQUAL(ticks, 71);
  CAF_CHECK_LESS_OR_EQUAL(ticks, 73);
}

CAF_TEST(a pair that messages keep at its weight gives the engine nothing new) {
  auto xs = agents(2);
  // Eight messages of 0.5 take the pair to its cap of 4.
  for (int i = 0; i < 8; ++i)
    send_message(xs[0], xs[1]);
  tick();
  auto pushes = engine->edge_pushes;
  for (int i = 0; i < 300; ++i) {
    send_message(xs[0], xs[1]);
    tick();
  }
  CAF_CHECK_EQUAL(engine->edge_pushes, pushes);
  // Once the messages stop, the fading weight reaches the engine again.
  auto ticks = ticks_until_edges_pushed();
  CAF_CHECK_EQUAL(engine->edge_pushes, pushes + 1);
  CAF_CHECK_LESS_OR_EQUAL(ticks, 73);
}

CAF_TEST(a message that moves a pair by a quarter reaches the engine at the next
           tick) {
  auto xs = agents(3);
  auto n = ask<uint32_t>(phys, atom::topology::value,
                         topology_spec{"team", "mesh", xs});
  CAF_REQUIRE(n);
  tick();
  auto pushes = engine->edge_pushes;
  // The pair weighs 1 from the topology; three messages make it 2.5.
  for (int i = 0; i < 3; ++i)
    send_message(xs[0], xs[1]);
  tick();
  CAF_CHECK_EQUAL(engine->edge_pushes, pushes + 1);
  // One more message adds a fifth: the engine keeps its edges.
  send_message(xs[0], xs[1]);
  tick();
  CAF_CHECK_EQUAL(engine->edge_pushes, pushes + 1);
  // Another one makes it two fifths since the push.
  send_message(xs[0], xs[1]);
  tick();
  CAF_CHECK_EQUAL(engine->edge_pushes, pushes + 2);
  // Released, the topology's weight stays and fades with the messages'.
  CAF_REQUIRE(ask<uint32_t>(phys, atom::topology::value, atom::release::value,
                            std::string{"team"}));
  tick();
  CAF_CHECK_EQUAL(engine->edge_pushes, pushes + 2);
  CAF_CHECK_EQUAL(stat("edges"), 3u);
  // Pairs of weight 1 fade below 0.05 after 5 s * ln(20) = 15 s, the
  // messaged pair of 3.5 after 21.2 s; then the layout comes to rest.
  for (int i = 0; i < 800; ++i)
    tick();
  CAF_CHECK_EQUAL(stat("edges"), 1u);
  for (int i = 0; i < 3000 && ticking(); ++i)
    tick();
  CAF_CHECK_EQUAL(stat("edges"), 0u);
  CAF_CHECK(!ticking());
}

CAF_TEST(a follower shows the frames of its leader and goes on from them) {
  // Another node's physics actor, as far as this one can tell: same
  // agents, its own engine and subscriber.
  auto seen = std::make_shared<std::vector<position_batch>>();
  auto sink = sys.spawn([seen](caf::event_based_actor*) -> caf::behavior {
    return {[seen](const position_batch& x) {
      seen->push_back(x);
    }};
  });
  layout::params p;
  p.threads = 1;
  p.seed = 99;
  physics_config cfg;
  cfg.rate_hz = 50;
  auto follower = sys.spawn(
    av::physics, ctx, cfg,
    std::shared_ptr<layout::engine>{layout::make_cpu_engine(p)}, bus);
  caf::anon_send(follower, atom::subscribe::value,
                 caf::actor_cast<frame_sink_actor>(sink));
  auto xs = agents(5);
  caf::anon_send(follower, atom::leader::value, std::string{"a"},
                 caf::actor_cast<caf::actor>(phys));
  settle();
  seen->clear();
  frames->clear();
  tick();
  // The leader's frames, forwarded as they are; the follower's engine
  // does not step.
  CAF_REQUIRE(!frames->empty());
  CAF_REQUIRE_EQUAL(seen->size(), frames->size());
  CAF_CHECK_EQUAL(seen->front().frame, frames->front().frame);
  auto status = ask<caf::settings>(follower, atom::status::value,
                                   status_verbosity::terse);
  CAF_REQUIRE(status);
  CAF_CHECK_EQUAL(caf::get_or(*status, "leader", std::string{}), "a");
  CAF_CHECK(caf::get_or(*status, "following", false));
  CAF_CHECK(!caf::get_or(*status, "ticking", true));
  for (auto x : xs)
    CAF_CHECK_EQUAL(dist(where(follower, x), where(x)), 0.f);
  // Pins, formations and tuning go to the leader.
  auto pin = ask<agent_position>(follower, atom::position::value, xs[0],
                                 vec3f{50, 60, 70}, false, vec3f{});
  CAF_REQUIRE(pin);
  CAF_CHECK_EQUAL(where(xs[0]).x, 50.f);
  auto bad = ask<agent_position>(follower, atom::position::value, num_id{999},
                                 vec3f{}, false, vec3f{});
  CAF_REQUIRE(!bad);
  CAF_CHECK_EQUAL(code_of(bad.error()), ec::not_found);
  tick();
  CAF_CHECK_EQUAL(where(follower, xs[0]).x, 50.f);
  // The leader is gone; the follower runs the layout from where it was.
  std::vector<vec3f> last;
  for (auto x : xs)
    last.push_back(where(follower, x));
  auto last_frame = seen->back().frame;
  caf::anon_send_exit(phys, caf::exit_reason::user_shutdown);
  caf::anon_send(follower, atom::leader::value, std::string{"b"}, caf::actor{});
  settle();
  for (size_t i = 0; i < xs.size(); ++i)
    CAF_CHECK_EQUAL(dist(where(follower, xs[i]), last[i]), 0.f);
  seen->clear();
  tick();
  CAF_REQUIRE(!seen->empty());
  CAF_CHECK_EQUAL(seen->front().frame, last_frame + 1);
  status = ask<caf::settings>(follower, atom::status::value,
                              status_verbosity::terse);
  CAF_REQUIRE(status);
  CAF_CHECK_EQUAL(caf::get_or(*status, "leader", std::string{}), "b");
  CAF_CHECK(!caf::get_or(*status, "following", true));
  caf::anon_send_exit(follower, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(sink, caf::exit_reason::user_shutdown);
}

CAF_TEST(what a follower handed to a lost leader fails when the layout moves) {
  // A leader that takes requests and never answers: its node is cut off.
  auto held = std::make_shared<std::vector<caf::response_promise>>();
  auto lost = sys.spawn([held](caf::event_based_actor* me) -> caf::behavior {
    return {
      [=](atom::tuning, layout_tuning&) {
        held->push_back(me->make_response_promise());
        return held->back();
      },
      [](atom::subscribe, atom::leader, caf::actor&) {},
      [](layout_setup&) {},
    };
  });
  layout::params p;
  p.threads = 1;
  auto follower = sys.spawn(
    av::physics, ctx, physics_config{},
    std::shared_ptr<layout::engine>{layout::make_cpu_engine(p)}, bus);
  caf::anon_send(follower, atom::leader::value, std::string{"a"}, lost);
  settle();
  auto rh = self->request(follower, caf::infinite, atom::tuning::value,
                          layout_tuning{2.0, caf::none, caf::none});
  settle();
  CAF_REQUIRE_EQUAL(held->size(), 1u);
  // The view saw node a go: this node runs the layout now.
  caf::anon_send(follower, atom::leader::value, std::string{"b"}, caf::actor{});
  settle();
  bool failed = false;
  rh.receive([](double, double, double) { CAF_FAIL("answered"); },
             [&](caf::error& err) {
               failed = true;
               CAF_CHECK_EQUAL(code_of(err), ec::node_unreachable);
               CAF_CHECK_EQUAL(context_of(err),
                               "the layout moved from node \"a\" before it "
                               "answered; ask again");
             });
  CAF_CHECK(failed);
  // Asked again, the new leader (this node) answers.
  auto again = self->request(follower, caf::infinite, atom::tuning::value,
                             layout_tuning{2.0, caf::none, caf::none});
  settle();
  double repulsion = 0;
  again.receive([&](double r, double, double) { repulsion = r; },
                [](caf::error& err) { CAF_FAIL(describe(err)); });
  CAF_CHECK_EQUAL(repulsion, 2.0);
  caf::anon_send_exit(follower, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(lost, caf::exit_reason::user_shutdown);
}

CAF_TEST(a follower that takes over goes on with the setup of the lost leader) {
  layout::params p;
  p.threads = 1;
  auto follower = sys.spawn(
    av::physics, ctx, physics_config{},
    std::shared_ptr<layout::engine>{layout::make_cpu_engine(p)}, bus);
  auto xs = agents(6);
  caf::anon_send(follower, atom::leader::value, std::string{"a"},
                 caf::actor_cast<caf::actor>(phys));
  settle();
  // Set through the follower: it hands each to the leader.
  CAF_REQUIRE(ask<agent_position>(follower, atom::position::value, xs[0],
                                  vec3f{50, 60, 70}, false, vec3f{}));
  formation_spec circle;
  circle.id = "ring";
  circle.agents = {xs[1], xs[2], xs[3]};
  circle.spacing = 8;
  auto formed = ask<formation_info>(follower, atom::formation::value, circle);
  CAF_REQUIRE(formed);
  CAF_REQUIRE(ask<uint32_t>(follower, atom::topology::value,
                            topology_spec{"pair", "pipeline", {xs[4], xs[5]}}));
  auto tuned = tune(follower, layout_tuning{3000.0, caf::none, 4.0});
  CAF_REQUIRE(tuned);
  tick();
  // The leader is gone: the follower goes on with what it was told.
  caf::anon_send_exit(phys, caf::exit_reason::user_shutdown);
  caf::anon_send(follower, atom::leader::value, std::string{"b"}, caf::actor{});
  settle();
  for (int i = 0; i < 300; ++i)
    tick();
  auto pinned = where(follower, xs[0]);
  CAF_CHECK_EQUAL(dist(pinned, vec3f{50, 60, 70}), 0.f);
  auto& targets = formed->targets;
  for (size_t i = 0; i < targets.size(); ++i)
    CAF_CHECK_LESS(dist(where(follower, circle.agents[i]), targets[i]), 1.f);
  auto status = ask<caf::settings>(follower, atom::status::value,
                                   status_verbosity::terse);
  CAF_REQUIRE(status);
  CAF_CHECK_EQUAL(caf::get_or(*status, "formations", uint64_t{0}), 1u);
  // The pair's edge (mesh of the pipeline) is the engine's.
  CAF_CHECK_EQUAL(caf::get_or(*status, "edges", uint64_t{0}), 1u);
  auto now = tune(follower, layout_tuning{});
  CAF_REQUIRE(now);
  CAF_CHECK_EQUAL((*now)[0], 3000.0);
  CAF_CHECK_EQUAL((*now)[2], 4.0);
  // The formation released on the new leader frees its agents.
  CAF_CHECK(ask<formation_info>(follower, atom::formation::value,
                                atom::release::value, std::string{"ring"}));
  caf::anon_send_exit(follower, caf::exit_reason::user_shutdown);
}

CAF_TEST(a leader that hands the layout over gives the new one its setup) {
  auto xs = agents(3);
  CAF_REQUIRE(ask<agent_position>(phys, atom::position::value, xs[0],
                                  vec3f{5, 6, 7}, false, vec3f{}));
  CAF_REQUIRE(tune(phys, layout_tuning{caf::none, 100.0, caf::none}));
  layout::params p;
  p.threads = 1;
  auto fresh = [&] {
    return sys.spawn(
      av::physics, ctx, physics_config{},
      std::shared_ptr<layout::engine>{layout::make_cpu_engine(p)}, bus);
  };
  // A node that comes to run the layout with nothing set of its own.
  auto next = fresh();
  caf::anon_send(phys, atom::leader::value, std::string{"gpu"},
                 caf::actor_cast<caf::actor>(next));
  settle();
  auto forces = tune(next, layout_tuning{});
  CAF_REQUIRE(forces);
  CAF_CHECK_EQUAL((*forces)[1], 100.0);
  for (int i = 0; i < 50; ++i)
    tick();
  CAF_CHECK_EQUAL(dist(where(next, xs[0]), vec3f{5, 6, 7}), 0.f);
  // One with a setup of its own keeps it.
  auto other = fresh();
  CAF_REQUIRE(tune(other, layout_tuning{caf::none, 7.0, caf::none}));
  caf::anon_send(next, atom::leader::value, std::string{"other"},
                 caf::actor_cast<caf::actor>(other));
  settle();
  forces = tune(other, layout_tuning{});
  CAF_REQUIRE(forces);
  CAF_CHECK_EQUAL((*forces)[1], 7.0);
  caf::anon_send_exit(next, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(other, caf::exit_reason::user_shutdown);
}

CAF_TEST(
  a follower that stops confirming frames is skipped until it catches up) {
  auto xs = agents(6);
  // Another node's physics actor that confirms frames only when told.
  auto got = std::make_shared<std::vector<position_batch>>();
  auto leader = phys;
  auto slow
    = sys.spawn([got, leader](caf::event_based_actor* me) -> caf::behavior {
        return {
          [got](const position_batch& x) { got->push_back(x); },
          [](layout_setup&) {},
          [me, leader](atom::receipt, uint64_t frame) {
            me->send(leader, atom::receipt::value, frame);
          },
        };
      });
  caf::anon_send(phys, atom::subscribe::value, atom::leader::value, slow);
  settle();
  // Keep the layout moving.
  caf::anon_send(phys, atom::tuning::value,
                 layout_tuning{caf::none, caf::none, 0.0});
  settle();
  for (int i = 0; i < 45; ++i)
    tick();
  CAF_REQUIRE(!got->empty());
  // Its first frame lists every agent.
  CAF_CHECK(got->front().keyframe);
  auto first = got->front().frame;
  auto last = got->back().frame;
  CAF_CHECK_LESS_OR_EQUAL(last, first + 30);
  CAF_CHECK_GREATER(stat("follower_skipped_frames"), 0u);
  CAF_CHECK_GREATER(stat("frames"), last + 10);
  // It confirms what it has: the next frame it gets lists every agent.
  got->clear();
  caf::anon_send(slow, atom::receipt::value, last);
  settle();
  tick();
  CAF_REQUIRE(!got->empty());
  CAF_CHECK(got->front().keyframe);
  size_t agents_sent = 0;
  for (auto& x : *got)
    agents_sent += x.agents.size();
  CAF_CHECK_EQUAL(agents_sent, xs.size());
  caf::anon_send_exit(slow, caf::exit_reason::user_shutdown);
}

CAF_TEST_FIXTURE_SCOPE_END()

CAF_TEST_FIXTURE_SCOPE(physics_start_tests, test::node_fixture)

CAF_TEST(a physics actor started late knows the agents already there) {
  spawn("coder");
  spawn("tester");
  physics_config cfg;
  auto late = sys.spawn(
    av::physics, ctx, cfg,
    std::shared_ptr<layout::engine>{layout::make_cpu_engine()}, bus);
  settle();
  auto all = ask<position_batch>(late, atom::get::value);
  CAF_REQUIRE(all);
  CAF_CHECK_EQUAL(all->agents.size(), 2u);
  caf::anon_send_exit(late, caf::exit_reason::user_shutdown);
}

CAF_TEST_FIXTURE_SCOPE_END()
