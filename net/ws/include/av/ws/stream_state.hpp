#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "av/api/routes.hpp"
#include "av/http/router.hpp"
#include "av/net/auth.hpp"
#include "av/net/connection_set.hpp"
#include "av/net/cors.hpp"
#include "av/net/io_thread.hpp"
#include "av/net/rate_limiter.hpp"
#include "av/ws/frame_stream.hpp"
#include "av/ws/server.hpp"

namespace av::ws {

class connection;

/// The sessions of one io_context. Each context is run by exactly one
/// thread, so a task run on the context may touch any of its sessions.
/// Pushes wait here and go to the context as one task at a time: when the
/// thread falls behind, a frame replaces the unsent frames of earlier ticks
/// (as a session does with its own), events pile up in order, and the
/// context's queue stays one task long instead of growing with every tick.
class lane : public ws_lane {
public:
  /// `ring`, when there is one, makes the writes of each task.
  lane(boost::asio::io_context& ioc, net::post_gate& gate, ws_stats& stats,
       std::unique_ptr<net::send_ring> ring)
    : ioc_(ioc), gate_(gate), stats_(stats), ring_(std::move(ring)) {}

  void push(std::vector<std::shared_ptr<ws_outlet>> to, ws_push x) override;

private:
  struct pending {
    std::vector<std::shared_ptr<ws_outlet>> to;
    ws_push x;
  };

  /// Hands what is waiting to the sessions, on the context's thread.
  void run();

  boost::asio::io_context& ioc_;
  net::post_gate& gate_;
  ws_stats& stats_;
  std::mutex mtx_;
  std::vector<pending> waiting_;
  bool scheduled_ = false;
  std::unique_ptr<net::send_ring> ring_;
};

/// Everything the WebSocket sessions share. Sessions hold it by shared_ptr,
/// so the io_context outlives every socket.
struct stream_state : std::enable_shared_from_this<stream_state> {
  stream_state(const config::settings& cfg, http::api_env env,
               ws_server::limits lim, hub_actor hub, ws_stats_ptr stats);

  /// Writes per io_uring submission at most.
  static constexpr unsigned ring_entries = 1024;

  /// How the lanes write: "io_uring", or "sendmsg (why)".
  std::string writes;

  /// A lane's send ring, or null (WS_IO_URING=false, or the kernel refuses
  /// io_uring); sets `writes`.
  std::unique_ptr<net::send_ring> open_ring();

  /// Starts the I/O threads: `ioc`'s and one per further context.
  std::vector<std::thread> run();

  /// Runs the acceptor and a share of the sessions.
  boost::asio::io_context ioc{1};
  boost::asio::ip::tcp::acceptor acceptor{ioc};
  /// One context per further I/O thread (WS_IO_THREADS): sessions are
  /// spread over `ioc` and these, each run by a thread of its own.
  std::vector<std::unique_ptr<boost::asio::io_context>> more;
  /// One per context: `ioc`'s first, then `more`'s.
  std::vector<std::unique_ptr<lane>> lanes;
  ws_server::limits limits;
  http::api_env env;
  /// The HTTP API's routes: commands run through the same handlers.
  http::router routes;
  net::authenticator auth;
  net::cors_policy cors;
  net::rate_limiter limiter;
  hub_actor hub;
  ws_stats_ptr stats;
  /// Every post onto the contexts goes through it (see net::post_gate).
  net::post_gate gate;
  std::atomic<bool> stopping{false};

  /// Starts the next accept.
  void accept();

  /// Registers a session; false once stopping.
  bool add(uint64_t id, const std::shared_ptr<connection>& s);

  void remove(uint64_t id);

  /// Lists session `id`'s actor, until `remove`, for the shell's census.
  void enlist(uint64_t id, ws_session_actor actor);

  /// The actors of the open sessions.
  std::vector<ws_session_actor> session_actors() const;

  /// The lane of the context that serves session `id`.
  lane& lane_of(uint64_t id) { return *lanes[id % lanes.size()]; }

  /// Moves an accepted socket to the context that serves session `id`.
  socket_stream place(uint64_t id, boost::asio::ip::tcp::socket sock);

  /// Sets `stopping` and closes the listener and every session.
  void shutdown();

private:
  std::atomic<uint64_t> next_id_{0};
  /// Sessions admitted (refused ones are not counted).
  std::atomic<uint32_t> admitted_{0};
  net::connection_set<connection, uint64_t> sessions_;
  mutable std::mutex actors_mtx_;
  std::unordered_map<uint64_t, ws_session_actor> actors_;
  /// Keep the further contexts running while they have no session yet.
  std::vector<
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type>>
    idle_guards_;

  friend class connection;
};

} // namespace av::ws
