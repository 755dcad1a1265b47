#define CAF_SUITE actors.memory_store
#include "caf/test/unit_test.hpp"
#include "caf_checks.hpp"

#include <atomic>
#include <thread>

#include "av/local_memory_store.hpp"
#include "memory_checks.hpp"

using namespace av;
using namespace std::chrono_literals;

namespace {

using test::code;
using test::ok;
using test::refused;

struct fixture {
  int64_t now = 1'000'000;
  memory_store_ptr store = make_local_memory_store(100, [this] { return now; });

  void put(const std::string& ns, const std::string& key,
           const std::string& value, std::chrono::seconds ttl) {
    CAF_REQUIRE_EQUAL(code(store->store(ns, key, value, ttl)), "none");
  }

  std::optional<memory_entry> get(const std::string& ns,
                                  const std::string& key) {
    return ok(store->retrieve(ns, key));
  }

  memory_totals totals() { return ok(store->totals()); }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(memory_store_tests, fixture)

CAF_TEST(values are stored retrieved replaced and removed per namespace) {
  put("a", "k", "v1", 0s);
  put("b", "k", "other", 60s);
  auto x = get("a", "k");
  CAF_REQUIRE(x);
  CAF_CHECK_EQUAL(x->value, "v1");
  CAF_CHECK_EQUAL(x->ttl_s, 86400);
  CAF_CHECK_EQUAL(x->stored_at_ms, now);
  put("a", "k", "v2", 0s);
  CAF_CHECK_EQUAL(get("a", "k")->value, "v2");
  CAF_CHECK_EQUAL(get("b", "k")->value, "other");
  CAF_CHECK_EQUAL(totals().entries, 2u);
  // An entry counts its key and its value.
  CAF_CHECK_EQUAL(totals().bytes, 3u + 6u);
  CAF_CHECK(ok(store->remove("a", "k")));
  CAF_CHECK(!ok(store->remove("a", "k")));
  CAF_CHECK(!get("a", "k"));
  CAF_CHECK_EQUAL(totals().bytes, 6u);
}

CAF_TEST(entries expire after their ttl) {
  put("a", "short", "x", 10s);
  now += 9'000;
  auto x = get("a", "short");
  CAF_REQUIRE(x);
  CAF_CHECK_EQUAL(x->ttl_s, 1);
  now += 1'000;
  CAF_CHECK(!get("a", "short"));
  CAF_CHECK_EQUAL(totals().entries, 0u);
  CAF_CHECK_EQUAL(totals().bytes, 0u);
}

CAF_TEST(totals leave out entries that expired unread) {
  put("a", "first", "x", 10s);
  put("b", "second", "x", 20s);
  put("b", "second", "y", 20s);
  CAF_CHECK_EQUAL(totals().entries, 2u);
  now += 10'000;
  CAF_CHECK_EQUAL(totals().entries, 1u);
  CAF_CHECK_EQUAL(totals().bytes, 6u + 1u);
  now += 10'000;
  CAF_CHECK_EQUAL(totals().entries, 0u);
  CAF_CHECK_EQUAL(totals().bytes, 0u);
}

CAF_TEST(the size cap refuses what does not fit and counts expired space) {
  put("a", "big", std::string(80, 'x'), 5s);
  auto err = store->store("a", "more", std::string(20, 'y'), 0s);
  CAF_CHECK_EQUAL(code(err), "store_full");
  CAF_CHECK_EQUAL(field_of(err), "value");
  CAF_CHECK_NOT_EQUAL(context_of(err).find("MEMORY_MAX_BYTES (100 bytes)"),
                      std::string::npos);
  // Replacing a value frees the old one first.
  put("a", "big", std::string(90, 'z'), 5s);
  now += 5'000;
  put("a", "more", std::string(20, 'y'), 0s);
  CAF_CHECK_EQUAL(totals().bytes, 4u + 20u);
}

CAF_TEST(list takes a prefix and search a glob or a substring) {
  put("ns", "task:1", "alpha", 0s);
  put("ns", "task:2", "beta", 0s);
  put("ns", "note", "alphabet", 0s);
  auto listed = ok(store->list("ns", "task:", 10));
  CAF_REQUIRE_EQUAL(listed.size(), 2u);
  CAF_CHECK_EQUAL(listed[0].key, "task:1");
  CAF_CHECK_EQUAL(ok(store->list("ns", "", 1)).size(), 1u);
  CAF_CHECK_EQUAL(ok(store->search("ns", "t*:?", 10)).size(), 2u);
  auto found = ok(store->search("ns", "alpha", 10));
  CAF_REQUIRE_EQUAL(found.size(), 2u);
  CAF_CHECK_EQUAL(found[0].key, "note");
  // A substring of keys too.
  CAF_CHECK_EQUAL(ok(store->search("ns", "sk:", 10)).size(), 2u);
  CAF_CHECK(ok(store->search("ns", "*x*", 10)).empty());
  CAF_CHECK(ok(store->list("empty", "", 10)).empty());
}

CAF_TEST(bad names and ttls are refused naming the field) {
  CAF_CHECK(refused(store->store("", "k", "v", 0s), "namespace"));
  CAF_CHECK(refused(store->store("a b", "k", "v", 0s), "namespace"));
  // `:` separates namespace and key in Redis: one store's rules for both.
  CAF_CHECK(refused(store->store("a:b", "k", "v", 0s), "namespace"));
  CAF_CHECK(
    refused(store->store(std::string(129, 'n'), "k", "v", 0s), "namespace"));
  CAF_CHECK(refused(store->store("a", "", "v", 0s), "key"));
  CAF_CHECK(refused(store->store("a", "line\nbreak", "v", 0s), "key"));
  CAF_CHECK(refused(store->store("a", std::string(513, 'k'), "v", 0s), "key"));
  CAF_CHECK(refused(store->store("a", "k", "v", -1s), "ttl"));
  CAF_CHECK(refused(store->store("a", "k", "v", 366 * 86400s + 1s), "ttl"));
  CAF_CHECK(refused(store->list("a/b", "", 1).error(), "namespace"));
  CAF_CHECK(refused(store->retrieve("a", "").error(), "key"));
  CAF_CHECK_EQUAL(totals().entries, 0u);
}

CAF_TEST_FIXTURE_SCOPE_END()

CAF_TEST(the store is safe from many threads) {
  auto store = make_local_memory_store(1 << 20);
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([store, t, &failures] {
      for (int i = 0; i < 500; ++i) {
        auto key = std::to_string(t) + ":" + std::to_string(i % 50);
        if (store->store("ns", key, "value", 0s) || !store->retrieve("ns", key))
          ++failures;
        if (i % 3 == 0 && !store->remove("ns", key))
          ++failures;
      }
    });
  for (auto& th : threads)
    th.join();
  CAF_CHECK_EQUAL(failures.load(), 0);
  auto totals = ok(store->totals());
  auto entries = ok(store->list("ns", "", 1000));
  uint64_t bytes = 0;
  for (auto& x : entries)
    bytes += memory_size(x.key, x.value);
  CAF_CHECK_EQUAL(totals.bytes, bytes);
  CAF_CHECK_EQUAL(totals.entries, entries.size());
}
