#include "connection.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>

#include "av/api/json_mapping.hpp"
#include "av/base/log.hpp"
#include "av/telemetry/tracing.hpp"

namespace av::ws {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace websocket = boost::beast::websocket;
using json = nlohmann::json;

namespace {

ws_payload text(const json& x) {
  return std::make_shared<const std::string>(http::dump(x));
}

json error_msg(const char* code, std::string message) {
  return json{{"type", "error"}, {"code", code}, {"message", message}};
}

bool is_mutating(http::verb m) {
  return m == http::verb::post || m == http::verb::put
         || m == http::verb::delete_ || m == http::verb::patch;
}

} // namespace

template <class F>
void connection::post(F&& fn) {
  core_->gate.post(ws_.get_executor(), std::forward<F>(fn));
}

void connection::arm_deadline() {
  deadline_.expires_after(core_->limits.handshake_timeout);
  deadline_.async_wait([self = weak_from_this()](beast::error_code err) {
    auto s = self.lock();
    if (err || !s)
      return;
    beast::error_code ignored;
    s->ws_.next_layer().socket().close(ignored);
  });
}

connection::connection(std::shared_ptr<stream_state> owner, socket_stream sock,
                       uint64_t id, bool refuse)
  : core_(std::move(owner)), ws_(std::move(sock)),
    deadline_(ws_.get_executor()), id_(id), refuse_(refuse),
    box_(core_->limits.max_queued_events, core_->limits.max_resyncs) {
  beast::error_code err;
  auto peer = ws_.next_layer().socket().remote_endpoint(err);
  client_ = err ? "unknown" : peer.address().to_string();
}

connection::~connection() {
  // The actor must not outlive its connection: the node waits for every
  // actor when it stops.
  if (actor_)
    caf::anon_send_exit(actor_, caf::exit_reason::user_shutdown);
  core_->remove(id_);
}

void connection::start() {
  asio::dispatch(ws_.get_executor(), [self = shared_from_this()] {
    self->arm_deadline();
    self->parser_.emplace();
    self->parser_->body_limit(4096);
    self->parser_->header_limit(16 * 1024);
    bhttp::async_read(self->ws_.next_layer().socket(), self->buffer_,
                      *self->parser_,
                      beast::bind_front_handler(&connection::on_request, self));
  });
}

void connection::on_request(beast::error_code err, size_t) {
  if (err)
    return finish("handshake_failed");
  req_ = parser_->release();
  auto target = req_.target();
  auto path = target.substr(0, target.find('?'));
  if (!websocket::is_upgrade(req_))
    return reject(bhttp::status::upgrade_required,
                  "a WebSocket upgrade is required");
  if (path != "/ws")
    return reject(bhttp::status::not_found, "the WebSocket path is /ws");
  auto origin = req_[bhttp::field::origin];
  if (!origin.empty() && !core_->cors.allowed({origin.data(), origin.size()}))
    return reject(bhttp::status::forbidden, "origin " + std::string{origin}
                                              + " is not in ALLOWED_ORIGINS");
  auto auth = req_[bhttp::field::authorization];
  if (auth.starts_with("Bearer "))
    token_ = std::string{auth.substr(7)};
  deadline_.cancel();
  auto& lim = core_->limits;
  websocket::stream_base::timeout opt;
  opt.handshake_timeout = lim.handshake_timeout;
  // Beast pings after half the idle time without input and closes after the
  // full time: a peer is closed once it missed two heartbeat pings.
  opt.idle_timeout = 2 * lim.heartbeat;
  opt.keep_alive_pings = true;
  ws_.set_option(opt);
  ws_.set_option(
    websocket::stream_base::decorator([](websocket::response_type& res) {
      res.set(bhttp::field::server, "agent-visualizer");
    }));
  if (lim.compression) {
    websocket::permessage_deflate pmd;
    pmd.server_enable = true;
    ws_.set_option(pmd);
    // Beast agrees to what the client offers.
    deflate_
      = req_[bhttp::field::sec_websocket_extensions].find("permessage-deflate")
        != beast::string_view::npos;
  }
  ws_.read_message_max(lim.max_message_bytes);
  // Beast splits messages into 4 KiB fragments by default: one write call
  // each. Whole messages cost one system call apiece.
  ws_.auto_fragment(false);
  // A small kernel buffer keeps a slow viewer's backlog here, where a newer
  // frame replaces an unsent one, rather than in the socket, where frames
  // would queue up for seconds.
  beast::error_code ignored;
  ws_.next_layer().socket().set_option(
    asio::socket_base::send_buffer_size(send_buffer_bytes), ignored);
  ws_.async_accept(req_, beast::bind_front_handler(&connection::on_accept,
                                                   shared_from_this()));
}

void connection::reject(bhttp::status code, std::string why) {
  auto res = std::make_shared<bhttp::response<bhttp::string_body>>(code, 11);
  res->set(bhttp::field::server, "agent-visualizer");
  res->set(bhttp::field::content_type, "application/json");
  res->body() = http::dump(
    json{{"error", {{"code", static_cast<int>(code)}, {"message", why}}}});
  res->keep_alive(false);
  res->prepare_payload();
  reason_
    = code == bhttp::status::forbidden ? "origin_rejected" : "bad_upgrade";
  bhttp::async_write(
    ws_.next_layer().socket(), *res,
    [self = shared_from_this(), res](beast::error_code, size_t) {
      self->finish("bad_upgrade");
    });
}

void connection::on_accept(beast::error_code err) {
  if (err)
    return finish("handshake_failed");
  // A close while the handshake was on its way has finished the connection.
  if (phase_ == phase::closed)
    return;
  phase_ = phase::open;
  if (refuse_) {
    return close_with(websocket::close_code::try_again_later,
                      "too many connections (WS_MAX_CONNECTIONS "
                        + std::to_string(core_->limits.max_connections) + ")",
                      "max_connections");
  }
  ++core_->stats->sessions_open;
  ++core_->stats->sessions_total;
  actor_ = core_->env.sys->spawn(
    av::ws_session, std::weak_ptr<ws_outlet>{shared_from_this()}, id_);
  core_->enlist(id_, actor_);
  auto& lim = core_->limits;
  control(json{{"type", "hello"},
               {"protocol", 1},
               {"seq", core_->env.ctx->bus.last_seq()},
               {"heartbeatMs", lim.heartbeat.count()},
               {"maxMessageBytes", lim.max_message_bytes},
               {"maxVisibleAgents", lim.max_visible_agents},
               {"maxFps", lim.max_fps}});
  read_next();
}

void connection::read_next() {
  ws_.async_read(buffer_, beast::bind_front_handler(&connection::on_read,
                                                    shared_from_this()));
}

void connection::on_read(beast::error_code err, size_t) {
  if (err) {
    if (err == websocket::error::message_too_big)
      return linger("too_big");
    if (err == beast::error::timeout)
      return finish("heartbeat_timeout");
    if (err == websocket::error::closed)
      return finish("client_closed");
    return finish("connection_lost");
  }
  if (!ws_.got_text()) {
    buffer_.consume(buffer_.size());
    bad_message("binary_not_allowed", "the server takes JSON text messages");
  } else {
    auto msg = beast::buffers_to_string(buffer_.data());
    buffer_.consume(buffer_.size());
    handle(msg);
  }
  if (auto now = phase_.load(); now == phase::open || now == phase::draining)
    read_next();
}

void connection::handle(const std::string& text) {
  using kind = client_message::kind;
  ws_filter defaults;
  defaults.max_agents = core_->limits.max_visible_agents;
  defaults.fps = core_->limits.max_fps;
  auto msg = parse_client_message(text, defaults);
  switch (msg.what) {
    case kind::invalid: return bad_message(msg.code, std::move(msg.error));
    case kind::subscribe: return subscribe(msg);
    case kind::unsubscribe:
      if (subscribed_)
        caf::anon_send(core_->hub, atom::unsub::value, id_);
      subscribed_ = false;
      return control(json{{"type", "unsubscribed"}});
    case kind::ping: {
      json pong{{"type", "pong"}, {"time", now_ms()}};
      if (msg.doc.contains("id"))
        pong["id"] = msg.doc["id"];
      return control(pong);
    }
    case kind::auth:
      token_ = *msg.token;
      return control(json{{"type", "auth"}, {"ok", true}});
    case kind::command: return command(msg.doc);
  }
}

void connection::subscribe(client_message& msg) {
  if (msg.token)
    token_ = *msg.token;
  subscribed_ = true;
  caf::anon_send(core_->hub, atom::subscribe::value,
                 ws_subscription{id_, actor_, std::move(msg.filter),
                                 weak_from_this(), msg.format});
}

namespace {

/// The trace span of a command, from its start to its answer.
struct command_trace {
  /// Empty while tracing is off or when the caller does not sample.
  std::optional<tracing::server_start> start;
  std::string method = "-";
  /// The matched route's pattern, as the HTTP API's spans name it.
  std::string route = "none";

