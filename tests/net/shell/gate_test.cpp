#define CAF_SUITE shell.gate

#include "av/shell/console.hpp"

#include "caf_checks.hpp"
#include <caf/test/dsl.hpp>

#include "av/bus.hpp"
#include "av/error.hpp"
#include "av/registry.hpp"

using namespace av;
using namespace av::shell;

namespace {

constexpr const char* key = "gate-test-key-0123456789";

/// A gate over a real registry and bus on CAF's deterministic scheduler,
/// with two routes of its own: a read and a change that counts its calls.
struct fixture : test_coordinator_fixture<> {
  node_context_ptr ctx = std::make_shared<node_context>();
  bus_actor bus;
  registry_actor reg;
  std::shared_ptr<int> changes = std::make_shared<int>(0);
  status_actor extra;
  event_sink_actor sink;
  std::shared_ptr<std::vector<tool_called>> calls
    = std::make_shared<std::vector<tool_called>>();
  cluster::shell_gate_actor gate;

  explicit fixture(bool read_auth = false) {
    ctx->node_name = "n1";
    bus = sys.spawn(av::bus, ctx);
    reg = sys.spawn(av::registry, ctx, bus);
    auto routes = std::make_shared<http::router>();
    routes->add(http::verb::get, "/api/ping", [](http::api_call call) {
      call.reply(http::status::ok, nlohmann::json{{"pong", true}});
    });
    auto n = changes;
    routes->add(http::verb::post, "/api/poke", [n](http::api_call call) {
      ++*n;
      call.reply(http::status::created, nlohmann::json{{"body", call.body()}});
    });
    extra = sys.spawn([]() -> status_actor::behavior_type {
      return {[](atom::status, status_verbosity) {
        caf::settings xs;
        caf::put(xs, "kind", "stub");
        caf::put(xs, "id", "stub-1");
        caf::put(xs, "summary", "a stand-in");
        caf::put(xs, "mailbox", uint64_t{0});
        caf::put(xs, "processed", uint64_t{7});
        return xs;
      }};
    });
    auto seen = calls;
    sink = sys.spawn([seen]() -> event_sink_actor::behavior_type {
      return {[seen](const event_batch& batch) {
        for (auto& ev : *batch.events)
          if (auto x = caf::get_if<tool_called>(&ev.payload))
            seen->push_back(*x);
      }};
    });
    self->send(bus, atom::subscribe::value, sink,
               kind_bit(event_kind::tool_called));
    gate_env env;
    env.ctx = ctx;
    env.local = reg;
    env.swarm = reg;
    env.bus = bus;
    env.routes = routes;
    env.auth
      = std::make_shared<const net::authenticator>(key, "", 3600, read_auth);
    env.actors = {extra};
    gate = spawn_gate(sys, env);
    run();
  }

  ~fixture() override {
    for (auto h :
         {caf::actor_cast<caf::actor>(gate), caf::actor_cast<caf::actor>(reg),
          caf::actor_cast<caf::actor>(bus), caf::actor_cast<caf::actor>(extra),
          caf::actor_cast<caf::actor>(sink)})
      caf::anon_send_exit(h, caf::exit_reason::user_shutdown);
    run();
  }

  template <class... Ts, class Handle, class... Xs>
  std::tuple<Ts...> ask(const Handle& dest, Xs&&... xs) {
    std::tuple<Ts...> result;
    auto rh = self->request(dest, caf::infinite, std::forward<Xs>(xs)...);
    run();
    rh.receive([&](Ts&... ys) { result = std::make_tuple(std::move(ys)...); },
               [&](caf::error& err) { CAF_FAIL("failed: " << describe(err)); });
    return result;
  }

  std::pair<console_actor, std::string> open(const std::string& credential) {
    auto [c, why] = ask<caf::actor, std::string>(
      gate, cluster::shell_atom::value, credential, std::string{"tester@host"});
    return {caf::actor_cast<console_actor>(c), why};
  }

  std::pair<uint16_t, nlohmann::json> call(const console_actor& c,
                                           const std::string& method,
                                           const std::string& target,
                                           const std::string& body = "") {
    auto [code, text] = ask<uint16_t, std::string>(
      c, api_atom::value, std::string{"poke"}, method, target, body);
    return {code, nlohmann::json::parse(text)};
  }

