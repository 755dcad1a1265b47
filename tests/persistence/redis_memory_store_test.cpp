#define CAF_SUITE persistence.redis_memory_store

#include "av/redis_memory_store.hpp"

#include "caf_checks.hpp"
#include <caf/test/unit_test.hpp>

#include <atomic>
#include <random>
#include <thread>
#include <vector>

#include "../actors/memory_checks.hpp"
#include "av/redis_client.hpp"
#include "redis_fixture.hpp"
#include "writer_fixture.hpp"

using namespace av;
using namespace std::chrono_literals;

namespace {

/// A namespace of its own per test, so tests do not see each other.
std::string fresh_ns() {
  std::random_device rd;
  return "t" + std::to_string(rd());
}

using test::code;
using test::ok;
using test::refused;

/// A store on REDIS_URL with the cap `max_bytes`.
memory_store_ptr redis_store(const std::string& url, uint64_t max_bytes,
                             size_t connections = 1) {
  return ok(persistence::make_redis_memory_store(url, max_bytes, connections));
}

/// Stores a value; the test fails when the store refuses it.
void put(memory_store& store, const std::string& ns, const std::string& key,
         const std::string& value, std::chrono::seconds ttl) {
  CAF_REQUIRE_EQUAL(code(store.store(ns, key, value, ttl)), "none");
}

std::optional<memory_entry> get(memory_store& store, const std::string& ns,
                                const std::string& key) {
  return ok(store.retrieve(ns, key));
}

uint64_t bytes(memory_store& store) {
  return ok(store.totals()).bytes;
}

} // namespace

CAF_TEST(values are stored listed searched and removed) {
  AV_REQUIRE_REDIS(url);
  auto store = redis_store(url, 100'000'000);
  auto ns = fresh_ns();
  // Hostile keys and values come back verbatim.
  std::string odd_key = "a*b?[c]\\d:e f";
  std::string odd_value = "'; FLUSHALL; --\r\n\"\xF0\x9F\x9A\x80";
  put(*store, ns, "task/1", "alpha beta", 0s);
  put(*store, ns, "task/2", "gamma", 60s);
  put(*store, ns, "note", "beta again", 0s);
  put(*store, ns, odd_key, odd_value, 0s);
  auto x = get(*store, ns, "task/1");
  CAF_REQUIRE(x.has_value());
  CAF_CHECK_EQUAL(x->value, "alpha beta");
  CAF_CHECK_GREATER(x->ttl_s, 86000);
  CAF_CHECK_LESS_OR_EQUAL(x->ttl_s, 86400);
  CAF_CHECK_LESS_OR_EQUAL(get(*store, ns, "task/2")->ttl_s, 60);
  auto odd = get(*store, ns, odd_key);
  CAF_REQUIRE(odd.has_value());
  CAF_CHECK_EQUAL(odd->value, odd_value);
  auto listed = ok(store->list(ns, "task/", 10));
  CAF_REQUIRE_EQUAL(listed.size(), 2u);
  CAF_CHECK_EQUAL(listed[0].key, "task/1");
  CAF_CHECK_EQUAL(listed[1].key, "task/2");
  CAF_CHECK_EQUAL(ok(store->list(ns, "a*", 10)).size(), 1u);
  CAF_CHECK_EQUAL(ok(store->list(ns, "", 2)).size(), 2u);
  CAF_CHECK_EQUAL(ok(store->search(ns, "task/?", 10)).size(), 2u);
  auto found = ok(store->search(ns, "beta", 10));
  CAF_REQUIRE_EQUAL(found.size(), 2u);
  CAF_CHECK_EQUAL(found[0].key, "note");
  // A substring of keys too, as in the in-process store.
  CAF_CHECK_EQUAL(ok(store->search(ns, "sk/", 10)).size(), 2u);
  CAF_CHECK(ok(store->remove(ns, "task/1")));
  CAF_CHECK(!ok(store->remove(ns, "task/1")));
  CAF_CHECK(!get(*store, ns, "task/1").has_value());
  CAF_CHECK(ok(store->search(fresh_ns(), "*", 10)).empty());
  CAF_CHECK_EQUAL(store->backend(), "redis");
}

CAF_TEST(bad namespaces and keys are refused naming the field) {
  AV_REQUIRE_REDIS(url);
  auto store = redis_store(url, 1000);
  CAF_CHECK(refused(store->store("", "k", "v", 0s), "namespace"));
  CAF_CHECK(refused(store->store("a:b", "k", "v", 0s), "namespace"));
  CAF_CHECK(refused(store->store("ns", "", "v", 0s), "key"));
  CAF_CHECK(refused(store->store("ns", "a\nb", "v", 0s), "key"));
  CAF_CHECK(refused(store->store("ns", "k", "v", -1s), "ttl"));
  CAF_CHECK(refused(store->list("a/b", "", 1).error(), "namespace"));
}

