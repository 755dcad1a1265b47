#define CAF_SUITE ws.backpressure

#include "caf/test/unit_test.hpp"
#include "caf_checks.hpp"

#include <algorithm>
#include <atomic>
#include <set>
#include <thread>

#include "av/ws/server.hpp"
#include "ws_fixture.hpp"

using namespace av;
using namespace av::test;
using json = nlohmann::json;

namespace {

/// A second WebSocket server on the fixture's node, with tight limits.
struct fixture : ws_fixture {
  std::unique_ptr<ws_server> tight;

  fixture() {
    auto lim = ws_server::limits_from(cfg);
    lim.max_queued_events = 200;
    lim.max_resyncs = 2;
    start(lim);
  }

  ~fixture() {
    if (tight)
      tight->stop();
  }

  void start(ws_server::limits lim) {
    if (tight)
      tight->stop();
    tight = std::make_unique<ws_server>(cfg, node->system(), node->registry(),
                                        node->bus(), node->physics(),
                                        node->context(), lim);
  }

  /// Publishes `n` updates of an unknown coordination (every viewer sees
  /// them, no actor acts on them) with a `size`-byte detail; returns the
  /// last sequence number.
  uint64_t publish(size_t n, size_t size) {
    coordination_event x;
    x.id = "load";
    x.status = coord_status::active;
    x.detail.assign(size, 'p');
    for (size_t i = 0; i < n; ++i)
      node->context()->bus.publish(x);
    return node->context()->bus.last_seq();
  }

