#define CAF_SUITE cluster.service
#include "caf/test/unit_test.hpp"
#include "caf_checks.hpp"

#include "../api_fixture.hpp"

using namespace av;
using namespace av::test;
using json = nlohmann::json;

namespace {

config::settings solo_settings() {
  auto cfg = test_settings();
  cfg.node_name = "solo";
  return cfg;
}

struct solo_fixture : api_fixture {
  solo_fixture() : api_fixture(solo_settings()) {
    // nop
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(cluster_service_tests, solo_fixture)

CAF_TEST(a node without seeds is a cluster of one on its bound port) {
  CAF_REQUIRE(node->cluster_port() != 0);
  auto res = get("/api/nodes");
  CAF_REQUIRE_EQUAL(res.status, 200);
  auto body = json::parse(res.body);
  CAF_CHECK_EQUAL(body["node"], "solo");
  CAF_REQUIRE_EQUAL(body["nodes"].size(), 1u);
  auto& self = body["nodes"][0];
  CAF_CHECK_EQUAL(self["name"], "solo");
  CAF_CHECK_EQUAL(self["state"], "up");
  CAF_CHECK_EQUAL(self["self"], true);
  CAF_CHECK_EQUAL(self["address"],
                  "127.0.0.1:" + std::to_string(node->cluster_port()));
  auto health = json::parse(get("/health").body);
  CAF_CHECK_EQUAL(health["node"], "solo");
  CAF_CHECK_EQUAL(health["components"]["cluster"]["status"], "up");
  CAF_CHECK_EQUAL(health["nodes"], body["nodes"]);
}

CAF_TEST(a second node on the same cluster port is refused with the address) {
  auto cfg = solo_settings();
  cfg.cluster_port = node->cluster_port();
  try {
    av::node second{cfg};
    CAF_FAIL("a second node bound the same cluster port");
  } catch (const std::exception& e) {
    std::string what = e.what();
    CAF_CHECK(what.find("cannot listen for the cluster on 127.0.0.1:"
                        + std::to_string(node->cluster_port()))
              != std::string::npos);
  }
}

CAF_TEST_FIXTURE_SCOPE_END()

CAF_TEST(a node numbers in slot 0 alone and in one of its name with seeds) {
  auto cfg = test_settings();
  CAF_CHECK_EQUAL(cluster::node_slot(cfg, "b"), 0u);
  cfg.cluster_seeds.push_back({"127.0.0.1", 4242});
  // The same on every machine and build: FNV-1a of the name.
  CAF_CHECK_EQUAL(cluster::node_slot(cfg, "b"), 476u);
  CAF_CHECK_NOT_EQUAL(cluster::node_slot(cfg, "c"), 476u);
  for (auto name : {"a", "node-1", "a-very-long-node-name.example.org"}) {
    auto slot = cluster::node_slot(cfg, name);
    CAF_CHECK(slot >= 1 && slot <= max_slot);
  }
  cfg.node_slot = 7;
  CAF_CHECK_EQUAL(cluster::node_slot(cfg, "b"), 7u);
}
