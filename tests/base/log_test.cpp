#define CAF_SUITE base.log
#include "caf/test/unit_test.hpp"
#include "caf_checks.hpp"

#include "av/base/log.hpp"

#include <cmath>
#include <cstdint>
#include <limits>
#include <mutex>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>
#include <spdlog/sinks/base_sink.h>

using namespace std::literals;

using namespace av;
using json = nlohmann::json;

namespace {

/// Keeps every formatted line in memory.
class line_sink : public spdlog::sinks::base_sink<std::mutex> {
public:
  std::vector<std::string> lines() {
    std::lock_guard<std::mutex> guard{mutex_};
    return lines_;
  }

protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t buf;
    formatter_->format(msg, buf);
    lines_.emplace_back(buf.data(), buf.size());
  }

  void flush_() override {
    // nop
  }

private:
  std::vector<std::string> lines_;
};

/// Input that tends to break log lines: control characters, quotes,
/// backslashes, an embedded NUL, invalid and truncated UTF-8, a surrogate.
const std::vector<std::string> nasty = {
  "line\nbreak",
  "carriage\rreturn",
  "tab\there",
  "\"quoted\"",
  "back\\slash",
  "nul\0byte"s,
  "\x01\x02\x1f",
  "del\x7f",
  "\xff\xfe invalid",
  "truncated \xc3",
  "\xed\xa0\x80",
  "</script>",
  "k=v a=\"b\"",
  "",
  " ",
  "{\"not\":json",
  "ok \xc3\xbc",
  "\xe2\x80\xa8 sep",
};

struct fixture {
  std::shared_ptr<line_sink> sink = std::make_shared<line_sink>();

  ~fixture() {
    // Back to the defaults, so that no suite writes into a dead sink.
    log::init(log::format::text, log::level::info);
  }

  void init(log::format fmt, log::level lvl = log::level::trace) {
    log::init(fmt, lvl, sink);
  }

  /// Returns all lines so far, each checked to be exactly one line and
  /// stripped of its newline.
  std::vector<std::string> lines() {
    auto result = sink->lines();
    for (auto& line : result) {
      CAF_REQUIRE(!line.empty() && line.back() == '\n');
      line.pop_back();
      CAF_CHECK_EQUAL(line.find('\n'), std::string::npos);
      CAF_CHECK_EQUAL(line.find('\r'), std::string::npos);
    }
    return result;
  }

  std::string only_line() {
    auto all = lines();
    CAF_REQUIRE_EQUAL(all.size(), 1u);
    return all.front();
  }

  /// Parses a JSON line; fails the test if it is not a JSON object.
  static json parse(const std::string& line) {
    auto result = json::parse(line, nullptr, false);
    CAF_REQUIRE(!result.is_discarded());
    CAF_REQUIRE(result.is_object());
    return result;
  }
};

const std::regex timestamp{R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)"};

/// Drops the leading timestamp and the space after it.
std::string without_ts(const std::string& line) {
  CAF_REQUIRE_GREATER(line.size(), 25u);
  CAF_CHECK(std::regex_match(line.substr(0, 24), timestamp));
  CAF_CHECK_EQUAL(line[24], ' ');
  return line.substr(25);
}

bool has_control_chars(const std::string& line) {
  for (auto c : line)
    if (static_cast<unsigned char>(c) < 0x20)
      return true;
  return false;
}

} // namespace

CAF_TEST_FIXTURE_SCOPE(log_tests, fixture)

CAF_TEST(text lines have a timestamp a padded level the message and fields) {
  init(log::format::text);
  log::info("node ready", {{"demo_agents", 20}, {"api_port", 3000}});
  CAF_CHECK_EQUAL(without_ts(only_line()),
                  "INFO  node ready demo_agents=20 api_port=3000");
}

CAF_TEST(text level names line up) {
  init(log::format::text);
  log::trace("m");
  log::debug("m");
  log::info("m");
  log::warn("m");
  log::error("m");
  auto all = lines();
  CAF_REQUIRE_EQUAL(all.size(), 5u);
  CAF_CHECK_EQUAL(without_ts(all[0]), "TRACE m");
  CAF_CHECK_EQUAL(without_ts(all[1]), "DEBUG m");
  CAF_CHECK_EQUAL(without_ts(all[2]), "INFO  m");
  CAF_CHECK_EQUAL(without_ts(all[3]), "WARN  m");
  CAF_CHECK_EQUAL(without_ts(all[4]), "ERROR m");
}

