#pragma once

#include <algorithm>
#include <chrono>
#include <functional>
#include <memory>
#include <set>
#include <string>

#include <caf/scoped_actor.hpp>

#include "../api_fixture.hpp"
#include "av/ws/frame.hpp"
#include "ws_client.hpp"

namespace av::test {

/// A real node with its HTTP API and WebSocket stream on ephemeral ports.
struct ws_fixture : api_fixture {
  using ms = std::chrono::milliseconds;

  uint16_t ws_port = 0;

  explicit ws_fixture(config::settings settings = ws_settings())
    : api_fixture(std::move(settings)), ws_port(node->ws_port()) {
    // nop
  }

  static config::settings ws_settings() {
    auto cfg = test_settings();
    cfg.ws_port = 0;
    cfg.ws_compression = false;
    return cfg;
  }

  /// A connected client that got its hello; fails the test otherwise.
  std::unique_ptr<ws_client> connect(ws_client::options opts = {},
                                     uint16_t port = 0) {
    auto c
      = std::make_unique<ws_client>(port ? port : ws_port, std::move(opts));
    if (!c->connected)
      CAF_FAIL("cannot connect: " << c->error);
    if (!c->read_type("hello"))
      CAF_FAIL("no hello");
    return c;
  }

  /// Subscribes and returns the `subscribed` answer.
  static nlohmann::json subscribe(ws_client& c, nlohmann::json msg = {}) {
    if (!msg.is_object())
      msg = nlohmann::json::object();
    msg["type"] = "subscribe";
    c.send(msg);
    auto x = c.read_type("subscribed");
    if (!x)
      CAF_FAIL("no subscribed answer");
    return *x;
  }

  /// The status answer of the node's hub, or of `hub`.
  caf::settings hub_status(hub_actor hub = {}) {
    caf::scoped_actor self{node->system()};
    caf::settings result;
    self
      ->request(hub ? hub : node->hub(), std::chrono::seconds{5},
                atom::status::value, status_verbosity::detailed)
      .receive([&](caf::settings& xs) { result = std::move(xs); },
               [&](caf::error&) {});
    return result;
  }

  /// Waits until `pred` holds; false at the deadline.
  static bool eventually(const std::function<bool()>& pred,
                         ms timeout = ms{10000}) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (pred())
        return true;
      std::this_thread::yield();
    }
    return pred();
  }

  /// Reads until a text event of `type` arrives.
  static std::optional<nlohmann::json>
  read_event(ws_client& c, const std::string& type, ms timeout = ms{5000}) {
    return c.read_type(type, timeout);
  }
};

/// Reads frames until every agent in `want` appeared; returns those seen.
inline std::set<num_id> frame_agents(ws_client& c, const std::set<num_id>& want,
                                     std::chrono::milliseconds timeout) {
  std::set<num_id> seen;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    auto msg = c.read(std::chrono::milliseconds{500});
    if (!msg || !msg->binary)
      continue;
    position_batch x;
    if (!ws::decode_frame(msg->data, x))
      CAF_FAIL("undecodable frame of " << msg->data.size() << " bytes");
    for (auto& a : x.agents)
      seen.insert(a.agent);
    if (std::includes(seen.begin(), seen.end(), want.begin(), want.end()))
      break;
  }
  return seen;
}

} // namespace av::test
