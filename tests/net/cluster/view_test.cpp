#define CAF_SUITE cluster.view

#include "av/cluster/view.hpp"

#include "caf_checks.hpp"
#include <caf/test/dsl.hpp>

#include "av/bus.hpp"
#include "av/error.hpp"
#include "av/physics.hpp"
#include "av/registry.hpp"

using namespace av;
using namespace av::cluster;

namespace {

/// A node's part that the view needs: context, bus, registry and view,
/// plus everything its bus hands out.
struct test_node {
  node_context_ptr ctx = std::make_shared<node_context>();
  bus_actor bus;
  registry_actor reg;
  physics_actor phys;
  view_actor view;
  std::shared_ptr<std::vector<event>> seen
    = std::make_shared<std::vector<event>>();
  caf::actor sink;
};

/// Two nodes of one actor system on CAF's deterministic scheduler, a in
/// slot 0 and b in slot 1; the node actors' part (asking each other's
/// inventory) is played by the test.
struct fixture : test_coordinator_fixture<> {
  test_node a = make("a", 0);
  test_node b = make("b", 1);

  test_node make(const std::string& name, uint32_t slot) {
    test_node x;
    x.ctx->node_name = name;
    x.ctx->slot = slot;
    x.bus = sys.spawn(av::bus, x.ctx);
    x.reg = sys.spawn(av::registry, x.ctx, x.bus);
    layout::params p;
    p.threads = 1;
    x.phys = sys.spawn(
      av::physics, x.ctx, physics_config{},
      std::shared_ptr<layout::engine>{layout::make_cpu_engine(p)}, x.bus);
    x.view = spawn_view(sys, x.ctx, x.reg, x.bus, layout_offer{x.phys, false});
    auto log = x.seen;
    x.sink = sys.spawn([log](caf::event_based_actor*) -> caf::behavior {
      return {[log](const event_batch& batch) {
        log->insert(log->end(), batch.events->begin(), batch.events->end());
      }};
    });
    caf::anon_send(x.bus, atom::subscribe::value,
                   caf::actor_cast<event_sink_actor>(x.sink), all_event_kinds);
    settle();
    return x;
  }

  /// Runs every message, relays included: a view sends this node's events
  /// to the others a moment after they happened, together.
  void settle() {
    consume_messages();
    advance_time(std::chrono::milliseconds{5});
    consume_messages();
  }

  ~fixture() override {
    for (auto* x : {&a, &b})
      for (auto h : {caf::actor_cast<caf::actor>(x->view),
                     caf::actor_cast<caf::actor>(x->phys),
                     caf::actor_cast<caf::actor>(x->reg),
                     caf::actor_cast<caf::actor>(x->bus), x->sink})
        caf::anon_send_exit(h, caf::exit_reason::user_shutdown);
    run();
  }

  template <class T, class Handle, class... Ts>
  caf::expected<T> ask(const Handle& dest, Ts&&... xs) {
    caf::expected<T> result{caf::sec::bad_function_call};
    auto rh = self->request(dest, caf::infinite, std::forward<Ts>(xs)...);
    settle();
    rh.receive([&](T& x) { result = std::move(x); },
               [&](caf::error& err) { result = std::move(err); });
    return result;
  }

  agent_info spawn(test_node& n, const std::string& type) {
    agent_spec spec;
    spec.type = type;
    auto x = ask<agent_info>(n.view, atom::spawn::value, spec);
    if (!x)
      CAF_FAIL("spawn failed: " << describe(x.error()));
    return *x;
  }

  /// What the node actor of `to` does when `from` joins: asks for its
  /// inventory, naming its view, and hands the answer to its view.
  void learn(test_node& to, test_node& from) {
    auto inv
      = ask<inventory>(from.view, inventory_atom::value, to.ctx->node_name,
                       caf::actor_cast<caf::actor>(to.view));
    CAF_REQUIRE(inv);
    self->send(to.view, inventory_atom::value, member_of(from), *inv);
    settle();
  }

  /// a and b learn each other, and a's view is the cluster's registry
  /// that the agents of both ask (one actor system here).
  void peer() {
    learn(a, b);
    learn(b, a);
    sys.registry().put(cluster_registry_name,
                       caf::actor_cast<caf::strong_actor_ptr>(a.view));
  }

  static member member_of(const test_node& n) {
    return member{n.ctx->node_name, "127.0.0.1", 4242, n.ctx->slot};
  }