CAF_TEST(a bad REDIS_URL is refused naming it) {
  auto store = persistence::make_redis_memory_store("http://x", 1000);
  CAF_REQUIRE(!store);
  CAF_CHECK(refused(store.error(), "REDIS_URL"));
}

CAF_TEST(entries expire after their TTL and free their bytes) {
  AV_REQUIRE_REDIS(url);
  auto store = redis_store(url, 100'000'000);
  auto ns = fresh_ns();
  auto before = bytes(*store);
  put(*store, ns, "short", "lived", 1s);
  CAF_CHECK(get(*store, ns, "short").has_value());
  CAF_CHECK_EQUAL(bytes(*store), before + 10);
  CAF_CHECK(test::eventually(
    [&] { return !get(*store, ns, "short").has_value(); }, 5s));
  CAF_CHECK(ok(store->list(ns, "", 10)).empty());
  CAF_CHECK(test::eventually([&] { return bytes(*store) == before; }, 5s));
}

CAF_TEST(a store after an entry expired sweeps it and keeps the count) {
  AV_REQUIRE_REDIS(url);
  auto store = redis_store(url, 100'000'000);
  auto ns = fresh_ns();
  auto before = bytes(*store);
  put(*store, ns, "short", "lived", 1s);
  // Redis drops it; nothing has swept the accounting yet.
  CAF_REQUIRE(test::eventually(
    [&] { return !get(*store, ns, "short").has_value(); }, 5s));
  put(*store, ns, "next", "value", 60s);
  CAF_CHECK_EQUAL(bytes(*store), before + 9);
  CAF_CHECK(ok(store->remove(ns, "next")));
}

CAF_TEST(the size cap refuses what would exceed it) {
  AV_REQUIRE_REDIS(url);
  auto ns = fresh_ns();
  auto used = bytes(*redis_store(url, 1));
  // A cap 100 bytes above what other tests left behind.
  auto store = redis_store(url, used + 100);
  put(*store, ns, "k1", std::string(48, 'x'), 60s);
  put(*store, ns, "k2", std::string(48, 'y'), 60s);
  CAF_CHECK_EQUAL(code(store->store(ns, "k3", std::string(10, 'z'), 60s)),
                  "store_full");
  // Replacing an entry counts only the difference.
  put(*store, ns, "k2", std::string(40, 'y'), 60s);
  put(*store, ns, "k3", "z", 60s);
  auto err = store->store(ns, "k4", std::string(1000, 'z'), 60s);
  CAF_CHECK_EQUAL(code(err), "store_full");
  CAF_CHECK_EQUAL(field_of(err), "value");
  CAF_CHECK_NOT_EQUAL(context_of(err).find("MEMORY_MAX_BYTES"),
                      std::string::npos);
  for (auto key : {"k1", "k2", "k3"})
    CAF_CHECK(ok(store->remove(ns, key)));
  CAF_CHECK_EQUAL(bytes(*store), used);
}

CAF_TEST(an unreachable Redis is reported as unreachable) {
  auto store = redis_store("redis://127.0.0.1:1/0", 1000);
  auto x = store->retrieve("ns", "k");
  CAF_REQUIRE(!x);
  CAF_CHECK_EQUAL(code(x.error()), "unreachable");
  CAF_CHECK_EQUAL(code(store->store("ns", "k", "v", 0s)), "unreachable");
  CAF_CHECK(!store->totals());
}

CAF_TEST(calls from several threads share at most the pool s connections) {
  AV_REQUIRE_REDIS(url);
  auto ns = fresh_ns();
  auto store = redis_store(url, 100'000'000, 3);
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        auto key = std::to_string(t) + "-" + std::to_string(i);
        if (store->store(ns, key, "v", 60s)) {
          ++failures;
          continue;
        }
        auto x = store->retrieve(ns, key);
        if (!x || !*x)
          ++failures;
      }
    });
  for (auto& x : threads)
    x.join();
  CAF_CHECK_EQUAL(failures.load(), 0);
  auto entries = ok(store->list(ns, "", 1000));
  CAF_CHECK_EQUAL(entries.size(), 400u);
  // The store's connections carry its name; no more than three were open.
  auto parsed = av::parse_redis_url(url);
  CAF_REQUIRE(parsed);
  persistence::detail::redis_client admin{*parsed, 2s};
  auto list = admin.run({"CLIENT", "LIST"});
  std::string text{list->str, list->len};
  size_t named = 0;
  for (size_t at = 0;
       (at = text.find("name=agentviz-memory ", at)) != std::string::npos; ++at)
    ++named;
  CAF_CHECK_GREATER_OR_EQUAL(named, 1u);
  CAF_CHECK_LESS_OR_EQUAL(named, 3u);
  // Leave the shared byte count as it was for the other tests.
  for (auto& entry : entries)
    CAF_CHECK(ok(store->remove(ns, entry.key)));
}