CAF_TEST(json lines have ts level and msg first then the fields) {
  init(log::format::json);
  log::info("node ready", {{"demo_agents", 20}, {"api_port", 3000}});
  auto line = only_line();
  CAF_CHECK_EQUAL(line.rfind(R"({"ts":")", 0), 0u);
  CAF_CHECK_NOT_EQUAL(line.find(R"("level":"info","msg":"node ready",)"
                                R"("demo_agents":20,"api_port":3000})"),
                      std::string::npos);
  auto obj = parse(line);
  CAF_CHECK_EQUAL(obj.size(), 5u);
  CAF_CHECK(std::regex_match(obj["ts"].get<std::string>(), timestamp));
  CAF_CHECK(obj["level"] == "info");
  CAF_CHECK(obj["msg"] == "node ready");
  CAF_CHECK(obj["demo_agents"] == 20);
  CAF_CHECK(obj["api_port"] == 3000);
}

CAF_TEST(json level names) {
  init(log::format::json);
  log::trace("m");
  log::debug("m");
  log::info("m");
  log::warn("m");
  log::error("m");
  std::vector<std::string> names;
  for (auto& line : lines())
    names.push_back(parse(line)["level"].get<std::string>());
  CAF_CHECK_EQUAL(names, (std::vector<std::string>{"trace", "debug", "info",
                                                   "warn", "error"}));
}

CAF_TEST(lines below the configured level are dropped) {
  init(log::format::text, log::level::warn);
  CAF_CHECK(!log::enabled(log::level::trace));
  CAF_CHECK(!log::enabled(log::level::debug));
  CAF_CHECK(!log::enabled(log::level::info));
  CAF_CHECK(log::enabled(log::level::warn));
  CAF_CHECK(log::enabled(log::level::error));
  CAF_CHECK(!log::enabled(log::level::off));
  log::trace("t");
  log::debug("d");
  log::info("i");
  log::warn("w");
  log::error("e");
  auto all = lines();
  CAF_REQUIRE_EQUAL(all.size(), 2u);
  CAF_CHECK_EQUAL(without_ts(all[0]), "WARN  w");
  CAF_CHECK_EQUAL(without_ts(all[1]), "ERROR e");
}

CAF_TEST(level off silences everything) {
  init(log::format::json, log::level::off);
  CAF_CHECK(!log::enabled(log::level::error));
  log::error("e");
  log::write(log::level::off, "o");
  CAF_CHECK_EQUAL(lines().size(), 0u);
  init(log::format::json, log::level::trace);
  CAF_CHECK(log::enabled(log::level::trace));
  CAF_CHECK(!log::enabled(log::level::off));
  log::write(log::level::off, "o");
  CAF_CHECK_EQUAL(lines().size(), 0u);
}

CAF_TEST(text values are quoted only when needed) {
  init(log::format::text);
  log::info("m", {{"plain", "abc"},
                  {"spaced", "hello world"},
                  {"quotes", R"(a "b")"},
                  {"equals", "a=b"},
                  {"empty", ""},
                  {"newline", "a\nb"},
                  {"path", "/tmp/x.log"},
                  {"utf8", "gr\xc3\xbc\xc3\x9f"
                           "e"}});
  CAF_CHECK_EQUAL(without_ts(only_line()),
                  R"(INFO  m plain=abc spaced="hello world")"
                  R"( quotes="a \"b\"" equals="a=b" empty="")"
                  R"( newline="a\nb" path=/tmp/x.log utf8=grüße)");
}

CAF_TEST(text messages are escaped but not quoted) {
  init(log::format::text);
  log::info("first\nsecond \"quoted\" back\\slash\ttab");
  CAF_CHECK_EQUAL(without_ts(only_line()),
                  R"(INFO  first\nsecond "quoted" back\\slash\ttab)");
}

CAF_TEST(text lines survive nasty input) {
  init(log::format::text);
  for (auto& str : nasty)
    log::info(str, {{str, str}, {"k", str}});
  auto all = lines();
  CAF_REQUIRE_EQUAL(all.size(), nasty.size());
  for (auto& line : all)
    CAF_CHECK(!has_control_chars(line));
  // Invalid UTF-8 turns into U+FFFD.
  CAF_CHECK_NOT_EQUAL(all[8].find("\xef\xbf\xbd"), std::string::npos);
}

