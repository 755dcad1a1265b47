// libFuzzer target over what a WebSocket viewer sends once upgraded: the
// bytes go through Beast's frame reader with the session's options (message
// limit, permessage-deflate when the client offered it), and each text
// message through the session's parser (subscribe filters, auth, ping,
// commands); binary and oversized messages end where the session refuses
// them. Input: one byte of options, then the client's bytes.
#include <cstddef>
#include <cstdint>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/beast/_experimental/test/stream.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/websocket.hpp>

#include "av/ws/client_message.hpp"

namespace {

namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace websocket = beast::websocket;

/// Smaller than the server's 64 KiB, so that short inputs reach the limit.
constexpr size_t max_message_bytes = 4096;

/// Bit 0 of the options byte: the client offered permessage-deflate.
constexpr uint8_t offer_deflate = 0x01;

bhttp::request<bhttp::string_body> upgrade(bool deflate) {
  bhttp::request<bhttp::string_body> req{bhttp::verb::get, "/", 11};
  req.set(bhttp::field::host, "localhost");
  req.set(bhttp::field::upgrade, "websocket");
  req.set(bhttp::field::connection, "upgrade");
  req.set(bhttp::field::sec_websocket_key, "dGhlIHNhbXBsZSBub25jZQ==");
  req.set(bhttp::field::sec_websocket_version, "13");
  if (deflate)
    req.set(bhttp::field::sec_websocket_extensions, "permessage-deflate");
  return req;
}

/// What the session does with one text message.
void handle(std::string_view text) {
  av::ws_filter defaults;
  auto msg = av::ws::parse_client_message(text, defaults);
  if (msg.what == av::ws::client_message::kind::invalid && !*msg.code)
    __builtin_trap(); // every refusal names its code
  if (msg.what == av::ws::client_message::kind::command) {
    av::ws::command_request req;
    (void)av::ws::parse_command(msg.doc, req);
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0)
    return 0;
  boost::asio::io_context ioc;
  beast::test::stream sock{ioc};
  auto peer = beast::test::connect(sock);
  websocket::stream<beast::test::stream&> ws{sock};
  bool deflate = (data[0] & offer_deflate) != 0;
  websocket::permessage_deflate pmd;
  pmd.server_enable = true;
  ws.set_option(pmd);
  ws.read_message_max(max_message_bytes);
  ws.auto_fragment(false);
  beast::error_code err;
  ws.accept(upgrade(deflate), err);
  if (err)
    __builtin_trap(); // our own upgrade request must be accepted
  sock.append({reinterpret_cast<const char*>(data) + 1, size - 1});
  // End of input is the end of the connection.
  peer.close();
  beast::flat_buffer buf;
  for (ws.read(buf, err); !err; ws.read(buf, err)) {
    if (ws.got_text())
      handle(beast::buffers_to_string(buf.data()));
    buf.consume(buf.size());
  }
  return 0;
}
