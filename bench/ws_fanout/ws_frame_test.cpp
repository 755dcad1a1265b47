#define CAF_SUITE bench.ws_frame

#include "caf/test/unit_test_impl.hpp"

#include <cstdint>
#include <string>
#include <vector>

#include "ws_frame.hpp"

namespace {

/// A frame as a server sends it: unmasked, with the shortest length form.
std::string server_frame(bool fin, uint8_t op, const std::string& payload) {
  std::string out;
  out.push_back(static_cast<char>((fin ? 0x80 : 0) | op));
  auto n = static_cast<uint64_t>(payload.size());
  if (n < 126) {
    out.push_back(static_cast<char>(n));
  } else if (n <= 0xFFFF) {
    out.push_back(126);
    out.push_back(static_cast<char>(n >> 8));
    out.push_back(static_cast<char>(n));
  } else {
    out.push_back(127);
    for (int shift = 56; shift >= 0; shift -= 8)
      out.push_back(static_cast<char>(n >> shift));
  }
  return out + payload;
}

struct seen {
  bool binary;
  uint64_t size;
  std::string data;
};

struct recorder {
  std::vector<seen> messages;
  std::vector<std::pair<uint8_t, std::string>> controls;

  void on_message(const ws_frame::message& m) {
    messages.push_back({m.binary, m.size, std::string{m.data}});
  }

  void on_control(uint8_t op, std::string_view payload) {
    controls.emplace_back(op, std::string{payload});
  }
};

/// Feeds `bytes` in pieces of `step` bytes; returns whether all were taken.
bool feed(ws_frame::reader& r, recorder& rec, const std::string& bytes,
          size_t step) {
  auto p = reinterpret_cast<const unsigned char*>(bytes.data());
  for (size_t at = 0; at < bytes.size(); at += step)
    if (!r.feed(p + at, std::min(step, bytes.size() - at), rec))
      return false;
  return true;
}

std::string pattern(size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i)
    s[i] = static_cast<char>(i * 7);
  return s;
}

} // namespace

CAF_TEST(binary messages of each length form keep their head and size) {
  for (size_t step : {size_t{1}, size_t{3}, size_t{100000}}) {
    ws_frame::reader r{512};
    recorder rec;
    std::string stream;
    for (size_t n : {size_t{0}, size_t{125}, size_t{126}, size_t{14036},
                     size_t{65535}, size_t{65536}, size_t{70000}})
      stream += server_frame(true, ws_frame::binary, pattern(n));
    CAF_REQUIRE(feed(r, rec, stream, step));
    CAF_REQUIRE_EQUAL(rec.messages.size(), 7u);
    size_t i = 0;
    for (size_t n : {size_t{0}, size_t{125}, size_t{126}, size_t{14036},
                     size_t{65535}, size_t{65536}, size_t{70000}}) {
      auto& m = rec.messages[i++];
      CAF_CHECK(m.binary);
      CAF_CHECK_EQUAL(m.size, n);
      CAF_CHECK_EQUAL(m.data,
                      pattern(n).substr(0, ws_frame::reader::binary_head));
    }
  }
}

CAF_TEST(fragments are assembled around a control frame) {
  ws_frame::reader r{SIZE_MAX};
  recorder rec;
  auto stream = server_frame(false, ws_frame::text, "{\"type\":")
                + server_frame(true, ws_frame::ping, "beat")
                + server_frame(false, ws_frame::continuation, "\"agent.")
                + server_frame(true, ws_frame::continuation, "metrics\"}")
                + server_frame(true, ws_frame::text, "next");
  CAF_REQUIRE(feed(r, rec, stream, 2));
  CAF_REQUIRE_EQUAL(rec.controls.size(), 1u);
  CAF_CHECK_EQUAL(rec.controls[0].first, ws_frame::ping);
  CAF_CHECK_EQUAL(rec.controls[0].second, "beat");
  CAF_REQUIRE_EQUAL(rec.messages.size(), 2u);
  CAF_CHECK(!rec.messages[0].binary);
  CAF_CHECK_EQUAL(rec.messages[0].data, "{\"type\":\"agent.metrics\"}");
  CAF_CHECK_EQUAL(rec.messages[0].size, 24u);
  CAF_CHECK_EQUAL(rec.messages[1].data, "next");
}

