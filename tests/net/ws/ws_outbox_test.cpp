#define CAF_SUITE ws.outbox
#include "caf/test/unit_test.hpp"
#include "caf_checks.hpp"

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "av/ws/outbox.hpp"

using namespace av::ws;
using json = nlohmann::json;

namespace {

outbox::payload text(std::string x) {
  return std::make_shared<const std::string>(std::move(x));
}

/// An event as the hub serializes one: a JSON object, `pad` bytes of
/// padding making it as long as a test needs.
outbox::payload event(int n, size_t pad = 0) {
  return text(json{{"n", n}, {"pad", std::string(pad, 'x')}}.dump());
}

std::vector<outbox::payload> events(int from, int to) {
  std::vector<outbox::payload> xs;
  for (int n = from; n <= to; ++n)
    xs.push_back(event(n));
  return xs;
}

/// The event numbers in a message of one event or of coalesced ones.
std::vector<int> numbers(const outbox::message& x) {
  auto doc = json::parse(*x.data);
  if (doc.is_object())
    doc = json::array({doc});
  std::vector<int> ns;
  for (auto& e : doc)
    ns.push_back(e["n"].get<int>());
  return ns;
}

/// Names a message as "frame f", "control c", or "events 1 2 3".
std::string describe(const outbox::message& x) {
  if (x.binary)
    return "frame " + *x.data;
  if (x.events == 0)
    return "control " + *x.data;
  std::string str = "events";
  for (auto n : numbers(x))
    str += " " + std::to_string(n);
  return str;
}

/// Takes messages one at a time, as a connection writes them when each
/// write waits for the one before.
std::vector<std::string> take_each(outbox& box) {
  std::vector<std::string> got;
  std::vector<outbox::message> batch;
  while (box.take(batch, 1)) {
    got.push_back(describe(batch.front()));
    batch.clear();
  }
  return got;
}

std::vector<outbox::message> take_all(outbox& box) {
  std::vector<outbox::message> batch;
  while (box.take(batch, batch.size() + 1)) {}
  return batch;
}

struct fixture {
  outbox box{1024, 3};
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(ws_outbox_tests, fixture)

CAF_TEST(queued events keep their order and go out as one array) {
  CAF_CHECK(box.add_events(events(1, 2), 2) == outbox::verdict::queued);
  CAF_CHECK(box.add_events(events(3, 3), 3) == outbox::verdict::queued);
  CAF_CHECK_EQUAL(box.queued_events(), 3u);
  std::vector<outbox::message> batch;
  CAF_REQUIRE(box.take(batch, 1));
  CAF_REQUIRE_EQUAL(batch.size(), 1u);
  CAF_CHECK_EQUAL(batch[0].events, 3u);
  CAF_CHECK(!batch[0].binary);
  CAF_CHECK_EQUAL(numbers(batch[0]), (std::vector<int>{1, 2, 3}));
  CAF_CHECK_EQUAL(box.queued_events(), 0u);
  CAF_CHECK(box.empty());
}

CAF_TEST(control messages keep their place among events) {
  box.add_events(events(1, 1), 1);
  box.add_control(text("hello"));
  box.add_events(events(2, 3), 3);
  box.add_control(text("pong"));
  // A lone event goes as it is, not in an array.
  std::vector<outbox::message> batch;
  CAF_REQUIRE(box.take(batch, 1));
  // CAF's checks hold their operands by reference: no temporaries.
  auto first = event(1);
  CAF_CHECK_EQUAL(*batch[0].data, *first);
  CAF_CHECK_EQUAL(batch[0].events, 1u);
  CAF_CHECK_EQUAL(
    take_each(box),
    (std::vector<std::string>{"control hello", "events 2 3", "control pong"}));
}

CAF_TEST(a newer frame replaces an unsent one) {
  CAF_CHECK_EQUAL(box.add_frame(1, text("f1")), 0u);
  CAF_CHECK_EQUAL(box.add_frame(2, text("f2")), 1u);
  // Parts of one frame all wait.
  CAF_CHECK_EQUAL(box.add_frame(2, text("f2b")), 0u);
  CAF_CHECK_EQUAL(take_each(box),
                  (std::vector<std::string>{"frame f2", "frame f2b"}));
  box.add_frame(3, text("f3"));
  box.add_frame(3, text("f3b"));
  CAF_CHECK_EQUAL(box.add_frame(4, text("f4")), 2u);
  CAF_CHECK_EQUAL(take_each(box), (std::vector<std::string>{"frame f4"}));
}

CAF_TEST(a frame overtakes the queue and then takes turns with it) {
  box.add_control(text("c1"));
  box.add_events(events(1, 1), 1);
  box.add_control(text("c2"));
  box.add_frame(1, text("f1"));
  std::vector<outbox::message> batch;
  CAF_REQUIRE(box.take(batch, 1));
  CAF_CHECK(batch[0].binary);
  CAF_CHECK_EQUAL(*batch[0].data, "f1");
  // A frame right after a frame waits for one queued message.
  box.add_frame(2, text("f2"));
  CAF_CHECK_EQUAL(take_each(box),
                  (std::vector<std::string>{"control c1", "frame f2",
                                            "events 1", "control c2"}));
}

CAF_TEST(the event bound holds exactly its number of events) {
  outbox small{4, 3};
  CAF_CHECK(small.add_events(events(1, 4), 4) == outbox::verdict::queued);
  CAF_CHECK_EQUAL(small.queued_events(), 4u);
  CAF_CHECK(small.add_events(events(5, 5), 5) == outbox::verdict::resync);
  CAF_CHECK_EQUAL(small.queued_events(), 0u);
}

CAF_TEST(an overflow replaces the queued events with a resync) {
  outbox small{4, 3};
  small.add_control(text("hello"));
  small.add_events(events(1, 3), 3);
  small.add_frame(7, text("f7"));
  CAF_CHECK(small.add_events(events(4, 5), 42) == outbox::verdict::resync);
  // Events after the resync queue behind it.
  CAF_CHECK(small.add_events(events(43, 43), 43) == outbox::verdict::queued);
  auto got = take_all(small);
  CAF_REQUIRE_EQUAL(got.size(), 4u);
  CAF_CHECK_EQUAL(describe(got[0]), "frame f7");
  CAF_CHECK_EQUAL(describe(got[1]), "control hello");
  auto resync = json::parse(*got[2].data);
  CAF_CHECK_EQUAL(got[2].events, 0u);
  CAF_CHECK_EQUAL(resync["type"].get<std::string>(), "resync");
  CAF_CHECK_EQUAL(resync["seq"].get<uint64_t>(), 42u);
  CAF_CHECK(resync["reason"].get<std::string>().find("more than 4 events")
            != std::string::npos);
  CAF_CHECK_EQUAL(describe(got[3]), "events 43");
}

CAF_TEST(too many resyncs in a row make the peer too slow) {
  outbox small{1, 2};
  CAF_CHECK(small.add_events(events(1, 2), 2) == outbox::verdict::resync);
  CAF_CHECK(small.add_events(events(3, 4), 4) == outbox::verdict::resync);
  CAF_CHECK(small.add_events(events(5, 6), 6) == outbox::verdict::too_slow);
  // The third overflow queues no resync of its own.
  auto got = take_all(small);
  CAF_CHECK_EQUAL(got.size(), 2u);
  CAF_CHECK_EQUAL(small.queued_events(), 0u);
}

CAF_TEST(a peer that caught up starts its resyncs afresh) {
  outbox small{1, 1};
  CAF_CHECK(small.add_events(events(1, 2), 2) == outbox::verdict::resync);
  small.caught_up();
  CAF_CHECK(small.add_events(events(3, 4), 4) == outbox::verdict::resync);
  CAF_CHECK(small.add_events(events(5, 6), 6) == outbox::verdict::too_slow);
}

CAF_TEST(take fills a batch up to its limit) {
  for (auto c : {"c1", "c2", "c3", "c4", "c5"})
    box.add_control(text(c));
  std::vector<outbox::message> batch;
  CAF_CHECK(box.take(batch, 2));
  CAF_CHECK_EQUAL(batch.size(), 2u);
  CAF_CHECK(box.take(batch, 8));
  CAF_REQUIRE_EQUAL(batch.size(), 5u);
  for (size_t i = 0; i < batch.size(); ++i)
    CAF_CHECK_EQUAL(*batch[i].data, "c" + std::to_string(i + 1));
  CAF_CHECK(!box.take(batch, 8));
  CAF_CHECK_EQUAL(batch.size(), 5u);
  // A full batch takes nothing, and what waits stays.
  box.add_control(text("c6"));
  CAF_CHECK(!box.take(batch, 5));
  CAF_CHECK(!box.empty());
}

CAF_TEST(coalesced events stay within the byte bound) {
  // "[a,b]" is the two events and three bytes.
  auto room = outbox::max_coalesced_bytes - 3;
  auto a = event(1);
  auto pad = room / 2 - a->size();
  outbox::payload first = event(1, pad);
  outbox::payload second = event(2, room - first->size() - event(2)->size());
  box.add_events({first, second}, 2);
  auto got = take_all(box);
  CAF_REQUIRE_EQUAL(got.size(), 1u);
  CAF_CHECK_EQUAL(got[0].data->size(), outbox::max_coalesced_bytes);
  CAF_CHECK_EQUAL(numbers(got[0]), (std::vector<int>{1, 2}));
  // One byte more and they go apart.
  auto longer = event(2, room - first->size() - event(2)->size() + 1);
  box.add_events({first, longer}, 2);
  got = take_all(box);
  CAF_REQUIRE_EQUAL(got.size(), 2u);
  CAF_CHECK_EQUAL(numbers(got[0]), (std::vector<int>{1}));
  CAF_CHECK_EQUAL(numbers(got[1]), (std::vector<int>{2}));
}

CAF_TEST(many events go out in order in messages within the bound) {
  std::vector<outbox::payload> xs;
  for (int n = 1; n <= 200; ++n)
    xs.push_back(event(n, 1000));
  box.add_events(xs, 200);
  std::vector<int> seen;
  uint32_t counted = 0;
  auto got = take_all(box);
  CAF_CHECK_GREATER(got.size(), 1u);
  for (auto& x : got) {
    CAF_CHECK_LESS_OR_EQUAL(x.data->size(), outbox::max_coalesced_bytes);
    counted += x.events;
    for (auto n : numbers(x))
      seen.push_back(n);
  }
  CAF_CHECK_EQUAL(counted, 200u);
  std::vector<int> want;
  for (int n = 1; n <= 200; ++n)
    want.push_back(n);
  CAF_CHECK_EQUAL(seen, want);
}

CAF_TEST(dropping frames keeps the queue and clearing drops all) {
  box.add_control(text("bye"));
  box.add_events(events(1, 2), 2);
  box.add_frame(1, text("f1"));
  box.drop_frames();
  CAF_CHECK_EQUAL(take_each(box),
                  (std::vector<std::string>{"control bye", "events 1 2"}));
  box.add_control(text("c"));
  box.add_events(events(3, 5), 5);
  box.add_frame(2, text("f2"));
  CAF_CHECK_EQUAL(box.clear(), 3u);
  CAF_CHECK(box.empty());
  CAF_CHECK_EQUAL(box.queued_events(), 0u);
  std::vector<outbox::message> batch;
  CAF_CHECK(!box.take(batch, 8));
}

CAF_TEST_FIXTURE_SCOPE_END()
