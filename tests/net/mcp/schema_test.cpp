#define CAF_SUITE mcp.schema
#include "caf/test/unit_test.hpp"
#include "caf_checks.hpp"

#include "av/mcp/schema_check.hpp"

using namespace av::mcp;
using json = nlohmann::json;

namespace {

const json spawn_schema = json::parse(R"({
  "type": "object",
  "properties": {
    "type": {"type": "string", "minLength": 1, "maxLength": 5},
    "count": {"type": "integer", "minimum": 1, "maximum": 100, "default": 1},
    "mode": {"type": "string", "enum": ["a", "b"]},
    "ratio": {"type": "number", "minimum": 0},
    "tags": {"type": "array", "maxItems": 2, "items": {"type": "string"}},
    "pos": {"type": "object", "required": ["x"],
            "properties": {"x": {"type": "number"}},
            "additionalProperties": false},
    "id": {"type": ["string", "integer"]}
  },
  "required": ["type"],
  "additionalProperties": false
})");

std::string problem(const json& args) {
  auto err = schema::validate(spawn_schema, args);
  return err ? *err : "ok";
}

} // namespace

CAF_TEST(conforming arguments pass) {
  CAF_CHECK_EQUAL(problem(json{{"type", "coder"}}), "ok");
  CAF_CHECK_EQUAL(problem(json{{"type", "a"},
                               {"count", 100},
                               {"mode", "b"},
                               {"ratio", 0.5},
                               {"tags", {"x", "y"}},
                               {"pos", {{"x", 1.5}}},
                               {"id", 4}}),
                  "ok");
  // 3.0 is an integer in JSON Schema.
  CAF_CHECK_EQUAL(problem(json{{"type", "a"}, {"count", 3.0}}), "ok");
}

CAF_TEST(each failure names the field and what was expected) {
  CAF_CHECK_EQUAL(problem(json::object()), "arguments.type: required");
  CAF_CHECK_EQUAL(problem(json::array()), "arguments: expected an object");
  CAF_CHECK_EQUAL(problem(json{{"type", 1}}),
                  "arguments.type: expected a string");
  CAF_CHECK_EQUAL(problem(json{{"type", ""}}),
                  "arguments.type: expected a string of at least 1 "
                  "characters");
  CAF_CHECK_EQUAL(problem(json{{"type", "toolong"}}),
                  "arguments.type: expected a string of at most 5 "
                  "characters");
  CAF_CHECK_EQUAL(problem(json{{"type", "a"}, {"count", 101}}),
                  "arguments.count: expected a number from 1 to 100");
  CAF_CHECK_EQUAL(problem(json{{"type", "a"}, {"count", 1.5}}),
                  "arguments.count: expected an integer");
  CAF_CHECK_EQUAL(problem(json{{"type", "a"}, {"ratio", -1}}),
                  "arguments.ratio: expected a number of at least 0");
  CAF_CHECK_EQUAL(problem(json{{"type", "a"}, {"mode", "c"}}),
                  "arguments.mode: expected one of \"a\" or \"b\"");
  CAF_CHECK_EQUAL(problem(json{{"type", "a"}, {"tags", {"x", "y", "z"}}}),
                  "arguments.tags: expected at most 2 items");
  CAF_CHECK_EQUAL(problem(json{{"type", "a"}, {"tags", {"x", 2}}}),
                  "arguments.tags[1]: expected a string");
  CAF_CHECK_EQUAL(problem(json{{"type", "a"}, {"pos", json::object()}}),
                  "arguments.pos.x: required");
  CAF_CHECK_EQUAL(problem(json{{"type", "a"}, {"pos", {{"x", 1}, {"y", 2}}}}),
                  "arguments.pos.y: unknown property");
  CAF_CHECK_EQUAL(problem(json{{"type", "a"}, {"extra", true}}),
                  "arguments.extra: unknown property");
  CAF_CHECK_EQUAL(problem(json{{"type", "a"}, {"id", true}}),
                  "arguments.id: expected a string or an integer");
}

CAF_TEST(defaults fill absent properties only) {
  json args{{"type", "a"}};
  schema::apply_defaults(spawn_schema, args);
  CAF_CHECK_EQUAL(args["count"], 1);
  json given{{"type", "a"}, {"count", 7}};
  schema::apply_defaults(spawn_schema, given);
  CAF_CHECK_EQUAL(given["count"], 7);
}
