#define CAF_SUITE cluster.node

#include "av/cluster/node.hpp"

#include "caf_checks.hpp"
#include <caf/test/dsl.hpp>

#include <algorithm>

#include "av/error.hpp"

using namespace av;
using namespace av::cluster;
using namespace std::chrono_literals;

namespace {

/// Nodes of one actor system on CAF's deterministic scheduler, reaching
/// each other through a stand-in for the middleman: addresses map to node
/// actors, and an address without one is unreachable.
struct cluster_fixture : test_coordinator_fixture<> {
  using net_map = std::map<std::string, caf::strong_actor_ptr>;
  std::shared_ptr<net_map> net = std::make_shared<net_map>();
  std::shared_ptr<std::vector<std::string>> changes
    = std::make_shared<std::vector<std::string>>();
  dialer_actor dialer;
  /// Every node started, stopped at the end: members hold each other.
  std::vector<node_actor> started;

  cluster_fixture() {
    auto n = net;
    dialer = sys.spawn([n]() -> dialer_actor::behavior_type {
      return {
        [n](caf::connect_atom, const std::string& host, std::uint16_t port)
          -> caf::result<caf::node_id, caf::strong_actor_ptr,
                         std::set<std::string>> {
          auto i = n->find(address_of(host, port));
          if (i == n->end())
            return make_error(ec::unreachable, "nothing listens there");
          return {caf::node_id{}, i->second, std::set<std::string>{}};
        },
      };
    });
  }

  ~cluster_fixture() override {
    for (auto& x : started)
      caf::anon_send_exit(x, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(dialer, caf::exit_reason::user_shutdown);
    consume_messages();
  }

  static std::string address(std::uint16_t port) {
    return address_of("127.0.0.1", port);
  }

  node_actor start(const std::string& name, std::uint16_t port,
                   std::vector<std::uint16_t> seeds,
                   const std::string& secret = "") {
    node_settings cfg;
    // The port comes with publish_atom, as after binding CLUSTER_PORT 0.
    cfg.self = member{name, "127.0.0.1", 0, port};
    cfg.secret = secret;
    for (auto s : seeds)
      cfg.seeds.emplace_back("127.0.0.1", s);
    auto log = changes;
    cfg.on_change = [log, name](const member& x, const std::string&) {
      log->push_back(name + ": " + x.name + " " + to_string(x.state));
    };
    auto result = spawn_node(sys, dialer, std::move(cfg));
    started.push_back(result);
    (*net)[address(port)] = caf::actor_cast<caf::strong_actor_ptr>(result);
    // Published: now it joins.
    self->send(result, caf::publish_atom::value, port);
    return result;
  }

  void stop(const node_actor& x, std::uint16_t port) {
    net->erase(address(port));
    caf::anon_send_exit(x, caf::exit_reason::kill);
    consume_messages();
  }

  std::vector<member> members(const node_actor& x) {
    std::vector<member> result;
    auto rh = self->request(x, caf::infinite, atom::list::value);
    consume_messages();
    rh.receive([&](std::vector<member>& xs) { result = std::move(xs); },
               [&](caf::error& err) { CAF_FAIL(describe(err)); });
    return result;
  }

  /// "name state" of every member `x` knows, itself first.
  std::vector<std::string> view(const node_actor& x) {
    std::vector<std::string> result;
    for (auto& m : members(x))
      result.push_back(m.name + " " + to_string(m.state));
    return result;
  }

  bool saw(const std::string& change) const {
    return std::find(changes->begin(), changes->end(), change)
           != changes->end();
  }
};

using strings = std::vector<std::string>;

} // namespace

CAF_TEST_FIXTURE_SCOPE(cluster_node_tests, cluster_fixture)

CAF_TEST(nodes that join through one seed all know each other) {
  auto a = start("a", 1, {});
  auto b = start("b", 2, {1});
  auto c = start("c", 3, {1});
  consume_messages();
  CAF_CHECK_EQUAL(view(a), (strings{"a up", "b up", "c up"}));
  CAF_CHECK_EQUAL(view(b), (strings{"b up", "a up", "c up"}));
  CAF_CHECK_EQUAL(view(c), (strings{"c up", "a up", "b up"}));
  // c learned b from a and connected to it directly.
  CAF_CHECK(saw("c: b up"));
  CAF_CHECK(saw("b: c up"));
  auto port_of_b = members(c)[2].port;
  CAF_CHECK_EQUAL(port_of_b, 2u);
}

CAF_TEST(a node that goes is unreachable everywhere and comes back) {
  auto a = start("a", 1, {});
  auto b = start("b", 2, {1});
  auto c = start("c", 3, {1});
  consume_messages();
  stop(c, 3);
  CAF_CHECK_EQUAL(view(a), (strings{"a up", "b up", "c unreachable"}));
  CAF_CHECK_EQUAL(view(b), (strings{"b up", "a up", "c unreachable"}));
  CAF_CHECK(saw("a: c unreachable"));
  CAF_CHECK(saw("b: c unreachable"));
  // While it is gone the others keep trying, quietly.
  advance_time(1s);
  consume_messages();
  CAF_CHECK_EQUAL(view(a), (strings{"a up", "b up", "c unreachable"}));
  // Back under its name at its address: no second entry anywhere.
  changes->clear();
  auto c2 = start("c", 3, {1});
  consume_messages();
  advance_time(1s);
  consume_messages();
  CAF_CHECK_EQUAL(view(a), (strings{"a up", "b up", "c up"}));
  CAF_CHECK_EQUAL(view(b), (strings{"b up", "a up", "c up"}));
  CAF_CHECK_EQUAL(view(c2), (strings{"c up", "a up", "b up"}));
  CAF_CHECK(saw("a: c up"));
  CAF_CHECK(saw("b: c up"));
}

CAF_TEST(a node with another cluster secret is refused) {
  auto a = start("a", 1, {}, "s3cret");
  auto b = start("b", 2, {1}, "s3cret");
  auto d = start("d", 4, {1}, "guess");
  consume_messages();
  CAF_CHECK_EQUAL(view(a), (strings{"a up", "b up"}));
  CAF_CHECK_EQUAL(view(d), (strings{"d up"}));
  CAF_CHECK(!saw("a: d up"));
}

CAF_TEST(a name held by an up node cannot be taken) {
  auto a = start("a", 1, {});
  auto b = start("b", 2, {1});
  consume_messages();
  auto impostor = start("b", 9, {1});
  consume_messages();
  auto xs = members(a);
  CAF_REQUIRE_EQUAL(xs.size(), 2u);
  CAF_CHECK_EQUAL(xs[1].port, 2u);
  CAF_CHECK_EQUAL(view(impostor), (strings{"b up"}));
}

CAF_TEST(the node answers the status protocol) {
  auto a = start("a", 1, {});
  auto b = start("b", 2, {1});
  consume_messages();
  caf::settings status;
  auto rh = self->request(a, caf::infinite, atom::status::value,
                          status_verbosity::detailed);
  consume_messages();
  rh.receive([&](caf::settings& x) { status = std::move(x); },
             [&](caf::error& err) { CAF_FAIL(describe(err)); });
  CAF_CHECK_EQUAL(caf::get_or(status, "kind", ""), "cluster");
  CAF_CHECK_EQUAL(caf::get_or(status, "id", ""), "a");
  CAF_CHECK_EQUAL(caf::get_or(status, "nodes.up", uint64_t{0}), 2u);
  CAF_CHECK_EQUAL(caf::get_or(status, "members.b", ""), "up 127.0.0.1:2");
}

CAF_TEST_FIXTURE_SCOPE_END()
