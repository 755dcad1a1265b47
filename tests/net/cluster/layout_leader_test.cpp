#define CAF_SUITE cluster.layout_leader

#include "av/cluster/layout_leader.hpp"

#include "caf_checks.hpp"
#include <caf/test/dsl.hpp>

using namespace av::cluster;

namespace {

struct fixture : test_coordinator_fixture<> {
  /// Stands in for a node's physics actor: the rule only holds on to it.
  caf::actor physics = sys.spawn([] {
    return caf::behavior{[](int) {
    }};
  });

  ~fixture() override {
    caf::anon_send_exit(physics, caf::exit_reason::user_shutdown);
    run();
  }

  layout_candidate node(const std::string& name, int64_t started_ms,
                        bool gpu = false) {
    return layout_candidate{name, gpu, started_ms, physics};
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(layout_leader_tests, fixture)

CAF_TEST(alone a node runs the layout itself) {
  layout_leader x{node("b", 200)};
  CAF_CHECK_EQUAL(x.leader().node, "b");
  CAF_CHECK(x.here());
}

CAF_TEST(the node that started first runs the layout) {
  layout_leader b{node("b", 200)};
  b.up(node("a", 100));
  b.up(node("c", 300));
  CAF_CHECK_EQUAL(b.leader().node, "a");
  CAF_CHECK(!b.here());
  // Every node that sees the same members picks the same one.
  layout_leader c{node("c", 300)};
  c.up(node("b", 200));
  c.up(node("a", 100));
  CAF_CHECK_EQUAL(c.leader().node, "a");
}

CAF_TEST(a node with a GPU comes before an older one without) {
  layout_leader a{node("a", 100)};
  a.up(node("b", 200, true));
  a.up(node("c", 300, true));
  CAF_CHECK_EQUAL(a.leader().node, "b");
  CAF_CHECK(a.leader().gpu);
}

CAF_TEST(the name decides between nodes started in the same millisecond) {
  layout_leader b{node("b", 100)};
  b.up(node("a", 100));
  CAF_CHECK_EQUAL(b.leader().node, "a");
}

CAF_TEST(the next node takes over when the leader is cut off) {
  layout_leader c{node("c", 300)};
  c.up(node("a", 100));
  c.up(node("b", 200));
  c.down("a");
  CAF_CHECK_EQUAL(c.leader().node, "b");
  c.down("b");
  CAF_CHECK(c.here());
  // A node never loses itself.
  c.down("c");
  CAF_CHECK(c.here());
}

CAF_TEST(a node that comes back does not take the layout back) {
  layout_leader b{node("b", 200)};
  b.up(node("a", 100));
  b.down("a");
  CAF_CHECK(b.here());
  // a started again: younger than b now.
  b.up(node("a", 400));
  CAF_CHECK(b.here());
}

CAF_TEST(a node without a physics actor is never picked) {
  layout_leader b{node("b", 200)};
  b.up(layout_candidate{"a", true, 100, {}});
  CAF_CHECK(b.here());
}

CAF_TEST_FIXTURE_SCOPE_END()
