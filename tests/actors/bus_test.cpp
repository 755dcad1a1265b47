#define CAF_SUITE actors.bus
#include "caf/test/dsl.hpp"
#include "caf_checks.hpp"

#include "av/bus.hpp"

using namespace av;

namespace {

struct fixture : test_coordinator_fixture<> {
  node_context_ptr ctx = std::make_shared<node_context>();
  std::shared_ptr<std::vector<event>> seen
    = std::make_shared<std::vector<event>>();

  caf::actor make_sink() {
    auto log = seen;
    return sys.spawn([log](caf::event_based_actor*) -> caf::behavior {
      return {[log](const event_batch& batch) {
        log->insert(log->end(), batch.events->begin(), batch.events->end());
      }};
    });
  }

  void publish_spawn(num_id num) {
    agent_summary x;
    x.num = num;
    ctx->bus.publish(agent_spawned{x, {}, 0});
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(bus_tests, fixture)

CAF_TEST(events published before the bus starts are delivered) {
  publish_spawn(1);
  publish_spawn(2);
  auto bus = sys.spawn(av::bus, ctx);
  auto sink = make_sink();
  caf::anon_send(bus, atom::subscribe::value,
                 caf::actor_cast<event_sink_actor>(sink), all_event_kinds);
  // The subscription is processed before the wake-up the bus sent itself.
  run();
  CAF_REQUIRE_EQUAL(seen->size(), 2u);
  CAF_CHECK_EQUAL(seen->front().seq, 1u);
  publish_spawn(3);
  run();
  CAF_CHECK_EQUAL(seen->size(), 3u);
  caf::anon_send_exit(bus, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(sink, caf::exit_reason::user_shutdown);
}

CAF_TEST(subscribers get only the kinds they asked for) {
  auto bus = sys.spawn(av::bus, ctx);
  auto sink = make_sink();
  caf::anon_send(bus, atom::subscribe::value,
                 caf::actor_cast<event_sink_actor>(sink),
                 kind_bit(event_kind::agent_terminated));
  run();
  publish_spawn(1);
  run();
  CAF_CHECK_EQUAL(seen->size(), 0u);
  ctx->bus.publish(agent_terminated{1, "x", "done"});
  run();
  CAF_CHECK_EQUAL(seen->size(), 1u);
  // A subscriber that ends is dropped.
  caf::anon_send_exit(sink, caf::exit_reason::user_shutdown);
  run();
  auto st = self->request(bus, caf::infinite, atom::status::value,
                          status_verbosity::terse);
  run();
  st.receive(
    [](const caf::settings& xs) {
      CAF_CHECK_EQUAL(caf::get_or(xs, "summary", std::string{}).find("0 sub"),
                      0u);
    },
    [](const caf::error&) { CAF_FAIL("no status"); });
  caf::anon_send_exit(bus, caf::exit_reason::user_shutdown);
}

CAF_TEST_FIXTURE_SCOPE_END()
