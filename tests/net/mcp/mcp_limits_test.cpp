#define CAF_SUITE mcp.limits
#include "caf/test/unit_test.hpp"
#include "caf_checks.hpp"

#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <future>

#include "../api_fixture.hpp"
#include "av/mcp/server.hpp"

using namespace av;
using namespace av::test;
using json = nlohmann::json;

namespace {

/// A memory that holds every store until released, as a slow Redis would.
class gated_store : public memory_store {
public:
  caf::error do_store(const std::string&, const std::string&,
                      const std::string&, std::chrono::seconds) override {
    std::unique_lock<std::mutex> guard{mtx_};
    ++waiting_;
    cv_.notify_all();
    cv_.wait(guard, [this] { return open_; });
    return caf::none;
  }

  caf::expected<std::optional<memory_entry>>
  do_retrieve(const std::string&, const std::string&) override {
    return std::optional<memory_entry>{};
  }

  caf::expected<bool> do_remove(const std::string&,
                                const std::string&) override {
    return false;
  }

  caf::expected<std::vector<memory_entry>>
  do_list(const std::string&, const std::string&, size_t) override {
    return std::vector<memory_entry>{};
  }

  caf::expected<std::vector<memory_entry>>
  do_search(const std::string&, const std::string&, size_t) override {
    return std::vector<memory_entry>{};
  }

  caf::expected<memory_totals> totals() override { return memory_totals{}; }

  std::string backend() const override { return "gated"; }

  /// Waits until a store is held.
  bool await_waiting(std::chrono::seconds timeout) {
    std::unique_lock<std::mutex> guard{mtx_};
    return cv_.wait_for(guard, timeout, [this] { return waiting_ > 0; });
  }

  void release() {
    std::lock_guard<std::mutex> guard{mtx_};
    open_ = true;
    cv_.notify_all();
  }

private:
  std::mutex mtx_;
  std::condition_variable cv_;
  int waiting_ = 0;
  bool open_ = false;
};

struct fixture : api_fixture {
  std::shared_ptr<gated_store> gate = std::make_shared<gated_store>();
  std::string config_path
    = "/tmp/av-mcp-limits-" + std::to_string(::getpid()) + ".json";
  std::unique_ptr<mcp_server> server;

  fixture() {
    std::ofstream{config_path}
      << R"({"tools": {"memory_usage": {"maxConcurrent": 1}}})";
    auto cfg = test_settings();
    cfg.mcp_config = config_path;
    server = std::make_unique<mcp_server>(
      cfg, node->system(), node->registry(), node->bus(), node->physics(),
      node->context(), nullptr, gate, false);
  }

  ~fixture() {
    gate->release();
    server->stop();
    std::remove(config_path.c_str());
  }

  std::future<std::string> call(const json& args) {
    json msg{{"jsonrpc", "2.0"},
             {"id", 1},
             {"method", "tools/call"},
             {"params", {{"name", "memory_usage"}, {"arguments", args}}}};
    auto answer = std::make_shared<std::promise<std::string>>();
    auto result = answer->get_future();
    server->handle_line(msg.dump(),
                        [answer](std::string x) { answer->set_value(x); });
    return result;
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(mcp_limits_tests, fixture)

CAF_TEST(calls beyond maxConcurrent are refused while one is in flight) {
  json store{{"action", "store"}, {"key", "k"}, {"value", "v"}};
  auto first = call(store);
  CAF_REQUIRE(gate->await_waiting(std::chrono::seconds{10}));
  auto second = call(store);
  CAF_REQUIRE(second.wait_for(std::chrono::seconds{10})
              == std::future_status::ready);
  auto busy = json::parse(second.get());
  CAF_CHECK_EQUAL(busy["result"]["isError"], true);
  CAF_CHECK_EQUAL(busy["result"]["content"][0]["text"],
                  "memory_usage is busy: 1 calls in flight (maxConcurrent); "
                  "retry later");
  CAF_CHECK(first.wait_for(std::chrono::milliseconds{0})
            != std::future_status::ready);
  gate->release();
  CAF_REQUIRE(first.wait_for(std::chrono::seconds{10})
              == std::future_status::ready);
  // Read each answer once: the check macros evaluate their arguments twice.
  auto done = json::parse(first.get());
  CAF_CHECK_EQUAL(done["result"]["isError"], false);
  // The slot is free again.
  auto third = call(json{{"action", "retrieve"}, {"key", "k"}});
  CAF_REQUIRE(third.wait_for(std::chrono::seconds{10})
              == std::future_status::ready);
  auto again = json::parse(third.get());
  CAF_CHECK_EQUAL(again["result"]["isError"], false);
}

CAF_TEST(a bad MCP_CONFIG stops the server with the reason) {
  std::ofstream{config_path} << R"({"tools": {"agent_spawn": {"timeout": 5}}})";
  auto cfg = test_settings();
  cfg.mcp_config = config_path;
  std::string what;
  try {
    mcp_server bad{cfg,
                   node->system(),
                   node->registry(),
                   node->bus(),
                   node->physics(),
                   node->context(),
                   nullptr,
                   gate,
                   false};
  } catch (const std::runtime_error& e) {
    what = e.what();
  }
  CAF_CHECK_EQUAL(what, "MCP_CONFIG: " + config_path
                          + ": mcp-config.tools.agent_spawn.timeout: expected "
                            "a number from 100 to 600000");
}

CAF_TEST_FIXTURE_SCOPE_END()

CAF_TEST_FIXTURE_SCOPE(mcp_deadline_tests, fixture)

CAF_TEST(a call that outlives its timeout ends with a timeout error) {
  std::ofstream{config_path}
    << R"({"tools": {"memory_usage": {"timeout": 200}}})";
  auto cfg = test_settings();
  cfg.mcp_config = config_path;
  server->stop();
  server = std::make_unique<mcp_server>(cfg, node->system(), node->registry(),
                                        node->bus(), node->physics(),
                                        node->context(), nullptr, gate, false);
  auto answer = call(json{{"action", "store"}, {"key", "k"}, {"value", "v"}});
  CAF_REQUIRE(answer.wait_for(std::chrono::seconds{10})
              == std::future_status::ready);
  auto res = json::parse(answer.get());
  CAF_CHECK_EQUAL(res["result"]["isError"], true);
  CAF_CHECK_EQUAL(res["result"]["content"][0]["text"],
                  "memory_usage timed out after 300 ms");
}

CAF_TEST_FIXTURE_SCOPE_END()
