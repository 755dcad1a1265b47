#define CAF_SUITE mcp.neural
#include "caf/test/unit_test.hpp"
#include "caf_checks.hpp"

#include "av/mcp/neural.hpp"

using namespace av;
using namespace av::mcp;

namespace {

/// Tasks of two types: `good` succeeds 9 times in 10, `bad` once in 10;
/// the metrics follow the outcome history a little.
std::vector<task_record> two_types(size_t per_type) {
  std::vector<task_record> rows;
  for (size_t i = 0; i < per_type * 2; ++i) {
    task_record r;
    bool good = i % 2 == 0;
    r.agent = static_cast<num_id>(i % 6);
    r.type = good ? "good" : "bad";
    r.task_kind = "review";
    r.success = good ? (i / 2) % 10 != 0 : (i / 2) % 10 == 0;
    r.duration_ms = good ? 100 : 300;
    r.metrics.success_rate = good ? 0.85 : 0.2;
    r.metrics.avg_response_ms = good ? 100 : 300;
    r.metrics.resource_utilization = 0.5;
    r.metrics.tasks_completed = static_cast<double>(i);
    rows.push_back(r);
  }
  return rows;
}

} // namespace

CAF_TEST(decision refuses too little history and names what it has) {
  auto res = neural::train_decision(two_types(5), {});
  CAF_REQUIRE(!res);
  CAF_CHECK_EQUAL(res.error(), "decision: needs at least 20 finished tasks "
                               "with both outcomes; the node has recorded 10 "
                               "(5 succeeded)");
}

CAF_TEST(decision learns which type succeeds and beats the baseline) {
  auto res = neural::train_decision(two_types(100), {});
  CAF_REQUIRE(res);
  auto& x = *res;
  CAF_CHECK_EQUAL(x["samples"]["test"], 40);
  CAF_CHECK_GREATER_OR_EQUAL(x["quality"]["value"].get<double>(), 0.8);
  CAF_CHECK_GREATER(x["quality"]["value"].get<double>(),
                    x["quality"]["baseline"].get<double>());
  auto& p = x["result"]["successProbabilityAtMeanMetrics"];
  CAF_CHECK_GREATER(p["good"].get<double>(), p["bad"].get<double>());
}

CAF_TEST(pattern separates agents that behave differently) {
  std::unordered_map<num_id, std::vector<metrics_sample>> samples;
  std::unordered_map<num_id, std::string> types;
  for (num_id n = 0; n < 20; ++n) {
    bool fast = n < 10;
    metrics_sample m;
    m.success_rate = fast ? 0.95 : 0.3;
    m.avg_response_ms = fast ? 50 + n : 900 + n;
    m.resource_utilization = fast ? 0.2 : 0.9;
    m.tasks_completed = fast ? 100 : 5;
    samples[n] = {m};
    types[n] = fast ? "fast" : "slow";
  }
  neural::options opt;
  opt.clusters = 2;
  auto res = neural::train_pattern(samples, types, opt);
  CAF_REQUIRE(res);
  auto& clusters = (*res)["result"]["clusters"];
  CAF_REQUIRE_EQUAL(clusters.size(), 2u);
  for (auto& c : clusters) {
    CAF_CHECK_EQUAL(c["size"], 10);
    CAF_CHECK_EQUAL(c["types"].size(), 1u);
  }
  CAF_CHECK_GREATER((*res)["quality"]["value"].get<double>(), 0.9);
  opt.clusters = 10;
  CAF_CHECK(!neural::train_pattern(samples, types, opt));
}

CAF_TEST(optimization prefers the type that succeeds) {
  auto res = neural::train_optimization(two_types(50), {});
  CAF_REQUIRE(res);
  auto& kind = (*res)["result"]["kinds"]["review"];
  CAF_CHECK_EQUAL(kind["preferType"], "good");
  CAF_CHECK_GREATER((*res)["quality"]["value"].get<double>(),
                    (*res)["quality"]["baseline"].get<double>());
  neural::options only;
  only.task_kind = "deploy";
  auto none = neural::train_optimization(two_types(50), only);
  CAF_REQUIRE(!none);
  CAF_CHECK_EQUAL(none.error(),
                  "optimization: needs at least 20 finished "
                  "tasks of kind deploy; the node has recorded 0");
}
