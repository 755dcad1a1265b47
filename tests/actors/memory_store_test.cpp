#define CAF_SUITE actors.memory_store
#include "caf/test/unit_test.hpp"

#include <atomic>
#include <thread>

#include "av/local_memory_store.hpp"

using namespace av;
using namespace std::chrono_literals;

namespace {

struct fixture {
  int64_t now = 1'000'000;
  memory_store_ptr store = make_local_memory_store(100, [this] { return now; });

  std::string kind_of(std::function<void()> f) {
    try {
      f();
    } catch (const memory_error& e) {
      return e.which() == memory_error::kind::invalid ? "invalid"
             : e.which() == memory_error::kind::full  ? "full"
                                                      : "unavailable";
    }
    return "none";
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(memory_store_tests, fixture)

CAF_TEST(values are stored retrieved replaced and removed per namespace) {
  store->store("a", "k", "v1", 0s);
  store->store("b", "k", "other", 60s);
  auto x = store->retrieve("a", "k");
  CAF_REQUIRE(x);
  CAF_CHECK_EQUAL(x->value, "v1");
  CAF_CHECK_EQUAL(x->ttl_s, 86400);
  CAF_CHECK_EQUAL(x->stored_at_ms, now);
  store->store("a", "k", "v2", 0s);
  CAF_CHECK_EQUAL(store->retrieve("a", "k")->value, "v2");
  CAF_CHECK_EQUAL(store->retrieve("b", "k")->value, "other");
  CAF_CHECK_EQUAL(store->totals().entries, 2u);
  CAF_CHECK_EQUAL(store->totals().bytes, 4u + 7u);
  CAF_CHECK(store->remove("a", "k"));
  CAF_CHECK(!store->remove("a", "k"));
  CAF_CHECK(!store->retrieve("a", "k"));
  CAF_CHECK_EQUAL(store->totals().bytes, 7u);
}

CAF_TEST(entries expire after their ttl) {
  store->store("a", "short", "x", 10s);
  now += 9'000;
  auto x = store->retrieve("a", "short");
  CAF_REQUIRE(x);
  CAF_CHECK_EQUAL(x->ttl_s, 1);
  now += 1'000;
  CAF_CHECK(!store->retrieve("a", "short"));
  CAF_CHECK_EQUAL(store->totals().entries, 0u);
  CAF_CHECK_EQUAL(store->totals().bytes, 0u);
}

CAF_TEST(totals leave out entries that expired unread) {
  store->store("a", "first", "x", 10s);
  store->store("b", "second", "x", 20s);
  store->store("b", "second", "y", 20s);
  CAF_CHECK_EQUAL(store->totals().entries, 2u);
  now += 10'000;
  CAF_CHECK_EQUAL(store->totals().entries, 1u);
  CAF_CHECK_EQUAL(store->totals().bytes, 1u + 6u + 1u);
  now += 10'000;
  CAF_CHECK_EQUAL(store->totals().entries, 0u);
  CAF_CHECK_EQUAL(store->totals().bytes, 0u);
}

CAF_TEST(the size cap refuses what does not fit and counts expired space) {
  store->store("a", "big", std::string(80, 'x'), 5s);
  CAF_CHECK_EQUAL(
    kind_of([&] { store->store("a", "more", std::string(20, 'y'), 0s); }),
    "full");
  // Replacing a value frees the old one first.
  store->store("a", "big", std::string(90, 'z'), 5s);
  now += 5'000;
  store->store("a", "more", std::string(20, 'y'), 0s);
  CAF_CHECK_EQUAL(store->totals().bytes, 1u + 4u + 20u);
}

CAF_TEST(list takes a prefix and search a glob or a substring) {
  store->store("ns", "task:1", "alpha", 0s);
  store->store("ns", "task:2", "beta", 0s);
  store->store("ns", "note", "alphabet", 0s);
  auto listed = store->list("ns", "task:", 10);
  CAF_REQUIRE_EQUAL(listed.size(), 2u);
  CAF_CHECK_EQUAL(listed[0].key, "task:1");
  CAF_CHECK_EQUAL(store->list("ns", "", 1).size(), 1u);
  auto globbed = store->search("ns", "t*:?", 10);
  CAF_CHECK_EQUAL(globbed.size(), 2u);
  auto found = store->search("ns", "alpha", 10);
  CAF_REQUIRE_EQUAL(found.size(), 2u);
  CAF_CHECK_EQUAL(found[0].key, "note");
  CAF_CHECK(store->search("ns", "*x*", 10).empty());
  CAF_CHECK(store->list("empty", "", 10).empty());
}

CAF_TEST(bad names and ttls are refused) {
  CAF_CHECK_EQUAL(kind_of([&] { store->store("", "k", "v", 0s); }), "invalid");
  CAF_CHECK_EQUAL(kind_of([&] { store->store("a b", "k", "v", 0s); }),
                  "invalid");
  CAF_CHECK_EQUAL(kind_of([&] { store->store("a", "", "v", 0s); }), "invalid");
  CAF_CHECK_EQUAL(kind_of([&] { store->store("a", "k", "v", -1s); }),
                  "invalid");
  CAF_CHECK_EQUAL(kind_of([&] { store->list("a/b", "", 1); }), "invalid");
}

CAF_TEST_FIXTURE_SCOPE_END()

CAF_TEST(the store is safe from many threads) {
  auto store = make_local_memory_store(1 << 20);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([store, t] {
      for (int i = 0; i < 500; ++i) {
        auto key = std::to_string(t) + ":" + std::to_string(i % 50);
        store->store("ns", key, "value", 0s);
        store->retrieve("ns", key);
        if (i % 3 == 0)
          store->remove("ns", key);
      }
    });
  for (auto& th : threads)
    th.join();
  auto totals = store->totals();
  uint64_t bytes = 0;
  for (auto& x : store->list("ns", "", 1000))
    bytes += 2 + x.key.size() + x.value.size();
  CAF_CHECK_EQUAL(totals.bytes, bytes);
  CAF_CHECK_EQUAL(totals.entries, store->list("ns", "", 1000).size());
}
