#define CAF_SUITE persistence.resp_writer

#include "av/resp_writer.hpp"

#include "caf_checks.hpp"
#include <caf/test/unit_test.hpp>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "av/redis_command_queue.hpp"
#include "hiredis_format.hpp"

using namespace av::persistence::detail;
using namespace std::string_literals;

namespace {

std::string json_text(double x) {
  number_buffer buf;
  return std::string{json_number(buf, x)};
}

} // namespace

CAF_TEST(bulk strings are length - prefixed : empty binary and large values) {
  std::string out;
  resp_writer w{out};
  w.begin(3);
  w.arg("SET");
  w.arg("");
  w.arg("a\r\nb\0c"s);
  CAF_CHECK_EQUAL(out, "*3\r\n$3\r\nSET\r\n$0\r\n\r\n$6\r\na\r\nb\0c\r\n"s);
  std::string large(100000, 'x');
  large[50000] = '\0';
  auto binary = "\xF0\x9F\x9A\x80\xFF\x00\r\n"s;
  out.clear();
  w.begin(4);
  w.arg("HSET");
  w.arg(large);
  w.arg(binary);
  w.arg("");
  CAF_CHECK_EQUAL(out, av::test::hiredis_format({{"HSET", large, binary, ""}}));
}

CAF_TEST(integers are written in decimal) {
  std::string out;
  resp_writer w{out};
  w.begin(4);
  w.arg(int64_t{0});
  w.arg(int64_t{-101});
  w.arg(std::numeric_limits<int64_t>::min());
  w.arg(std::numeric_limits<int64_t>::max());
  CAF_CHECK_EQUAL(
    out, av::test::hiredis_format(
           {{"0", "-101", "-9223372036854775808", "9223372036854775807"}}));
}

CAF_TEST(numbers are written as JSON writes them) {
  CAF_CHECK_EQUAL(json_text(1.5), "1.5");
  // A whole number keeps its ".0", as in the seed's hashes ("7.0").
  CAF_CHECK_EQUAL(json_text(7), "7.0");
  CAF_CHECK_EQUAL(json_text(-0.0), "-0.0");
  CAF_CHECK_EQUAL(json_text(0.1f), "0.10000000149011612");
  CAF_CHECK_EQUAL(json_text(1e300), "1e+300");
  CAF_CHECK_EQUAL(json_text(std::nan("")), "null");
  CAF_CHECK_EQUAL(json_text(INFINITY), "null");
  CAF_CHECK_EQUAL(json_text(-1e-7), "-1e-07");
  number_buffer buf;
  CAF_CHECK_EQUAL(decimal(buf, -42), "-42");
}

CAF_TEST(the queue cuts pipelines at the bound and counts commands by kind) {
  command_queue q{2};
  CAF_CHECK(q.empty());
  auto hset = q.start(command_kind::hset, 1);
  hset.arg("HSET");
  auto publish = q.start(command_kind::publish, 1);
  publish.arg("PUBLISH");
  auto zadd = q.start(command_kind::zadd, 1);
  zadd.arg("ZADD");
  CAF_CHECK_EQUAL(q.size(), 3u);
  const auto& first = q.front();
  CAF_CHECK_EQUAL(first.commands, 2u);
  CAF_CHECK_EQUAL(first.bytes, "*1\r\n$4\r\nHSET\r\n*1\r\n$7\r\nPUBLISH\r\n");
  CAF_CHECK_EQUAL(first.by_kind[size_t(command_kind::hset)], 1u);
  CAF_CHECK_EQUAL(first.by_kind[size_t(command_kind::publish)], 1u);
  CAF_CHECK_EQUAL(first.by_kind[size_t(command_kind::zadd)], 0u);
  q.pop_front();
  CAF_CHECK_EQUAL(q.size(), 1u);
  CAF_CHECK_EQUAL(q.front().bytes, "*1\r\n$4\r\nZADD\r\n");
  CAF_CHECK_EQUAL(q.front().by_kind[size_t(command_kind::zadd)], 1u);
  q.pop_front();
  CAF_CHECK(q.empty());
  // A pipeline made after a written one starts empty.
  q.start(command_kind::hset, 1).arg("HSET");
  CAF_CHECK_EQUAL(q.front().bytes, "*1\r\n$4\r\nHSET\r\n");
  CAF_CHECK_EQUAL(q.front().commands, 1u);
  CAF_CHECK_EQUAL(std::string{kind_name(command_kind::zremrangebyrank)},
                  "zremrangebyrank");
}