  /// Records the command's server span, answered with `status`.
  void end(int status) const {
    if (!start)
      return;
    auto span = tracing::end_server(*start, "WS " + method + " " + route);
    span.attributes = {{"http.request.method", method},
                       {"http.route", route},
                       {"http.response.status_code", int64_t{status}},
                       {"network.protocol.name", std::string{"websocket"}}};
    span.error = status >= 500;
    tracing::record(std::move(span));
  }
};

} // namespace

void connection::command(const json& msg) {
  ++core_->stats->commands;
  auto trace = std::make_shared<command_trace>();
  command_request req;
  auto refused = parse_command(msg, req);
  trace->start = tracing::begin_server(req.traceparent);
  trace->method = req.method_name;
  // Answers come from actor threads: through push_control, which posts to
  // the connection's I/O thread.
  auto result
    = [self = shared_from_this(), id = req.id, trace](int code, json body) {
        trace->end(code);
        self->push_control(text(json{{"type", "result"},
                                     {"id", id},
                                     {"status", code},
                                     {"body", std::move(body)}}));
      };
  auto fail = [&](http::status code, const char* name, std::string message) {
    result(static_cast<int>(code),
           json{{"error", {{"code", name}, {"message", message}}}});
  };
  if (refused)
    return fail(refused->code, refused->name, std::move(refused->message));
  auto method = req.method;
  auto& method_name = req.method_name;
  auto found = core_->routes.find(method, req.path);
  if (found.allowed.empty())
    return fail(http::status::not_found, "not_found", "no such route");
  if (!found.hit)
    return fail(http::status::method_not_allowed, "method_not_allowed",
                method_name + " is not allowed there");
  trace->route = found.hit->pattern;
  // Commands share the HTTP API's limit, in a bucket of their own.
  auto wait = core_->limiter.admit(client_);
  if (wait.count() > 0) {
    if (core_->env.tel)
      core_->env.tel->rate_limited();
    return result(static_cast<int>(http::status::too_many_requests),
                  json{{"error",
                        {{"code", "rate_limited"},
                         {"message", "too many requests; retry later"},
                         {"retryAfter", (wait.count() + 999) / 1000}}}});
  }
  if (found.hit->rule == http::access::standard
      && core_->auth.required(is_mutating(method))) {
    auto verdict = core_->auth.check(token_.empty() ? "" : "Bearer " + token_,
                                     now_ms() / 1000);
    if (verdict != net::authenticator::verdict::ok) {
      std::string path;
      for (const auto& segment : req.path)
        path += "/" + segment;
      net::log_refusal("websocket", client_, method_name + " " + path,
                       net::to_string(verdict));
      return fail(http::status::unauthorized, "unauthorized",
                  verdict == net::authenticator::verdict::missing
                    ? "credentials required: send {\"type\":\"auth\","
                      "\"token\":…} first"
                  : verdict == net::authenticator::verdict::expired
                    ? "the token has expired"
                    : "the credentials are not valid");
    }
  }
  if (!req.body_ok)
    return fail(http::status::bad_request, "invalid_argument",
                "body: expected a JSON object");
  http::api_call call{std::move(found.params), std::move(req.query),
                      std::move(req.body), [result](http::reply x) {
                        auto doc = json::parse(x.body, nullptr, false);
                        result(static_cast<int>(x.code),
                               doc.is_discarded() ? json{} : doc);
                      }};
  if (trace->start)
    call.set_trace(trace->start->ctx);
  try {
    found.hit->fn(call);
  } catch (const std::exception& e) {
    log::error("ws command failed", {{"error", e.what()}});
    call.fail(http::internal_error());
  }
}

void connection::bad_message(const char* code, std::string message) {
  ++core_->stats->bad_messages;
  if (++bad_ >= core_->limits.max_bad_messages)
    return close_with(websocket::close_code::policy_error,
                      "too many malformed messages", "bad_messages");
  control(error_msg(code, std::move(message)));
}

void connection::control(const json& msg) {
  enqueue_control(text(msg));
}

void connection::push_events(std::vector<ws_payload> xs, uint64_t last_seq) {
  if (phase_ == phase::closed)
    return;
  post([self = shared_from_this(), xs = std::move(xs), last_seq]() mutable {
    self->enqueue_events(xs, last_seq);
  });
}

void connection::push_frame(uint64_t frame, ws_payload x) {
  if (phase_ == phase::closed)
    return;
  post([self = shared_from_this(), frame, x = std::move(x)]() mutable {
    self->enqueue_frame(frame, std::move(x));
  });
}

void connection::push_control(ws_payload x) {
  if (phase_ == phase::closed)
    return;
  post([self = shared_from_this(), x = std::move(x)]() mutable {
    self->enqueue_control(std::move(x));
  });
}

bool connection::taking() const {
  auto now = phase_.load();
  return now == phase::upgrading || now == phase::open;
}

void connection::enqueue_control(ws_payload x) {
  if (!taking())
    return;
  box_.add_control(std::move(x));
  pump();
}

void connection::take(const ws_push& x) {
  // The lane flushes after handing out all it has: one write for it all.
  holding_ = true;
  switch (x.kind) {
    case ws_push::what::events: return enqueue_events(x.payloads, x.seq);
    case ws_push::what::frame:
      for (auto& p : x.payloads)
        enqueue_frame(x.seq, p);
      return;
    case ws_push::what::control:
      for (auto& p : x.payloads)
        enqueue_control(p);
      return;
  }
}

void connection::flush() {
  holding_ = false;
  pump();
}

ws_lane* connection::lane() {
  return &core_->lane_of(id_);
}

void connection::enqueue_events(const std::vector<ws_payload>& xs,
                                uint64_t last_seq) {
  if (!taking() || !subscribed_)
    return;
  auto& st = *core_->stats;
  // An overflow drops every queued event.
  auto queued = static_cast<int64_t>(box_.queued_events());
  switch (box_.add_events(xs, last_seq)) {
    case outbox::verdict::queued:
      st.events_queued += xs.size();
      st.events_pending += static_cast<int64_t>(xs.size());
      break;
    case outbox::verdict::resync:
      st.events_pending -= queued;
      ++st.resyncs;
      break;
    case outbox::verdict::too_slow:
      st.events_pending -= queued;
      ++st.resyncs;
      // A write is stuck behind a peer that does not read; a close frame
      // would wait behind it too.
      reason_ = "too_slow";
      return finish("too_slow");
  }
  pump();
}

void connection::enqueue_frame(uint64_t frame, ws_payload x) {
  if (!taking() || !subscribed_)
    return;
  core_->stats->frames_coalesced += box_.add_frame(frame, std::move(x));
  pump();
}

void connection::pump() {
  for (;;) {
    auto now = phase_.load();
    if (writing_ || holding_ || now == phase::upgrading || now == phase::closed)
      return;
    if (now == phase::closing) {
      // The close keeps `writing_` set until it has finished the
      // connection, so it is sent once.
      writing_ = true;
      return ws_.async_close(close_,
                             [self = shared_from_this()](beast::error_code) {
                               self->writing_ = false;
                               self->finish("closed");
                             });
    }
    batch_.clear();
    if (!box_.take(batch_, 1)) {
      box_.caught_up();
      if (now == phase::draining)
        close_with(static_cast<websocket::close_code>(close_.code),
                   std::string{close_.reason.c_str()}, reason_.c_str());
      return;
    }
    writing_ = true;
    auto& first = batch_.front();
    // Frames, and text too unless it is to be compressed, skip Beast's
    // write path (uncompressed frames even with permessage-deflate on, which
    // RFC 7692 allows per message).
    bool compress = !first.binary && deflate_;
    if (compress || !ws_.is_open() || !ws_.next_layer().idle()) {
      ws_.binary(first.binary);
      return ws_.async_write(
        asio::buffer(*first.data),
        [self = shared_from_this()](beast::error_code err, size_t) {
          if (self->batch_done(err))
            self->pump();
        });
    }
    // What else waits goes in the same system call (all of it can when
    // nothing is compressed).
    if (!deflate_)
      box_.take(batch_, frame_stream::max_batch);
    out_.clear();
    for (auto& x : batch_)
      out_.push_back(frame_stream::outgoing{x.data.get(), x.binary});
    beast::error_code err;
    auto whole = ws_.next_layer().write_messages(
      out_, err, [self = shared_from_this()](beast::error_code err) {
        if (self->batch_done(err))
          self->pump();
      });
    if (err) {
      batch_done(err);
      return;
    }
    if (!whole)
      return;
    batch_done({});
  }
}

bool connection::batch_done(beast::error_code err) {
  writing_ = false;
  // Shared counters, touched by every I/O thread: only those that change.
  auto& st = *core_->stats;
  for (auto& x : batch_) {
    if (x.events > 0)
      st.events_pending -= x.events;
    if (err)
      continue;
    st.bytes_sent.add(x.data->size());
    if (x.binary)
      st.frames_sent.add(1);
    if (x.events > 0)
      st.events_sent.add(x.events);
  }
  if (err) {
    finish("connection_lost");
    return false;
  }
  return true;
}

void connection::close_with(websocket::close_code code, std::string reason,
                            const char* metric) {
  // Called only once open (the refusal, bad messages, a drained queue).
  if (auto now = phase_.load(); now != phase::open && now != phase::draining)
    return;
  if (reason_.empty())
    reason_ = metric;
  close_ = websocket::close_reason{code, reason};
  phase_ = phase::closing;
  core_->stats->events_pending -= static_cast<int64_t>(box_.clear());
  pump();
}

void connection::close_after_queue(websocket::close_code code,
                                   std::string reason, const char* metric) {
  if (phase_ != phase::open)
    return;
  box_.drop_frames();
  if (!writing_ && box_.empty())
    return close_with(code, std::move(reason), metric);
  if (reason_.empty())
    reason_ = metric;
  close_ = websocket::close_reason{code, reason};
  phase_ = phase::draining;
  // A stuck write would hold the close for ever.
  arm_deadline();
}

void connection::close() {
  post([self = shared_from_this()] {
    if (self->phase_ == phase::upgrading)
      return self->finish("shutdown");
    self->close_after_queue(websocket::close_code::going_away,
                            "the server is shutting down", "shutdown");
  });
}

void connection::linger(const char* reason) {
  if (reason_.empty())
    reason_ = reason;
  beast::error_code err;
  ws_.next_layer().socket().shutdown(asio::ip::tcp::socket::shutdown_send, err);
  if (err)
    return finish(reason);
  arm_deadline();
  drain();
}

void connection::drain() {
  buffer_.consume(buffer_.size());
  ws_.next_layer().socket().async_read_some(
    buffer_.prepare(64 * 1024),
    [self = shared_from_this()](beast::error_code err, size_t) {
      if (err)
        return self->finish("closed");
      self->drain();
    });
}

void connection::finish(const char* reason) {
  auto was = phase_.exchange(phase::closed);
  if (was == phase::closed)
    return;
  core_->stats->events_pending -= static_cast<int64_t>(box_.clear());
  auto why = reason_.empty() ? std::string{reason} : reason_;
  core_->stats->closed(why);
  if (subscribed_)
    caf::anon_send(core_->hub, atom::unsub::value, id_);
  if (actor_)
    caf::anon_send_exit(actor_, caf::exit_reason::user_shutdown);
  if (was != phase::upgrading && !refuse_)
    --core_->stats->sessions_open;
  if (!refuse_)
    --core_->admitted_;
  beast::error_code ignored;
  deadline_.cancel();
  auto& sock = ws_.next_layer().socket();
  sock.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  sock.close(ignored);
}

} // namespace av::ws
