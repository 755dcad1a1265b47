#define CAF_SUITE persistence.redis_memory_store

#include "av/redis_memory_store.hpp"

#include <caf/test/unit_test.hpp>

#include <atomic>
#include <random>
#include <thread>
#include <vector>

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

bool fails_with(memory_error::kind k, const std::function<void()>& f) {
  try {
    f();
  } catch (const memory_error& e) {
    return e.which() == k;
  }
  return false;
}

} // namespace

CAF_TEST(values are stored listed searched and removed) {
  AV_REQUIRE_REDIS(url);
  auto store = persistence::make_redis_memory_store(url, 100'000'000);
  auto ns = fresh_ns();
  // Hostile keys and values come back verbatim.
  std::string odd_key = "a*b?[c]\\d:e f";
  std::string odd_value = "'; FLUSHALL; --\r\n\"\xF0\x9F\x9A\x80";
  store->store(ns, "task/1", "alpha beta", 0s);
  store->store(ns, "task/2", "gamma", 60s);
  store->store(ns, "note", "beta again", 0s);
  store->store(ns, odd_key, odd_value, 0s);
  auto x = store->retrieve(ns, "task/1");
  CAF_REQUIRE(x.has_value());
  CAF_CHECK_EQUAL(x->value, "alpha beta");
  CAF_CHECK_GREATER(x->ttl_s, 86000);
  CAF_CHECK_LESS_OR_EQUAL(x->ttl_s, 86400);
  auto ttl2 = store->retrieve(ns, "task/2")->ttl_s;
  CAF_CHECK_LESS_OR_EQUAL(ttl2, 60);
  auto odd = store->retrieve(ns, odd_key);
  CAF_REQUIRE(odd.has_value());
  CAF_CHECK_EQUAL(odd->value, odd_value);
  auto listed = store->list(ns, "task/", 10);
  CAF_REQUIRE_EQUAL(listed.size(), 2u);
  CAF_CHECK_EQUAL(listed[0].key, "task/1");
  CAF_CHECK_EQUAL(listed[1].key, "task/2");
  CAF_CHECK_EQUAL(store->list(ns, "a*", 10).size(), 1u);
  CAF_CHECK_EQUAL(store->list(ns, "", 2).size(), 2u);
  CAF_CHECK_EQUAL(store->search(ns, "task/?", 10).size(), 2u);
  auto found = store->search(ns, "beta", 10);
  CAF_REQUIRE_EQUAL(found.size(), 2u);
  CAF_CHECK_EQUAL(found[0].key, "note");
  CAF_CHECK(store->remove(ns, "task/1"));
  CAF_CHECK(!store->remove(ns, "task/1"));
  CAF_CHECK(!store->retrieve(ns, "task/1").has_value());
  CAF_CHECK(store->search(fresh_ns(), "*", 10).empty());
  CAF_CHECK_EQUAL(store->backend(), "redis");
}

CAF_TEST(bad namespaces and keys are refused with a clear error) {
  AV_REQUIRE_REDIS(url);
  auto store = persistence::make_redis_memory_store(url, 1000);
  using k = memory_error::kind;
  CAF_CHECK(fails_with(k::invalid, [&] { store->store("", "k", "v", 0s); }));
  CAF_CHECK(fails_with(k::invalid, [&] { store->store("a:b", "k", "v", 0s); }));
  CAF_CHECK(fails_with(k::invalid, [&] { store->store("ns", "", "v", 0s); }));
  CAF_CHECK(
    fails_with(k::invalid, [&] { store->store("ns", "a\nb", "v", 0s); }));
  CAF_CHECK(fails_with(k::invalid, [&] { store->store("ns", "k", "v", -1s); }));
}

CAF_TEST(entries expire after their TTL and free their bytes) {
  AV_REQUIRE_REDIS(url);
  auto store = persistence::make_redis_memory_store(url, 100'000'000);
  auto ns = fresh_ns();
  auto before = store->totals().bytes;
  store->store(ns, "short", "lived", 1s);
  CAF_CHECK(store->retrieve(ns, "short").has_value());
  CAF_CHECK_EQUAL(store->totals().bytes, before + 10);
  CAF_CHECK(test::eventually(
    [&] { return !store->retrieve(ns, "short").has_value(); }, 5s));
  CAF_CHECK(store->list(ns, "", 10).empty());
  CAF_CHECK(
    test::eventually([&] { return store->totals().bytes == before; }, 5s));
}

CAF_TEST(a store after an entry expired sweeps it and keeps the count) {
  AV_REQUIRE_REDIS(url);
  auto store = persistence::make_redis_memory_store(url, 100'000'000);
  auto ns = fresh_ns();
  auto before = store->totals().bytes;
  store->store(ns, "short", "lived", 1s);
  // Redis drops it; nothing has swept the accounting yet.
  CAF_REQUIRE(test::eventually(
    [&] { return !store->retrieve(ns, "short").has_value(); }, 5s));
  store->store(ns, "next", "value", 60s);
  CAF_CHECK_EQUAL(store->totals().bytes, before + 9);
  store->remove(ns, "next");
}

CAF_TEST(the size cap refuses what would exceed it) {
  AV_REQUIRE_REDIS(url);
  auto ns = fresh_ns();
  auto probe = persistence::make_redis_memory_store(url, 1);
  auto used = probe->totals().bytes;
  // A cap 100 bytes above what other tests left behind.
  auto store = persistence::make_redis_memory_store(url, used + 100);
  store->store(ns, "k1", std::string(48, 'x'), 60s);
  store->store(ns, "k2", std::string(48, 'y'), 60s);
  CAF_CHECK(fails_with(memory_error::kind::full, [&] {
    store->store(ns, "k3", std::string(10, 'z'), 60s);
  }));
  // Replacing an entry counts only the difference.
  store->store(ns, "k2", std::string(40, 'y'), 60s);
  store->store(ns, "k3", "z", 60s);
  try {
    store->store(ns, "k4", std::string(1000, 'z'), 60s);
    CAF_FAIL("no error");
  } catch (const memory_error& e) {
    CAF_CHECK(std::string{e.what()}.find("MEMORY_MAX_BYTES")
              != std::string::npos);
  }
  store->remove(ns, "k1");
  store->remove(ns, "k2");
  store->remove(ns, "k3");
  CAF_CHECK_EQUAL(store->totals().bytes, used);
}

CAF_TEST(an unreachable Redis is reported as unavailable) {
  auto store
    = persistence::make_redis_memory_store("redis://127.0.0.1:1/0", 1000);
  CAF_CHECK(fails_with(memory_error::kind::unavailable,
                       [&] { store->retrieve("ns", "k"); }));
}

CAF_TEST(calls from several threads share at most the pool s connections) {
  AV_REQUIRE_REDIS(url);
  auto ns = fresh_ns();
  auto store = persistence::make_redis_memory_store(url, 100'000'000, 3);
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        try {
          auto key = std::to_string(t) + "-" + std::to_string(i);
          store->store(ns, key, "v", 60s);
          if (!store->retrieve(ns, key))
            ++failures;
        } catch (const std::exception&) {
          ++failures;
        }
      }
    });
  for (auto& x : threads)
    x.join();
  CAF_CHECK_EQUAL(failures.load(), 0);
  CAF_CHECK_EQUAL(store->list(ns, "", 1000).size(), 400u);
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
  for (auto& entry : store->list(ns, "", 1000))
    store->remove(ns, entry.key);
}
