#define CAF_SUITE mcp.json_rpc
#include "caf/test/unit_test.hpp"
#include "caf_checks.hpp"

#include "av/mcp/json_rpc.hpp"

using namespace av::mcp;
using json = nlohmann::json;

namespace {

rpc::message parse(const std::string& text) {
  bool failed = false;
  return rpc::parse(text, failed);
}

} // namespace

CAF_TEST(requests notifications and responses are told apart) {
  auto req = parse(R"({"jsonrpc":"2.0","id":7,"method":"ping"})");
  CAF_CHECK(req.kind == rpc::kind::request);
  CAF_CHECK_EQUAL(req.id, json(7));
  CAF_CHECK_EQUAL(req.method, "ping");
  CAF_CHECK(req.params.is_object());
  auto note = parse(
    R"({"jsonrpc":"2.0","method":"notifications/initialized","params":{}})");
  CAF_CHECK(note.kind == rpc::kind::notification);
  auto res = parse(R"({"jsonrpc":"2.0","id":"a","result":{}})");
  CAF_CHECK(res.kind == rpc::kind::response);
}

CAF_TEST(malformed messages say what is wrong) {
  bool failed = false;
  auto bad = rpc::parse("{nope", failed);
  CAF_CHECK(failed);
  CAF_CHECK(bad.kind == rpc::kind::invalid);
  auto no_version = parse(R"({"id":1,"method":"ping"})");
  CAF_CHECK(no_version.kind == rpc::kind::invalid);
  CAF_CHECK_EQUAL(no_version.id, json(1));
  CAF_CHECK_EQUAL(no_version.error, "jsonrpc: expected \"2.0\"");
  auto null_id = parse(R"({"jsonrpc":"2.0","id":null,"method":"ping"})");
  CAF_CHECK(null_id.kind == rpc::kind::invalid);
  auto batch = parse(R"([{"jsonrpc":"2.0","id":1,"method":"ping"}])");
  CAF_CHECK_EQUAL(batch.error, "batches are not supported");
  auto params = parse(R"({"jsonrpc":"2.0","id":1,"method":"x","params":[]})");
  CAF_CHECK_EQUAL(params.error, "params: expected an object");
  auto method = parse(R"({"jsonrpc":"2.0","id":1,"method":3})");
  CAF_CHECK(method.kind == rpc::kind::invalid);
}

CAF_TEST(deep nesting is refused before it is parsed) {
  auto deep = std::string(100000, '[') + std::string(100000, ']');
  bool failed = true;
  auto x = rpc::parse(R"({"jsonrpc":"2.0","id":1,"method":"x","params":{"a":)"
                        + deep + "}}",
                      failed);
  CAF_CHECK(!failed);
  CAF_CHECK(x.kind == rpc::kind::invalid);
  CAF_CHECK_EQUAL(x.error,
                  "the message nests arrays and objects deeper than 64 levels");
  auto ok = std::string(60, '[') + std::string(60, ']');
  auto y = rpc::parse(R"({"jsonrpc":"2.0","id":1,"method":"x","params":{"a":)"
                        + ok + R"(,"s":"[[[[\"{{"}})",
                      failed);
  CAF_CHECK(y.kind == rpc::kind::request);
}

CAF_TEST(answers carry the id and the error code) {
  auto ok = rpc::result(json("x"), json{{"a", 1}});
  CAF_CHECK_EQUAL(ok["jsonrpc"], "2.0");
  CAF_CHECK_EQUAL(ok["id"], "x");
  CAF_CHECK_EQUAL(ok["result"]["a"], 1);
  auto err = rpc::error(json(3), rpc::method_not_found, "no such method");
  CAF_CHECK_EQUAL(err["error"]["code"], -32601);
  CAF_CHECK(!err["error"].contains("data"));
  auto with_data = rpc::error(nullptr, rpc::parse_error, "bad", json{{"x", 1}});
  CAF_CHECK(with_data["id"].is_null());
  CAF_CHECK_EQUAL(with_data["error"]["data"]["x"], 1);
}