  static ws_client::options slow_options() {
    ws_client::options opts;
    opts.receive_buffer = 4096;
    return opts;
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(ws_backpressure_tests, fixture)

CAF_TEST(one client that stops reading never delays the others) {
  constexpr int fast_clients = 3;
  auto slow = connect(slow_options(), tight->port());
  subscribe(*slow);
  std::vector<std::unique_ptr<ws_client>> fast;
  for (int i = 0; i < fast_clients; ++i) {
    fast.push_back(connect({}, tight->port()));
    subscribe(*fast.back());
  }
  std::atomic<uint64_t> seen[fast_clients];
  std::atomic<int64_t> worst_ms[fast_clients];
  std::atomic<bool> gaps{false};
  std::atomic<bool> stop{false};
  auto first = node->context()->bus.last_seq() + 1;
  std::vector<std::thread> readers;
  for (int i = 0; i < fast_clients; ++i) {
    seen[i] = first - 1;
    worst_ms[i] = 0;
    readers.emplace_back([&, i] {
      while (!stop) {
        auto msg = fast[i]->read(ms{100});
        if (!msg || msg->binary || !msg->json.contains("seq")
            || msg->json.value("type", "") == "subscribed")
          continue;
        auto seq = msg->json["seq"].get<uint64_t>();
        if (seq != seen[i] + 1)
          gaps = true;
        seen[i] = seq;
        auto lag = now_ms() - msg->json["time"].get<int64_t>();
        worst_ms[i] = std::max(worst_ms[i].load(), lag);
      }
    });
  }
  // Bursts of 50 events of 4 KiB, each awaited by every fast client: 20 MiB
  // in all, far beyond what the slow client's socket buffers hold.
  for (int burst = 0; burst < 100; ++burst) {
    auto last = publish(50, 4096);
    auto all_seen = [&] {
      for (auto& x : seen)
        if (x < last)
          return false;
      return true;
    };
    if (!eventually(all_seen, ms{10000})) {
      CAF_ERROR("fast clients stalled at burst " << burst);
      break;
    }
  }
  stop = true;
  for (auto& t : readers)
    t.join();
  CAF_CHECK(!gaps);
  int64_t worst = 0;
  for (auto& x : worst_ms)
    worst = std::max(worst, x.load());
  CAF_MESSAGE("worst event latency of the fast clients: " << worst << " ms");
  // Generous for loaded CI machines; typical runs stay in single digits.
  CAF_CHECK_LESS(worst, 1000);
  auto& st = *tight->stats();
  CAF_CHECK(eventually([&] { return st.closes_of("too_slow") == 1; }));
  CAF_CHECK_GREATER_OR_EQUAL(st.resyncs.load(), 2u);
  CAF_CHECK_EQUAL(st.sessions_open.load(), uint64_t{fast_clients});
}

CAF_TEST(
  a client that fell behind gets a resync and rebuilds from the snapshot) {
  // The bound comes from WS_MAX_QUEUED_EVENTS.
  cfg.ws_max_queued_events = 200;
  auto lim = ws_server::limits_from(cfg);
  CAF_REQUIRE_EQUAL(lim.max_queued_events, 200u);
  lim.max_resyncs = 1000000;
  start(lim);
  auto c = connect(slow_options(), tight->port());
  auto sub = subscribe(*c);
  auto expected = sub["seq"].get<uint64_t>() + 1;
  publish(5000, 4096);
  CAF_REQUIRE(eventually([&] { return tight->stats()->resyncs.load() > 0; }));
  // Read everything: events without gaps, except right after a resync,
  // which names the seq to rebuild from.
  std::optional<uint64_t> resync_seq;
  bool silent_gap = false;
  uint64_t resyncs = 0;
  auto last = node->context()->bus.last_seq();
  while (expected <= last) {
    auto msg = c->read(ms{5000});
    if (!msg)
      break;
    if (msg->binary)
      continue;
    auto& x = msg->json;
    if (x.value("type", "") == "resync") {
      ++resyncs;
      resync_seq = x["seq"].get<uint64_t>();
      expected = *resync_seq + 1;
      continue;
    }
    if (!x.contains("seq"))
      continue;
    if (x["seq"].get<uint64_t>() != expected)
      silent_gap = true;
    expected = x["seq"].get<uint64_t>() + 1;
  }
  CAF_CHECK(!silent_gap);
  CAF_CHECK_GREATER(resyncs, 0u);
  CAF_CHECK_EQUAL(expected, last + 1);
  CAF_REQUIRE(resync_seq);
  // The snapshot covers everything up to the resync point.
  auto snap = get("/api/snapshot");
  CAF_REQUIRE_EQUAL(snap.status, 200);
  CAF_CHECK_GREATER_OR_EQUAL(snap.json["seq"].get<uint64_t>(), *resync_seq);
  // And the stream goes on after it.
  auto agent = spawn("coder");
  auto ev = c->read_type("agent.spawned");
  CAF_REQUIRE(ev);
  CAF_CHECK_EQUAL((*ev)["data"]["numId"], agent["numId"]);
  CAF_CHECK_GREATER((*ev)["seq"].get<uint64_t>(),
                    snap.json["seq"].get<uint64_t>());
}

CAF_TEST(events that pile up behind a write go out as one array) {
  auto c = connect(slow_options(), tight->port());
  auto sub = subscribe(*c);
  // More than the socket buffers hold: the writer waits for the reader,
  // and what comes next queues behind it.
  auto queued = tight->stats()->events_queued.load();
  auto first = publish(1, 12 * 1024 * 1024);
  auto last = publish(20, 100);
  CAF_REQUIRE(eventually(
    [&] { return tight->stats()->events_queued.load() >= queued + 21; }));
  uint64_t expected = sub["seq"].get<uint64_t>() + 1;
  bool gap = false;
  while (expected <= last) {
    auto msg = c->read(ms{10000});
    if (!msg)
      break;
    if (msg->binary || !msg->json.contains("seq"))
      continue;
    gap = gap || msg->json["seq"].get<uint64_t>() != expected;
    expected = msg->json["seq"].get<uint64_t>() + 1;
  }
  CAF_CHECK(!gap);
  CAF_CHECK_EQUAL(expected, last + 1);
  CAF_CHECK_GREATER(last, first);
  CAF_CHECK_EQUAL(c->arrays, 1u);
  CAF_CHECK_EQUAL(tight->stats()->resyncs.load(), 0u);
}

CAF_TEST(a reconnecting client misses no event) {
  std::set<std::string> all;
  auto spawn_some = [&](int n) {
    for (int i = 0; i < n; ++i)
      all.insert(spawn("coder")["id"].get<std::string>());
  };
  auto first = connect();
  subscribe(*first);
  spawn_some(3);
  for (int i = 0; i < 3; ++i)
    CAF_CHECK(first->read_type("agent.spawned"));
  first->close();
  // Spawned while nobody watches.
  spawn_some(3);
  auto second = connect();
  auto sub = subscribe(*second);
  auto snap = get("/api/snapshot");
  CAF_REQUIRE_EQUAL(snap.status, 200);
  auto base = snap.json["seq"].get<uint64_t>();
  CAF_CHECK_GREATER_OR_EQUAL(base, sub["seq"].get<uint64_t>());
  spawn_some(3);
  std::set<std::string> known;
  for (auto& a : snap.json["agents"])
    known.insert(a["id"].get<std::string>());
  auto expected = sub["seq"].get<uint64_t>() + 1;
  bool gap = false;
  while (known.size() < all.size()) {
    auto ev = second->read_type("agent.spawned", ms{5000});
    if (!ev)
      break;
    auto seq = (*ev)["seq"].get<uint64_t>();
    gap = gap || seq < expected;
    expected = seq + 1;
    if (seq > base)
      known.insert((*ev)["data"]["id"].get<std::string>());
  }
  CAF_CHECK(!gap);
  CAF_CHECK_EQUAL(known, all);
}

CAF_TEST(a hub started after agents exist shows them) {
  auto agent = spawn("coder", "early");
  start(ws_server::limits_from(cfg));
  auto c = connect({}, tight->port());
  auto sub = subscribe(*c);
  CAF_REQUIRE(eventually([&] {
    return caf::get_or(hub_status(tight->hub()), "agents_indexed", uint64_t{0})
           == 1;
  }));
  auto res = del("/api/agents/early");
  CAF_REQUIRE_EQUAL(res.status, 200);
  auto ev = c->read_type("agent.terminated");
  CAF_REQUIRE(ev);
  CAF_CHECK_EQUAL((*ev)["data"]["numId"], agent["numId"]);
}

CAF_TEST_FIXTURE_SCOPE_END()
