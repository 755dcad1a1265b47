#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

#include <caf/fwd.hpp>

#include "av/actors.hpp"
#include "av/node_context.hpp"
#include "av/telemetry/metric_family.hpp"
#include "av/ws/hub.hpp"

namespace av::config {
struct settings;
} // namespace av::config

namespace av::ws {
struct stream_state;
} // namespace av::ws

namespace av {

/// The WebSocket stream (docs/protocol.md): a Boost.Beast server on
/// BIND_ADDRESS:WS_PORT, path `/ws`, on WS_IO_THREADS Asio threads (each
/// session stays on one), and the hub actor that feeds its sessions.
class ws_server {
public:
  /// Limits of the WebSocket layer.
  struct limits {
    /// Open sessions at most (WS_MAX_CONNECTIONS); more are closed with 1013.
    uint32_t max_connections = 1000;
    /// Ping interval (WS_HEARTBEAT_INTERVAL); a peer silent for two
    /// intervals is closed.
    std::chrono::milliseconds heartbeat{30000};
    /// permessage-deflate (WS_COMPRESSION).
    bool compression = true;
    /// Largest incoming message; more closes with 1009.
    size_t max_message_bytes = 64 * 1024;
    /// Events a session may have queued (WS_MAX_QUEUED_EVENTS); more
    /// clears them for a `resync`.
    uint32_t max_queued_events = 4096;
    /// Resyncs in a row (without the queue draining) before a session is
    /// closed as too slow.
    uint32_t max_resyncs = 3;
    /// Malformed messages before a session is closed with 1008.
    uint32_t max_bad_messages = 5;
    /// Time for the upgrade and for the closing handshake.
    std::chrono::milliseconds handshake_timeout{5000};
    /// MAX_VISIBLE_AGENTS and PHYSICS_UPDATE_RATE.
    uint32_t max_visible_agents = 500;
    uint32_t max_fps = 60;
    /// Asio threads writing to the sessions (WS_IO_THREADS; 0 in the
    /// configuration means one per core).
    uint32_t io_threads = 1;
    /// WS_IO_URING: each I/O thread writes a tick's frames through a
    /// net::send_ring when the kernel allows it.
    bool io_uring = true;
  };

  /// The limits as configured.
  static limits limits_from(const config::settings& cfg);

  /// Spawns the hub, binds and listens (throws `std::system_error` when it
  /// cannot), then serves on its own thread until `stop`.
  ws_server(const config::settings& cfg, caf::actor_system& sys,
            registry_actor registry, bus_actor bus, physics_actor physics,
            node_context_ptr ctx, limits lim);

  ws_server(const ws_server&) = delete;
  ws_server& operator=(const ws_server&) = delete;

  ~ws_server();

  /// The bound port; the real one when WS_PORT was 0.
  uint16_t port() const { return port_; }

  hub_actor hub() const { return hub_; }

  /// The actors of the open sessions (docs/shell.md, `ps`).
  std::vector<status_actor> sessions() const;

  const ws_stats_ptr& stats() const { return stats_; }

  /// The stream's series for `telemetry_sources::collectors`: sessions,
  /// frames, bytes, coalesced frames, queued events, resyncs, closes by
  /// reason, read from `stats()` on each scrape.
  metrics::collector metrics() const;

  /// Hands every event published so far (`node.stopping` among them) to
  /// the sessions, which write what they have queued, then closes the
  /// listener and every session, joins the thread and stops the hub. Call
  /// it before the other actors stop; idempotent.
  void stop();

private:
  ws_stats_ptr stats_;
  hub_actor hub_;
  std::shared_ptr<ws::stream_state> core_;
  std::vector<std::thread> threads_;
  uint16_t port_ = 0;
};

} // namespace av
