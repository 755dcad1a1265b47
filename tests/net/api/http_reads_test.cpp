#define CAF_SUITE net.http_reads
#include "caf/test/unit_test.hpp"
#include "caf_checks.hpp"

#include "../api_fixture.hpp"

using namespace av;
using namespace av::test;
using json = nlohmann::json;

namespace {

/// The state the listing shows for agent `num`, or "" when it is absent.
std::string listed_state(const json& listing, int64_t num) {
  for (auto& x : listing["agents"])
    if (x["numId"].get<int64_t>() == num)
      return x["state"].get<std::string>();
  return {};
}

} // namespace

CAF_TEST_FIXTURE_SCOPE(reads_tests, api_fixture)

CAF_TEST(a kept listing shows every change in the next answer) {
  auto a = spawn("coder", "kept-a");
  auto num = a["numId"].get<int64_t>();
  const std::string target = "/api/agents?limit=1000";
  auto first = get(target);
  CAF_REQUIRE_EQUAL(first.status, 200);
  CAF_CHECK_EQUAL(listed_state(first.json, num), "IDLE");
  // Repeated reads reuse the rendering: same bytes, same tag.
  auto again = get(target);
  CAF_CHECK_EQUAL(again.body, first.body);
  CAF_CHECK_EQUAL(again.header("etag"), first.header("etag"));
  CAF_CHECK(!first.header("etag").empty());
  // State changes, back and forth, each read right after its answer.
  auto tag = first.header("etag");
  for (int i = 0; i < 20; ++i) {
    auto to = i % 2 == 0 ? "ERROR" : "IDLE";
    auto path = "/api/agents/" + std::to_string(num) + "/state";
    CAF_REQUIRE_EQUAL(put(path, {{"state", to}}).status, 200);
    auto res = get(target);
    CAF_REQUIRE_EQUAL(res.status, 200);
    CAF_CHECK_EQUAL(listed_state(res.json, num), to);
    CAF_CHECK_NOT_EQUAL(res.header("etag"), tag);
    tag = res.header("etag");
  }
  // A new agent, then its end.
  auto b = spawn("coder", "kept-b");
  auto b_num = b["numId"].get<int64_t>();
  auto res = get(target);
  CAF_CHECK_EQUAL(listed_state(res.json, b_num), "IDLE");
  CAF_CHECK_EQUAL(res.json["total"], 2);
  CAF_REQUIRE_EQUAL(del("/api/agents/" + std::to_string(b_num)).status, 200);
  res = get(target);
  auto state = listed_state(res.json, b_num);
  CAF_CHECK(state.empty() || state == "TERMINATED");
}

CAF_TEST(filters and pages are kept apart) {
  spawn("coder", "f-1");
  spawn("tester", "f-2");
  spawn("tester", "f-3");
  for (int round = 0; round < 2; ++round) {
    auto all = get("/api/agents");
    CAF_CHECK_EQUAL(all.json["total"], 3);
    auto testers = get("/api/agents?type=tester");
    CAF_CHECK_EQUAL(testers.json["total"], 2);
    CAF_CHECK_EQUAL(testers.json["agents"].size(), 2u);
    auto page = get("/api/agents?type=tester&offset=1&limit=1");
    CAF_CHECK_EQUAL(page.json["agents"].size(), 1u);
    CAF_CHECK_EQUAL(page.json["agents"][0]["name"], "f-3");
    CAF_CHECK_NOT_EQUAL(all.header("etag"), testers.header("etag"));
  }
}

CAF_TEST(a client holding the current listing gets 304) {
  spawn("coder", "etag-a");
  auto res = get("/api/agents");
  auto tag = res.header("etag");
  CAF_REQUIRE(!tag.empty());
  CAF_CHECK_EQUAL(res.header("cache-control"), "no-cache");
  auto same = get("/api/agents", {{"If-None-Match", tag}});
  CAF_CHECK_EQUAL(same.status, 304);
  CAF_CHECK(same.body.empty());
  CAF_CHECK_EQUAL(same.header("etag"), tag);
  CAF_CHECK_EQUAL(get("/api/agents", {{"If-None-Match", "\"other\""}}).status,
                  200);
  spawn("coder", "etag-b");
  auto changed = get("/api/agents", {{"If-None-Match", tag}});
  CAF_CHECK_EQUAL(changed.status, 200);
  CAF_CHECK_EQUAL(changed.json["total"], 2);
}

CAF_TEST(head answers like get without the body) {
  spawn("coder", "head-a");
  for (auto target : {"/api/agents", "/health", "/api/snapshot", "/"}) {
    CAF_MESSAGE("HEAD " << target);
    auto full = get(target);
    auto head = client.request(verb::head, target);
    CAF_CHECK_EQUAL(head.status, full.status);
    CAF_CHECK(head.body.empty());
    CAF_CHECK_EQUAL(head.header("content-type"), full.header("content-type"));
    // /health and /api/snapshot carry the time: only their size may differ.
    if (std::string{target} == "/api/agents" || std::string{target} == "/")
      CAF_CHECK_EQUAL(head.header("content-length"),
                      std::to_string(full.body.size()));
    else
      CAF_CHECK(std::stoul(head.header("content-length")) > 0);
  }
  // Errors too: status and headers, no body.
  auto missing = client.request(verb::head, "/api/agents/nobody");
  CAF_CHECK_EQUAL(missing.status, 404);
  CAF_CHECK(missing.body.empty());
  auto post_only = client.request(verb::head, "/api/messages");
  CAF_CHECK_EQUAL(post_only.status, 405);
  CAF_CHECK_EQUAL(post_only.header("allow"), "POST, OPTIONS");
  // The connection is still in step after bodiless answers.
  CAF_CHECK_EQUAL(get("/api/agents").status, 200);
}

CAF_TEST_FIXTURE_SCOPE_END()