CAF_TEST(text beyond the limit is counted but not kept) {
  ws_frame::reader r{4};
  recorder rec;
  CAF_REQUIRE(
    feed(r, rec, server_frame(true, ws_frame::text, "0123456789"), 100));
  CAF_REQUIRE_EQUAL(rec.messages.size(), 1u);
  CAF_CHECK_EQUAL(rec.messages[0].size, 10u);
  CAF_CHECK_EQUAL(rec.messages[0].data, "0123");
}

CAF_TEST(a close frame ends the stream) {
  ws_frame::reader r{512};
  recorder rec;
  auto stream = server_frame(true, ws_frame::close, "\x03\xF5too many")
                + server_frame(true, ws_frame::text, "after");
  CAF_REQUIRE(feed(r, rec, stream, 100));
  CAF_REQUIRE_EQUAL(rec.controls.size(), 1u);
  CAF_CHECK_EQUAL(rec.controls[0].first, ws_frame::close);
  CAF_CHECK_EQUAL(rec.controls[0].second, "\x03\xF5too many");
  CAF_CHECK(rec.messages.empty());
}

CAF_TEST(frames a server must not send are errors) {
  struct bad {
    std::string bytes;
    std::string error;
  };
  auto masked_by_server = ws_frame::masked(ws_frame::binary, "x", 1);
  for (auto& x : std::vector<bad>{
         {masked_by_server, "a masked frame from the server"},
         {server_frame(true, ws_frame::continuation, "x"),
          "a continuation frame outside a message"},
         {server_frame(false, ws_frame::text, "a")
            + server_frame(true, ws_frame::binary, "b"),
          "a new message inside a fragmented one"},
         {server_frame(false, ws_frame::ping, ""),
          "a fragmented or long control frame"},
         {server_frame(true, ws_frame::ping, std::string(126, 'x')),
          "a fragmented or long control frame"},
         {server_frame(true, 0x3, "x"), "unknown data opcode 3"},
         {server_frame(true, 0xB, "x"), "unknown control opcode 11"},
         {std::string{"\xC2\x00", 2}, "reserved bits set (no extension was "
                                      "negotiated)"}}) {
    ws_frame::reader r{512};
    recorder rec;
    CAF_CHECK(!feed(r, rec, x.bytes, 1));
    CAF_CHECK_EQUAL(r.error(), x.error);
  }
}

CAF_TEST(client frames are masked with the shortest length form) {
  for (size_t n :
       {size_t{0}, size_t{125}, size_t{126}, size_t{65535}, size_t{65536}}) {
    auto payload = pattern(n);
    auto frame = ws_frame::masked(ws_frame::text, payload, 0xA1B2C3D4);
    auto b = reinterpret_cast<const unsigned char*>(frame.data());
    CAF_CHECK_EQUAL(b[0], 0x81);
    CAF_CHECK((b[1] & 0x80) != 0);
    size_t len_bytes = n < 126 ? 0 : n <= 0xFFFF ? 2 : 8;
    CAF_CHECK_EQUAL(b[1] & 0x7F, n < 126 ? n : n <= 0xFFFF ? 126 : 127);
    uint64_t len = n < 126 ? (b[1] & 0x7F) : 0;
    for (size_t i = 0; i < len_bytes; ++i)
      len = len << 8 | b[2 + i];
    CAF_CHECK_EQUAL(len, n);
    auto key = b + 2 + len_bytes;
    auto body = key + 4;
    CAF_REQUIRE_EQUAL(frame.size(), 2 + len_bytes + 4 + n);
    std::string unmasked(n, '\0');
    for (size_t i = 0; i < n; ++i)
      unmasked[i] = static_cast<char>(body[i] ^ key[i % 4]);
    CAF_CHECK_EQUAL(unmasked, payload);
  }
}
