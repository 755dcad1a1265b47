#include "av/mcp_relay.hpp"

#include <istream>
#include <ostream>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

#include "av/http/api_call.hpp"
#include "av/log.hpp"
#include "av/mcp/json_rpc.hpp"

namespace av {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using json = nlohmann::json;
using tcp = asio::ip::tcp;

/// One keep-alive connection to the node, opened again when it drops.
class relay_client {
public:
  explicit relay_client(relay_target to) : to_(std::move(to)) {}

  /// Sends one request; reconnects and retries once when the kept-alive
  /// connection turns out closed.
  bhttp::response<bhttp::string_body>
  send(bhttp::request<bhttp::string_body>& req) {
    req.set(bhttp::field::host, to_.host + ":" + to_.port);
    req.keep_alive(true);
    req.prepare_payload();
    for (int attempt = 0;; ++attempt) {
      try {
        if (!stream_.socket().is_open())
          connect();
        bhttp::write(stream_, req);
        bhttp::response<bhttp::string_body> res;
        bhttp::read(stream_, buffer_, res);
        if (!res.keep_alive())
          close();
        return res;
      } catch (const boost::system::system_error&) {
        close();
        if (attempt > 0)
          throw;
      }
    }
  }

private:
  void connect() {
    tcp::resolver resolver{ioc_};
    asio::connect(stream_.socket(), resolver.resolve(to_.host, to_.port));
    stream_.socket().set_option(tcp::no_delay{true});
  }

  void close() {
    beast::error_code err;
    stream_.socket().close(err);
    buffer_.clear();
  }

  relay_target to_;
  asio::io_context ioc_;
  beast::tcp_stream stream_{ioc_};
  beast::flat_buffer buffer_;
};

/// The message's id, null when it has none or is not JSON.
json id_of(const std::string& line) {
  auto x = json::parse(line, nullptr, false);
  if (x.is_object())
    if (auto i = x.find("id"); i != x.end())
      return *i;
  return nullptr;
}

} // namespace

std::optional<relay_target> parse_relay_url(const std::string& url,
                                            std::string& error) {
  const std::string scheme = "http://";
  if (url.compare(0, scheme.size(), scheme) != 0) {
    error = "--connect: expected http://host:port/path, got " + url;
    return std::nullopt;
  }
  auto rest = url.substr(scheme.size());
  auto slash = rest.find('/');
  auto authority = rest.substr(0, slash);
  relay_target result;
  result.target = slash == std::string::npos ? "/mcp" : rest.substr(slash);
  // [::1]:3001, host:3001, host
  auto colon = authority.rfind(':');
  if (colon != std::string::npos && authority.find(']', colon) == std::string::npos) {
    result.host = authority.substr(0, colon);
    result.port = authority.substr(colon + 1);
  } else {
    result.host = authority;
    result.port = "80";
  }
  if (result.host.size() > 1 && result.host.front() == '[')
    result.host = result.host.substr(1, result.host.size() - 2);
  if (result.host.empty() || result.port.empty()
      || result.port.find_first_not_of("0123456789") != std::string::npos) {
    error = "--connect: expected http://host:port/path, got " + url;
    return std::nullopt;
  }
  return result;
}

int relay_stdio(const std::string& url, const std::string& api_key,
                std::istream& in, std::ostream& out) {
  std::string error;
  auto to = parse_relay_url(url, error);
  if (!to) {
    log::error("mcp relay", {{"error", error}});
    return 2;
  }
  relay_client client{*to};
  std::string session;
  std::string version;
  auto request = [&](bhttp::verb method, std::string body) {
    bhttp::request<bhttp::string_body> req{method, to->target, 11};
    req.set(bhttp::field::content_type, "application/json");
    req.set(bhttp::field::accept, "application/json, text/event-stream");
    if (!api_key.empty())
      req.set(bhttp::field::authorization, "Bearer " + api_key);
    if (!session.empty())
      req.set("Mcp-Session-Id", session);
    if (!version.empty())
      req.set("MCP-Protocol-Version", version);
    req.body() = std::move(body);
    return client.send(req);
  };
  log::info("mcp relay", {{"url", url}});
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line == "\r")
      continue;
    auto id = id_of(line);
    std::string answer;
    try {
      auto res = request(bhttp::verb::post, line);
      // initialize answered: later requests name its session and revision.
      if (res.result() == bhttp::status::ok
          && !res["Mcp-Session-Id"].empty()) {
        session = std::string{res["Mcp-Session-Id"]};
        auto init = json::parse(res.body(), nullptr, false);
        if (init.is_object() && init.contains("result"))
          version = init["result"].value("protocolVersion", "");
      }
      answer = std::move(res.body());
      // Errors the transport answered before reading the message (a bad
      // key, an unknown session) carry no id: give them the request's.
      auto x = json::parse(answer, nullptr, false);
      if (x.is_object() && x.contains("error") && x["id"].is_null()
          && !id.is_null()) {
        x["id"] = id;
        answer = http::dump(x);
      }
    } catch (const std::exception& e) {
      log::warn("mcp relay: the node did not answer",
                {{"url", url}, {"error", e.what()}});
      if (!id.is_null())
        answer = http::dump(mcp::rpc::error(
          id, mcp::rpc::internal_error,
          "cannot reach the node at " + url + ": " + e.what()));
    }
    if (!answer.empty())
      out << answer << '\n' << std::flush;
  }
  if (!session.empty()) {
    try {
      request(bhttp::verb::delete_, {});
    } catch (const std::exception&) {
      // The node went first; nothing to end.
    }
  }
  return 0;
}

} // namespace av