  /// The `tool.called` events the bus handed on since the last call.
  std::vector<tool_called> recorded() {
    self->send(bus, atom::flush::value);
    run();
    auto result = std::move(*calls);
    calls->clear();
    return result;
  }
};

struct locked_fixture : fixture {
  locked_fixture() : fixture(true) {
    // nop
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(gate_tests, fixture)

CAF_TEST(a wrong key is refused with the reason) {
  auto [c, why] = open("not-the-key");
  CAF_CHECK(!c);
  CAF_CHECK_EQUAL(why, "refused by node \"n1\": the key is invalid");
}

CAF_TEST(without a key a shell reads but changes nothing) {
  auto [c, why] = open("");
  CAF_REQUIRE(c);
  CAF_CHECK_EQUAL(why, "");
  auto [code, body] = call(c, "GET", "/api/ping");
  CAF_CHECK_EQUAL(code, 200);
  CAF_CHECK_EQUAL(body["pong"], true);
  auto [denied, err] = call(c, "POST", "/api/poke", R"({"x":1})");
  CAF_CHECK_EQUAL(denied, 401);
  CAF_CHECK_EQUAL(err["error"]["code"], "unauthorized");
  CAF_CHECK_EQUAL(*changes, 0);
  auto xs = recorded();
  CAF_REQUIRE_EQUAL(xs.size(), 1u);
  CAF_CHECK_EQUAL(xs[0].tool, "shell poke");
  CAF_CHECK_EQUAL(xs[0].outcome, "denied");
  CAF_CHECK_EQUAL(xs[0].client, "anonymous (tester@host)");
}

CAF_TEST(with the key a change runs and is recorded) {
  auto [c, why] = open(key);
  CAF_REQUIRE(c);
  auto [code, body] = call(c, "POST", "/api/poke", R"({"x":1})");
  CAF_CHECK_EQUAL(code, 201);
  CAF_CHECK_EQUAL(body["body"]["x"], 1);
  CAF_CHECK_EQUAL(*changes, 1);
  auto xs = recorded();
  CAF_REQUIRE_EQUAL(xs.size(), 1u);
  CAF_CHECK_EQUAL(xs[0].outcome, "ok");
  CAF_CHECK_EQUAL(xs[0].client, "api key (tester@host)");
}

CAF_TEST(bad requests are answered as the API answers them) {
  auto [c, why] = open(key);
  CAF_REQUIRE(c);
  CAF_CHECK_EQUAL(call(c, "GET", "/api/nothing").first, 404);
  auto not_allowed = call(c, "DELETE", "/api/ping");
  CAF_CHECK_EQUAL(not_allowed.first, 405);
  CAF_CHECK_EQUAL(not_allowed.second["error"]["message"],
                  "DELETE is not allowed on /api/ping");
  auto no_method = call(c, "FETCH", "/api/ping");
  CAF_CHECK_EQUAL(no_method.first, 400);
  CAF_CHECK_EQUAL(no_method.second["error"]["message"],
                  "not an HTTP method: FETCH");
  auto no_path = call(c, "GET", "api/ping");
  CAF_CHECK_EQUAL(no_path.first, 400);
  CAF_CHECK_EQUAL(no_path.second["error"]["message"], "not a path: api/ping");
  auto [code, body] = call(c, "POST", "/api/poke", "{not json");
  CAF_CHECK_EQUAL(code, 400);
  CAF_CHECK_EQUAL(body["error"]["code"], "invalid_json");
  CAF_CHECK_EQUAL(*changes, 0);
}

CAF_TEST(the census lists agents and the node actors) {
  agent_spec spec;
  spec.type = "coder";
  spec.name = "alice";
  ask<agent_info>(reg, atom::spawn::value, spec);
  auto [c, why] = open(key);
  CAF_REQUIRE(c);
  auto [text] = ask<std::string>(c, actors_atom::value);
  auto rows = nlohmann::json::parse(text);
  CAF_REQUIRE_EQUAL(rows.size(), 2u);
  std::set<std::string> kinds;
  for (auto& r : rows) {
    kinds.insert(r["kind"].get<std::string>());
    CAF_CHECK_EQUAL(r["node"], "n1");
  }
  CAF_CHECK_EQUAL(kinds, (std::set<std::string>{"agent", "stub"}));
  auto [stub]
    = ask<std::string>(c, inspect_atom::value, std::string{"stub"}, false);
  auto stub_status = nlohmann::json::parse(stub);
  CAF_CHECK_EQUAL(stub_status["processed"], 7);
  auto [agent]
    = ask<std::string>(c, inspect_atom::value, std::string{"alice"}, true);
  auto agent_status = nlohmann::json::parse(agent);
  CAF_CHECK_EQUAL(agent_status["kind"], "agent");
}

CAF_TEST(a console ends with its shell) {
  // The console watches the actor that asked for it: a shell's, which
  // goes with the shell's connection. The test holds the console too, so
  // only that watch can end it.
  auto held = std::make_shared<caf::actor>();
  auto shell = sys.spawn([=](caf::event_based_actor* me) -> caf::behavior {
    me->request(gate, caf::infinite, cluster::shell_atom::value,
                std::string{key}, std::string{"other"})
      .then([held](caf::actor& c, std::string&) { *held = c; });
    return {[](int) {
    }};
  });
  run();
  auto consoles = [&] {
    auto [xs]
      = ask<caf::settings>(gate, atom::status::value, status_verbosity::terse);
    return caf::get_or(xs, "consoles", uint64_t{0});
  };
  CAF_REQUIRE(*held);
  CAF_CHECK_EQUAL(consoles(), 1u);
  caf::anon_send_exit(shell, caf::exit_reason::kill);
  run();
  CAF_CHECK_EQUAL(consoles(), 0u);
}

CAF_TEST_FIXTURE_SCOPE_END()

CAF_TEST_FIXTURE_SCOPE(locked_gate_tests, locked_fixture)

CAF_TEST(a node that needs its key to read refuses a shell without it) {
  auto [c, why] = open("");
  CAF_CHECK(!c);
  CAF_CHECK_EQUAL(why, "refused by node \"n1\": node \"n1\" needs its API key "
                       "even to read: agent-server shell --key KEY (or "
                       "AV_SHELL_KEY)");
  auto [ok, none] = open(key);
  CAF_CHECK(ok);
}

CAF_TEST_FIXTURE_SCOPE_END()
