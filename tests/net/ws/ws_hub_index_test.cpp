#define CAF_SUITE ws.hub_index

#include "caf_checks.hpp"
#include <caf/test/dsl.hpp>

#include <nlohmann/json.hpp>

#include "recording_outlet.hpp"

using namespace av;
using namespace av::test;

namespace {

/// A registry that lists one agent (number 5), but only once the test
/// lets it: the hub's index is still loading until then.
caf::behavior held_registry(caf::event_based_actor* self) {
  auto held = std::make_shared<caf::response_promise>();
  return {
    [=](atom::list, const agent_filter&) {
      *held = self->make_response_promise();
    },
    [=](atom::coordinate, atom::list, const std::string&) {
      return std::vector<coordination_info>{};
    },
    [=](atom::release) {
      agent_summary a;
      a.num = 5;
      a.type = "coder";
      held->deliver(agent_page{{a}, 1});
    },
  };
}

event_batch metrics_of(num_id agent, uint64_t seq) {
  event ev;
  ev.seq = seq;
  ev.payload = metrics_event{agent, {}, {}};
  return {std::make_shared<const std::vector<event>>(std::vector<event>{ev})};
}

uint64_t seq_of(const std::string& json_text) {
  return nlohmann::json::parse(json_text).at("seq").get<uint64_t>();
}

/// Runs messages only (`consume_messages`): `run` would also fire the
/// hub's 30 s timeout on the held listing.
struct fixture : test_coordinator_fixture<> {
  caf::actor registry = sys.spawn(held_registry);
  hub_actor own_hub = sys.spawn(hub, std::make_shared<node_context>(),
                                std::make_shared<ws_stats>(),
                                caf::actor_cast<registry_actor>(registry),
                                bus_actor{}, physics_actor{}, 500u, 60u);
  std::shared_ptr<recording_outlet> outlet
    = std::make_shared<recording_outlet>();
  ws_session_actor session = sys.spawn(ws_session, outlet, uint64_t{1});

  fixture() { consume_messages(); }

  ~fixture() override {
    for (auto h : {registry, caf::actor_cast<caf::actor>(own_hub),
                   caf::actor_cast<caf::actor>(session)})
      caf::anon_send_exit(h, caf::exit_reason::user_shutdown);
    run();
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(ws_hub_index_tests, fixture)

CAF_TEST(a viewer who subscribes while the index loads misses no event) {
  caf::anon_send(own_hub, atom::subscribe::value,
                 ws_subscription{1, session, ws_filter{}, {}});
  consume_messages();
  // An event of a listed agent before the listing arrived.
  caf::anon_send(own_hub, metrics_of(5, 1));
  consume_messages();
  CAF_CHECK(!outlet->subscribed);
  caf::anon_send(registry, atom::release::value);
  consume_messages();
  CAF_REQUIRE(outlet->subscribed);
  caf::anon_send(own_hub, metrics_of(5, 2));
  consume_messages();
  // Every event after the subscription's sequence number, none skipped.
  auto seq = seq_of(outlet->control);
  CAF_REQUIRE(!outlet->events.empty());
  for (auto& x : outlet->events)
    CAF_CHECK_EQUAL(seq_of(x), ++seq);
  CAF_CHECK_EQUAL(seq, 2u);
}

CAF_TEST(a viewer who leaves while the index loads is not let in later) {
  caf::anon_send(own_hub, atom::subscribe::value,
                 ws_subscription{1, session, ws_filter{}, {}});
  caf::anon_send(own_hub, atom::unsub::value, uint64_t{1});
  caf::anon_send(registry, atom::release::value);
  consume_messages();
  caf::anon_send(own_hub, metrics_of(5, 1));
  consume_messages();
  CAF_CHECK(!outlet->subscribed);
  CAF_CHECK(outlet->events.empty());
}

CAF_TEST_FIXTURE_SCOPE_END()
