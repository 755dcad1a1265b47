#define CAF_SUITE net.json_text
#include "caf/test/unit_test.hpp"
#include "caf_checks.hpp"

#include "av/api/json_mapping.hpp"
#include "av/api/json_text.hpp"
#include "av/http/api_call.hpp"

using namespace av;
using json = nlohmann::json;

namespace {

/// Names that take every path of the writer: escapes, control characters,
/// UTF-8 and bytes that are not UTF-8.
const std::vector<std::string> names{"plain-name",
                                     "quote\" and \\ backslash",
                                     std::string{"nul\0x", 5},
                                     "tab\tnew\nline\r\x01\x1f\x7f",
                                     "caf\xc3\xa9 \xe2\x9c\x93",
                                     "bad \xff byte",
                                     ""};

} // namespace

CAF_TEST(quoted strings are byte for byte what nlohmann writes) {
  for (auto& x : names) {
    std::string out = "prefix:";
    append_quoted(out, x);
    CAF_CHECK_EQUAL(out, "prefix:" + http::dump(json(x)));
  }
  std::string all;
  for (int c = 0; c < 128; ++c)
    all += static_cast<char>(c);
  std::string out;
  append_quoted(out, all);
  CAF_CHECK_EQUAL(out, http::dump(json(all)));
}

CAF_TEST(agent listings are byte for byte the body of GET /api/agents) {
  agent_page page;
  num_id num = 1;
  for (auto& x : names)
    page.agents.push_back(agent_summary{"id-" + std::to_string(num), num++, x,
                                        x.empty() ? "t" : x, agent_state::busy,
                                        provenance::simulated, "node-" + x});
  page.total = 42;
  agent_filter filter{"", "", 5, 7};
  auto expected = http::dump(json{{"agents", page.agents},
                                  {"total", page.total},
                                  {"offset", filter.offset},
                                  {"limit", filter.limit}});
  CAF_CHECK_EQUAL(agent_page_text(page, filter), expected);
  CAF_CHECK_EQUAL(agent_page_text(agent_page{}, filter),
                  R"({"agents":[],"limit":7,"offset":5,"total":0})");
}