  /// What the node actor of `to` does when it loses `from`.
  void lose(test_node& to, test_node& from) {
    self->send(to.view, lost_atom::value, member_of(from),
               std::string{"remote_link_unreachable"});
    settle();
  }

  agent_page list(test_node& n, uint32_t offset = 0, uint32_t limit = 100) {
    auto page = ask<agent_page>(n.view, atom::list::value,
                                agent_filter{{}, {}, offset, limit});
    CAF_REQUIRE(page);
    return *page;
  }

  /// The node that runs the layout, as `n`'s physics actor says, and
  /// whether that actor follows another node's.
  std::pair<std::string, bool> layout_of(test_node& n) {
    auto x = ask<caf::settings>(n.phys, atom::status::value,
                                status_verbosity::terse);
    CAF_REQUIRE(x);
    return {caf::get_or(*x, "leader", std::string{}),
            caf::get_or(*x, "following", false)};
  }

  /// Events of kind T published on `n`'s bus about node `node`'s agents.
  template <class T>
  std::vector<T> told(const test_node& n, const std::string& node) {
    std::vector<T> result;
    for (auto& ev : *n.seen)
      if (auto x = caf::get_if<T>(&ev.payload); x && ev.node == node)
        result.push_back(*x);
    return result;
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(cluster_view_tests, fixture)

CAF_TEST(every node numbers its agents in its own slot) {
  auto x = spawn(a, "coder");
  auto y = spawn(b, "coder");
  CAF_CHECK_EQUAL(slot_of(x.num), 0u);
  CAF_CHECK_EQUAL(slot_of(y.num), 1u);
  CAF_CHECK_EQUAL(y.num, (1u << slot_shift) | 1u);
  CAF_CHECK_EQUAL(y.name, "coder-" + std::to_string(y.num));
}

CAF_TEST(a node lists the agents of the nodes it learned after its own) {
  auto mine = spawn(a, "coder");
  auto before = spawn(b, "tester");
  learn(a, b);
  // Known before: told to a's viewers as spawned, marked as b's, and then
  // that b joined.
  auto joined = told<node_joined>(a, "");
  CAF_REQUIRE_EQUAL(joined.size(), 1u);
  CAF_CHECK_EQUAL(joined[0].node, "b");
  CAF_CHECK_EQUAL(joined[0].address, "127.0.0.1:4242");
  CAF_CHECK_EQUAL(a.seen->back().kind(), event_kind::node_joined);
  auto spawned = told<agent_spawned>(a, "b");
  CAF_REQUIRE_EQUAL(spawned.size(), 1u);
  CAF_CHECK_EQUAL(spawned[0].agent.id, before.id);
  // Spawned after: relayed.
  auto after = spawn(b, "reviewer");
  settle();
  CAF_CHECK_EQUAL(told<agent_spawned>(a, "b").size(), 2u);
  auto page = list(a);
  CAF_REQUIRE_EQUAL(page.total, 3u);
  CAF_REQUIRE_EQUAL(page.agents.size(), 3u);
  CAF_CHECK_EQUAL(page.agents[0].id, mine.id);
  CAF_CHECK_EQUAL(page.agents[1].id, before.id);
  CAF_CHECK_EQUAL(page.agents[1].node, "b");
  CAF_CHECK_EQUAL(page.agents[2].id, after.id);
  // Pages run across the nodes.
  auto second = list(a, 1, 1);
  CAF_CHECK_EQUAL(second.total, 3u);
  CAF_REQUIRE_EQUAL(second.agents.size(), 1u);
  CAF_CHECK_EQUAL(second.agents[0].id, before.id);
  // b's own stores are b's: its relayed events are marked, a's are not.
  for (auto& ev : *a.seen)
    if (auto x = caf::get_if<agent_spawned>(&ev.payload))
      CAF_CHECK_EQUAL(ev.node, x->agent.id == mine.id ? "" : "b");
  // b did not learn a: it lists its own only.
  CAF_CHECK_EQUAL(list(b).total, 2u);
}

CAF_TEST(calls on an agent of another node go to its registry) {
  auto theirs = spawn(b, "coder");
  learn(a, b);
  for (auto key :
       {theirs.id, std::to_string(theirs.num), std::string{theirs.name}}) {
    auto ref = ask<agent_ref>(a.view, atom::get::value, key);
    CAF_REQUIRE(ref);
    CAF_CHECK_EQUAL(ref->summary.id, theirs.id);
    CAF_CHECK_EQUAL(ref->summary.node, "b");
  }
  // A state change through the handle is b's, and a hears of it.
  auto ref = ask<agent_ref>(a.view, atom::get::value, theirs.id);
  auto changed = ask<agent_info>(ref->handle, atom::state::value,
                                 agent_state::error, std::string{"drill"});
  CAF_REQUIRE(changed);
  settle();
  auto states = told<agent_state_changed>(a, "b");
  CAF_REQUIRE_EQUAL(states.size(), 1u);
  CAF_CHECK_EQUAL(states[0].to, agent_state::error);
  CAF_CHECK_EQUAL(list(a).agents[0].state, agent_state::error);
  // Terminated through a, on b.
  auto ended = ask<agent_info>(a.view, atom::terminate::value, theirs.id,
                               std::string{"done"});
  CAF_REQUIRE(ended);
  CAF_CHECK_EQUAL(ended->state, agent_state::terminated);
  settle();
  CAF_CHECK_EQUAL(list(b).total, 0u);
  CAF_CHECK_EQUAL(list(a).total, 0u);
  // Unknown keys answer as on one node.
  auto none = ask<agent_ref>(a.view, atom::get::value, std::string{"nobody"});
  CAF_REQUIRE(!none);
  CAF_CHECK_EQUAL(code_of(none.error()), ec::not_found);
}

CAF_TEST(a spawn goes to the node named or else the least loaded) {
  spawn(a, "coder");
  learn(a, b);
  // b has none, a has one: b.
  auto placed = spawn(a, "coder");
  CAF_CHECK_EQUAL(placed.node, "b");
  CAF_CHECK_EQUAL(slot_of(placed.num), 1u);
  // One each: a tie stays here.
  CAF_CHECK_EQUAL(spawn(a, "coder").node, "a");
  agent_spec spec;
  spec.type = "coder";
  spec.node = "b";
  auto named = ask<agent_info>(a.view, atom::spawn::value, spec);
  CAF_REQUIRE(named);
  CAF_CHECK_EQUAL(named->node, "b");
  spec.node = "z";
  auto unknown = ask<agent_info>(a.view, atom::spawn::value, spec);
  CAF_REQUIRE(!unknown);
  CAF_CHECK_EQUAL(code_of(unknown.error()), ec::invalid_argument);
  CAF_CHECK(describe(unknown.error()).find("no node \"z\" in the cluster")
            != std::string::npos);
  // Straight to a registry that is not the one named.
  spec.node = "b";
  auto wrong = ask<agent_info>(a.reg, atom::spawn::value, spec);
  CAF_REQUIRE(!wrong);
  CAF_CHECK_EQUAL(code_of(wrong.error()), ec::invalid_argument);
  lose(a, b);
  auto lost = ask<agent_info>(a.view, atom::spawn::value, spec);
  CAF_REQUIRE(!lost);
  CAF_CHECK_EQUAL(code_of(lost.error()), ec::node_unreachable);
  // Unnamed while b is lost: here.
  CAF_CHECK_EQUAL(spawn(a, "coder").node, "a");
}

CAF_TEST(agents message each other across nodes) {
  auto x = spawn(a, "coder");
  auto y = spawn(b, "coder");
  peer();
  auto handle_of = [&](test_node& n, const agent_info& agent) {
    return ask<agent_ref>(n.reg, atom::get::value, agent.id)->handle;
  };
  for (auto [from, on, to] : {std::tuple{x, &a, y}, std::tuple{y, &b, x}}) {
    outgoing_message out;
    out.to = to.num;
    out.content = "hello from " + from.name;
    auto receipt
      = ask<message_receipt>(handle_of(*on, from), atom::send::value, out);
    CAF_REQUIRE(receipt);
    CAF_CHECK_EQUAL(receipt->from, from.num);
    CAF_CHECK_EQUAL(receipt->to, to.num);
  }
  auto got = ask<agent_info>(handle_of(b, y), atom::get::value);
  CAF_CHECK_EQUAL(got->messages_received, 1u);
  CAF_CHECK_EQUAL(got->messages_sent, 1u);
  // Each node's viewers see the other's messages, without the text: that
  // is for the stores, and the owner writes it.
  settle();
  auto relayed = told<message_event>(a, "b");
  CAF_REQUIRE(!relayed.empty());
  // (The receiving agent publishes a message: x's to y is b's event.)
  CAF_CHECK_EQUAL(relayed.back().from, x.num);
  CAF_CHECK_EQUAL(relayed.back().content, "");
  auto own = told<message_event>(b, "");
  CAF_REQUIRE(!own.empty());
  CAF_CHECK_EQUAL(own.back().content, "hello from " + x.name);
  // A number of no node answers as on one node.
  outgoing_message nowhere;
  nowhere.to = (5u << slot_shift) | 1u;
  auto none = ask<message_receipt>(handle_of(a, x), atom::send::value, nowhere);
  CAF_REQUIRE(!none);
  CAF_CHECK_EQUAL(code_of(none.error()), ec::unreachable);
  // x remembers y's handle; once y ended, a message finds no one.
  outgoing_message again;
  again.to = y.num;
  CAF_REQUIRE(ask<message_receipt>(handle_of(a, x), atom::send::value, again));
  CAF_REQUIRE(
    ask<agent_info>(b.view, atom::terminate::value, y.id, std::string{"done"}));
  settle();
  auto ended = ask<message_receipt>(handle_of(a, x), atom::send::value, again);
  CAF_REQUIRE(!ended);
  CAF_CHECK_EQUAL(code_of(ended.error()), ec::unreachable);
  sys.registry().erase(cluster_registry_name);
}

CAF_TEST(the agents of a lost node stay listed and answer node_unreachable) {
  auto theirs = spawn(b, "coder");
  learn(a, b);
  lose(a, b);
  auto left = told<node_left>(a, "");
  CAF_REQUIRE_EQUAL(left.size(), 1u);
  CAF_CHECK_EQUAL(left[0].node, "b");
  CAF_CHECK_EQUAL(left[0].reason, "remote_link_unreachable");
  // Listings kept by the API are read again.
  CAF_CHECK_EQUAL(a.ctx->bus.last_state_seq(), a.ctx->bus.last_seq());
  auto page = list(a);
  CAF_REQUIRE_EQUAL(page.agents.size(), 1u);
  CAF_CHECK_EQUAL(page.agents[0].reachable, false);
  for (auto key : {theirs.id, std::to_string(theirs.num)}) {
    auto ref = ask<agent_ref>(a.view, atom::get::value, key);
    CAF_REQUIRE(!ref);
    CAF_CHECK_EQUAL(code_of(ref.error()), ec::node_unreachable);
    CAF_CHECK_EQUAL(describe(ref.error()),
                    "node_unreachable: agent " + theirs.id
                      + " is on node \"b\", which is unreachable");
  }
  auto ended = ask<agent_info>(a.view, atom::terminate::value, theirs.id,
                               std::string{"done"});
  CAF_REQUIRE(!ended);
  CAF_CHECK_EQUAL(code_of(ended.error()), ec::node_unreachable);
  // Not relayed to a while lost: b's change waits for its next inventory.
  spawn(b, "tester");
  settle();
  CAF_CHECK_EQUAL(list(a).total, 1u);
  // Back: reachable again, each agent once.
  learn(a, b);
  page = list(a);
  CAF_REQUIRE_EQUAL(page.total, 2u);
  CAF_CHECK(page.agents[0].reachable && page.agents[1].reachable);
  CAF_CHECK_EQUAL(told<agent_spawned>(a, "b").size(), 2u);
  CAF_CHECK(ask<agent_ref>(a.view, atom::get::value, theirs.id));
}

CAF_TEST(the coordinations of another node are listed and found) {
  spawn(b, "coder");
  spawn(b, "coder");
  coordination_spec spec;
  spec.kind = pattern::mesh;
  spec.task = "review";
  auto page = list(b);
  for (auto& x : page.agents)
    spec.participants.push_back(x.num);
  auto started = ask<coordination_info>(b.view, atom::coordinate::value, spec);
  CAF_REQUIRE(started);
  learn(a, b);
  auto all = ask<std::vector<coordination_info>>(
    a.view, atom::coordinate::value, atom::list::value, std::string{});
  CAF_REQUIRE(all);
  CAF_REQUIRE_EQUAL(all->size(), 1u);
  CAF_CHECK_EQUAL(all->front().id, started->id);
  CAF_CHECK_EQUAL(all->front().node, "b");
  auto ref = ask<coordination_ref>(a.view, atom::coordinate::value,
                                   atom::get::value, started->id);
  CAF_REQUIRE(ref);
  CAF_CHECK_EQUAL(ref->id, started->id);
  lose(a, b);
  auto gone = ask<coordination_ref>(a.view, atom::coordinate::value,
                                    atom::get::value, started->id);
  CAF_REQUIRE(!gone);
  CAF_CHECK_EQUAL(code_of(gone.error()), ec::node_unreachable);
}

CAF_TEST(a coordination runs with agents of both nodes) {
  auto x = spawn(a, "coder");
  auto y = spawn(b, "coder");
  auto z = spawn(b, "tester");
  peer();
  coordination_spec spec;
  spec.kind = pattern::mesh;
  spec.task = "sync";
  spec.participants = {x.num, y.num, z.num};
  auto started = ask<coordination_info>(a.view, atom::coordinate::value, spec);
  CAF_REQUIRE(started);
  CAF_CHECK_EQUAL(started->node, "a");
  settle();
  // Every peer messaged every other, across nodes, as on one node.
  auto ref = ask<coordination_ref>(b.view, atom::coordinate::value,
                                   atom::get::value, started->id);
  CAF_REQUIRE(ref);
  auto done = ask<coordination_info>(ref->handle, atom::get::value);
  CAF_REQUIRE(done);
  CAF_CHECK_EQUAL(done->status, coord_status::completed);
  CAF_CHECK_EQUAL(done->result, "6 messages exchanged");
  auto at_b = ask<std::vector<coordination_info>>(
    b.view, atom::coordinate::value, atom::list::value, std::string{});
  CAF_REQUIRE(at_b);
  CAF_REQUIRE_EQUAL(at_b->size(), 1u);
  CAF_CHECK_EQUAL(at_b->front().status, coord_status::completed);
  // A number of b's slot that b does not have; then b cut off.
  spec.participants = {x.num, (num_id{1} << slot_shift) | 999u};
  auto unknown = ask<coordination_info>(a.view, atom::coordinate::value, spec);
  CAF_REQUIRE(!unknown);
  CAF_CHECK_EQUAL(code_of(unknown.error()), ec::not_found);
  lose(a, b);
  spec.participants = {x.num, y.num};
  auto lost = ask<coordination_info>(a.view, atom::coordinate::value, spec);
  CAF_REQUIRE(!lost);
  CAF_CHECK_EQUAL(code_of(lost.error()), ec::node_unreachable);
  sys.registry().erase(cluster_registry_name);
}

CAF_TEST_FIXTURE_SCOPE_END()

CAF_TEST_FIXTURE_SCOPE(cluster_layout_tests, fixture)

CAF_TEST(one node runs the layout and another takes over when it is lost) {
  auto x = spawn(a, "coder");
  auto y = spawn(b, "coder");
  CAF_CHECK_EQUAL(layout_of(a), std::make_pair(std::string{"a"}, false));
  learn(a, b);
  learn(b, a);
  // a's view started first (or in the same millisecond, and "a" < "b").
  CAF_CHECK_EQUAL(layout_of(a), std::make_pair(std::string{"a"}, false));
  CAF_CHECK_EQUAL(layout_of(b), std::make_pair(std::string{"a"}, true));
  // b's pins go to a's layout, which has b's agent from a's view.
  auto pinned = ask<agent_position>(b.phys, atom::position::value, y.num,
                                    vec3f{1, 2, 3}, false, vec3f{});
  CAF_REQUIRE(pinned);
  auto at_a = ask<position_batch>(a.phys, atom::get::value);
  CAF_REQUIRE(at_a);
  auto found = std::find_if(at_a->agents.begin(), at_a->agents.end(),
                            [&](auto& p) { return p.agent == y.num; });
  CAF_REQUIRE(found != at_a->agents.end());
  CAF_CHECK_EQUAL(found->pos.x, 1.f);
  CAF_CHECK_EQUAL(found->pos.z, 3.f);
  // b takes frames from a's physics actor only.
  position_batch frame;
  frame.frame = 7;
  frame.keyframe = true;
  frame.agents = {{x.num, vec3f{5, 6, 7}, {}}};
  caf::anon_send(b.phys, frame);
  settle();
  auto at_b = ask<position_batch>(b.phys, atom::get::value);
  CAF_REQUIRE(at_b);
  for (auto& p : at_b->agents)
    CAF_CHECK(p.agent != x.num || p.pos.x != 5.f);
  lose(b, a);
  CAF_CHECK_EQUAL(layout_of(b), std::make_pair(std::string{"b"}, false));
  // a still runs its own: it never lost itself.
  CAF_CHECK_EQUAL(layout_of(a), std::make_pair(std::string{"a"}, false));
}

CAF_TEST_FIXTURE_SCOPE_END()
