#define CAF_SUITE actors.traced
#include "fixture.hpp"

#include <algorithm>

#include "av/traced.hpp"

using namespace av;

namespace {

/// A node whose finished spans are kept; the sender (`self`) is bound to a
/// request's span on demand.
struct traced_fixture : test::node_fixture {
  std::shared_ptr<std::vector<tracing::span>> spans
    = std::make_shared<std::vector<tracing::span>>();
  tracing::context request{tracing::new_trace_id(), tracing::new_span_id()};

  traced_fixture() {
    auto kept = spans;
    tracing::set_sink(
      [kept](tracing::span x) { kept->push_back(std::move(x)); });
  }

  ~traced_fixture() override { tracing::set_sink(nullptr); }

  void work_under_request() { work_under(self.ptr(), request); }

  /// The attribute `key` of `x`, or nothing.
  template <class T>
  std::optional<T> attribute(const tracing::span& x, const std::string& key) {
    for (auto& kvp : x.attributes)
      if (kvp.first == key)
        if (auto v = std::get_if<T>(&kvp.second))
          return *v;
    return std::nullopt;
  }

  /// Checks that `x` is a child of the request, named `name`, done by the
  /// actor `actor`.
  void check_child(const tracing::span& x, const std::string& name,
                   caf::actor_id actor) {
    CAF_CHECK_EQUAL(x.name, name);
    CAF_CHECK(x.kind == tracing::span_kind::internal);
    CAF_CHECK(x.trace == request.trace);
    CAF_CHECK(x.parent_id == request.span);
    CAF_CHECK(x.id != request.span);
    CAF_CHECK(x.id != tracing::span_id{});
    CAF_CHECK_LESS_OR_EQUAL(x.start_ns, x.end_ns);
    CAF_CHECK_EQUAL(attribute<int64_t>(x, "agentviz.actor.id"),
                    static_cast<int64_t>(actor));
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(traced_tests, traced_fixture)

CAF_TEST(an actor records nothing for a sender that works under no request) {
  spawn("coder");
  CAF_CHECK(spans->empty());
}

CAF_TEST(the actors a bound sender reaches record children of its request) {
  work_under_request();
  auto x = spawn("coder");
  auto agent = handle(x.num);
  CAF_REQUIRE_EQUAL(spans->size(), 2u);
  check_child(spans->at(0), "registry spawn", reg.id());
  check_child(spans->at(1), "registry get", reg.id());
  spans->clear();
  task_spec task;
  task.description = "traced";
  CAF_REQUIRE(ask<agent_info>(agent, atom::assign::value, task));
  CAF_REQUIRE_EQUAL(spans->size(), 1u);
  check_child(spans->at(0), "agent assign", agent.id());
  CAF_CHECK_EQUAL(attribute<std::string>(spans->at(0), "agentviz.agent.id"),
                  x.id);
}

CAF_TEST(a delegated delivery is recorded by the recipient too) {
  auto a = spawn("coder");
  auto b = spawn("tester");
  auto from = handle(a.num);
  auto to = handle(b.num);
  work_under_request();
  outgoing_message out{b.num, "request", priority::high, "ping", 0};
  CAF_REQUIRE(ask<message_receipt>(from, atom::send::value, out));
  CAF_REQUIRE_EQUAL(spans->size(), 2u);
  check_child(spans->at(0), "agent send", from.id());
  CAF_CHECK_EQUAL(attribute<std::string>(spans->at(0), "agentviz.agent.id"),
                  a.id);
  // `delegate` keeps the requester as the sender.
  check_child(spans->at(1), "agent deliver", to.id());
  CAF_CHECK_EQUAL(attribute<std::string>(spans->at(1), "agentviz.agent.id"),
                  b.id);
}

CAF_TEST(a refused request is recorded as well) {
  work_under_request();
  auto ref = ask<agent_ref>(reg, atom::get::value, std::string{"nobody"});
  CAF_CHECK(!ref);
  CAF_REQUIRE_EQUAL(spans->size(), 1u);
  check_child(spans->at(0), "registry get", reg.id());
}

CAF_TEST(the binding ends with the actor that works under the request) {
  auto ctx = request;
  auto worker = sys.spawn([ctx](caf::event_based_actor* self) -> caf::behavior {
    work_under(self, ctx);
    // Alive until told to stop, as a request's actor awaiting answers.
    return {[](int) {
    }};
  });
  auto id = worker.id();
  settle();
  CAF_CHECK(tracing::bound_to(id).has_value());
  caf::anon_send_exit(worker, caf::exit_reason::user_shutdown);
  worker = nullptr;
  settle();
  CAF_CHECK(!tracing::bound_to(id).has_value());
}

CAF_TEST(with tracing off nothing is bound or recorded) {
  tracing::set_sink(nullptr);
  work_under_request();
  CAF_CHECK(!tracing::bound_to(self->id()).has_value());
  spawn("coder");
  CAF_CHECK(spans->empty());
}

CAF_TEST_FIXTURE_SCOPE_END()