CAF_TEST(json lines survive nasty input) {
  init(log::format::json);
  for (auto& str : nasty)
    log::info(str, {{str, str}, {"k", str}, {"arr", json::array({str})}});
  auto all = lines();
  CAF_REQUIRE_EQUAL(all.size(), nasty.size());
  for (size_t i = 0; i < all.size(); ++i) {
    CAF_CHECK(!has_control_chars(all[i]));
    auto obj = parse(all[i]);
    CAF_CHECK(obj["msg"].is_string());
    CAF_CHECK(obj["k"] == obj["msg"]);
    CAF_CHECK(obj["arr"][0] == obj["msg"]);
  }
  // Valid input comes back unchanged, invalid UTF-8 as U+FFFD.
  CAF_CHECK(parse(all[0])["msg"] == "line\nbreak");
  CAF_CHECK(parse(all[5])["msg"] == "nul\0byte"s);
  CAF_CHECK(parse(all[16])["msg"] == "ok \xc3\xbc");
  CAF_CHECK(parse(all[8])["msg"] == "\xef\xbf\xbd\xef\xbf\xbd invalid");
}

CAF_TEST(fields of several types) {
  auto big = std::numeric_limits<uint64_t>::max();
  auto str = "text"s;
  auto view = "view"sv;
  auto fields = {
    log::field{"int", 20},           log::field{"neg", -7},
    log::field{"big", big},          log::field{"dbl", 1.5},
    log::field{"nan", std::nan("")}, log::field{"yes", true},
    log::field{"null", nullptr},     log::field{"str", str},
    log::field{"view", view},        log::field{"arr", {1, 2, 3}},
    log::field{"obj", {{"k", "v"}}}, log::field{"spaced_obj", {{"k", "a b"}}},
  };
  init(log::format::text);
  log::info("types", fields);
  CAF_CHECK_EQUAL(without_ts(only_line()),
                  R"(INFO  types int=20 neg=-7 big=18446744073709551615)"
                  R"( dbl=1.5 nan=null yes=true null=null str=text)"
                  R"( view=view arr=[1,2,3] obj={"k":"v"})"
                  R"( spaced_obj="{\"k\":\"a b\"}")");
  sink = std::make_shared<line_sink>();
  init(log::format::json);
  log::info("types", fields);
  auto obj = parse(only_line());
  CAF_CHECK(obj["int"] == 20);
  CAF_CHECK(obj["neg"] == -7);
  CAF_CHECK(obj["big"] == big);
  CAF_CHECK(obj["dbl"] == 1.5);
  CAF_CHECK(obj["nan"].is_null());
  CAF_CHECK(obj["yes"] == true);
  CAF_CHECK(obj["null"].is_null());
  CAF_CHECK(obj["str"] == "text");
  CAF_CHECK(obj["view"] == "view");
  CAF_CHECK(obj["arr"] == json::array({1, 2, 3}));
  CAF_CHECK(obj["obj"]["k"] == "v");
}

CAF_TEST(json fields cannot shadow ts level or msg) {
  init(log::format::json);
  log::warn("real", {{"msg", "fake"}, {"level", 1}, {"ts", false}});
  auto obj = parse(only_line());
  CAF_CHECK(obj["msg"] == "real");
  CAF_CHECK(obj["level"] == "warn");
  CAF_CHECK(obj["ts"].is_string());
  CAF_CHECK(obj["field_msg"] == "fake");
  CAF_CHECK(obj["field_level"] == 1);
  CAF_CHECK(obj["field_ts"] == false);
}

CAF_TEST(concurrent writers never interleave lines) {
  init(log::format::json);
  constexpr int threads = 4;
  constexpr int per_thread = 250;
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t)
    workers.emplace_back([t] {
      for (int i = 0; i < per_thread; ++i)
        log::info("tick", {{"thread", t}, {"i", i}, {"pad", "x y z"}});
    });
  for (auto& worker : workers)
    worker.join();
  auto all = lines();
  CAF_REQUIRE_EQUAL(all.size(), static_cast<size_t>(threads * per_thread));
  std::vector<int> next(threads, 0);
  for (auto& line : all) {
    auto obj = parse(line);
    auto t = obj["thread"].get<size_t>();
    // Each thread's lines arrive complete and in order.
    CAF_CHECK_EQUAL(obj["i"].get<int>(), next[t]++);
  }
}

CAF_TEST(parse_level accepts exactly the level names) {
  CAF_CHECK(log::parse_level("trace") == log::level::trace);
  CAF_CHECK(log::parse_level("debug") == log::level::debug);
  CAF_CHECK(log::parse_level("info") == log::level::info);
  CAF_CHECK(log::parse_level("warn") == log::level::warn);
  CAF_CHECK(log::parse_level("error") == log::level::error);
  CAF_CHECK(log::parse_level("off") == log::level::off);
  for (auto str : {"", "INFO", "warning", "infos", " info", "err"})
    CAF_CHECK(!log::parse_level(str));
}

CAF_TEST_FIXTURE_SCOPE_END()
