#include "http.hpp"

#include <charconv>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>

#include "av/base/log.hpp"
#include "av/base/text.hpp"
#include "av/config.hpp"
#include "av/net/listener.hpp"

namespace av::mcp {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

namespace {

/// What a request asks, for the log: `tools/call NAME`, another JSON-RPC
/// method, or the HTTP method on /mcp.
std::string action_of(const bhttp::request<bhttp::string_body>& req) {
  auto fallback = std::string{req.method_string()} + " /mcp";
  auto doc = nlohmann::json::parse(req.body(), nullptr, false);
  if (!doc.is_object() || !doc.contains("method") || !doc["method"].is_string())
    return fallback;
  auto method = doc["method"].get<std::string>().substr(0, 64);
  auto params = doc.find("params");
  if (method == "tools/call" && params != doc.end() && params->is_object()
      && params->contains("name") && (*params)["name"].is_string())
    return method + " " + (*params)["name"].get<std::string>().substr(0, 64);
  return method;
}

} // namespace
using status = bhttp::status;

namespace {

/// Time to read one request, and to wait for the next on a kept-alive
/// connection.
constexpr std::chrono::seconds read_timeout{60};
constexpr std::chrono::seconds write_timeout{30};
/// Comment lines on an idle event stream, so proxies keep it open and a
/// vanished client is noticed.
constexpr std::chrono::seconds ping_interval{15};

bool loopback(const std::string& address) {
  return address == "127.0.0.1" || address == "localhost" || address == "::1";
}

/// The host part of a Host header: `[::1]:3001` → `[::1]`, `a:1` → `a`.
std::string host_name(std::string_view host) {
  if (!host.empty() && host.front() == '[')
    return std::string{host.substr(0, host.find(']') + 1)};
  return std::string{host.substr(0, host.find(':'))};
}

bool contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

std::string header(const bhttp::request<bhttp::string_body>& req,
                   std::string_view name) {
  auto x = req[beast::string_view{name.data(), name.size()}];
  return std::string{x.data(), x.size()};
}

} // namespace

http_transport::http_transport(const config::settings& cfg,
                               std::shared_ptr<engine> e)
  : eng(std::move(e)), streams(eng),
    auth(cfg.api_key, cfg.jwt_secret, cfg.jwt_expiry_s, true),
    cors(cfg.allowed_origins, !cfg.api_key.empty()) {
  if (loopback(cfg.bind_address))
    hosts = {"127.0.0.1", "localhost", "[::1]"};
  else if (cfg.bind_address != "0.0.0.0" && cfg.bind_address != "::")
    hosts = {cfg.bind_address.find(':') != std::string::npos
               ? "[" + cfg.bind_address + "]"
               : cfg.bind_address};
}

bool http_transport::origin_allowed(std::string_view origin) const {
  return net::loopback_origin(origin) || cors.allowed(origin);
}

void http_transport::accept() {
  net::accept_loop(
    shared_from_this(), "mcp",
    [self = shared_from_this()](asio::ip::tcp::socket sock) {
      auto s = std::make_shared<http_connection>(self, std::move(sock));
      if (!self->stopping && self->sessions_.add(s.get(), s, max_connections))
        s->start();
      else
        log::warn("mcp connection refused", {{"limit", max_connections}});
    });
}

void http_transport::remove(http_connection* s) {
  sessions_.remove(s);
}

void http_transport::shutdown() {
  stopping = true;
  net::close_acceptor(shared_from_this(), acceptor);
  sessions_.close_all();
}

http_connection::http_connection(std::shared_ptr<http_transport> core,
                                 asio::ip::tcp::socket sock)
  : tcp_connection(std::move(core), std::move(sock)),
    ping_timer_(stream_.get_executor()) {
  // nop
}

http_connection::~http_connection() {
  core_->remove(this);
}

void http_connection::do_close() {
  streaming_ = false;
  frames_.clear();
  ping_timer_.cancel();
  close_socket();
}

void http_connection::read_next() {
  if (core_->stopping || !keep_alive_)
    return do_close();
  parser_.emplace();
  parser_->body_limit(http_transport::max_body_bytes);
  stream_.expires_after(read_timeout);
  bhttp::async_read(
    stream_, buffer_, *parser_,
    beast::bind_front_handler(&http_connection::on_read, shared_from_this()));
}

void http_connection::on_read(beast::error_code err, size_t) {
  origin_.clear();
  if (err == bhttp::error::body_limit) {
    keep_alive_ = false;
    return fail(status::payload_too_large, rpc::invalid_request,
                "the body exceeds "
                  + std::to_string(http_transport::max_body_bytes) + " bytes");
  }
  if (err)
    return do_close();
  auto req = parser_->release();
  keep_alive_ = req.keep_alive();
  handle(req);
}

void http_connection::handle(request& req) {
  origin_ = header(req, "Origin");
  auto target = std::string_view{req.target().data(), req.target().size()};
  if (target.substr(0, target.find('?')) != "/mcp")
    return fail(status::not_found, rpc::invalid_request,
                "no endpoint here; "
                "use /mcp");
  auto& hosts = core_->hosts;
  auto host = host_name(header(req, "Host"));
  if (!hosts.empty()
      && std::find(hosts.begin(), hosts.end(), host) == hosts.end())
    return fail(status::forbidden, rpc::invalid_request,
                "Host " + host + " is not allowed");
  if (!origin_.empty() && !core_->origin_allowed(origin_))
    return fail(status::forbidden, rpc::invalid_request,
                "origin " + origin_
                  + " is not allowed: /mcp takes loopback origins "
                    "(localhost, 127.0.0.1, [::1]) and those in "
                    "ALLOWED_ORIGINS");
  if (req.method() == bhttp::verb::options) {
    res_ = nullptr;
    return send(status::no_content, {});
  }
  caller who;
  beast::error_code peer_err;
  auto peer = stream_.socket().remote_endpoint(peer_err);
  who.address = peer_err ? "unknown" : peer.address().to_string();
  if (core_->auth.enabled()) {
    auto verdict
      = core_->auth.check(header(req, "Authorization"), now_ms() / 1000);
    bool anonymous_reads = core_->eng->config().read_without_key
                           && verdict == net::authenticator::verdict::missing;
    if (verdict != net::authenticator::verdict::ok && !anonymous_reads) {
      net::log_refusal("mcp", who.address, action_of(req),
                       net::to_string(verdict));
      return fail(status::unauthorized, rpc::invalid_request,
                  verdict == net::authenticator::verdict::missing
                    ? "credentials required: Authorization: Bearer "
                      "<MCP_API_KEY>"
                    : "the credentials are not valid");
    }
    who.authenticated = verdict == net::authenticator::verdict::ok;
    // One rate-limit bucket per credential, shared by its sessions.
    if (who.authenticated)
      who.bucket = "key:" + hex_digest(header(req, "Authorization"));
  }
  if (req.method() == bhttp::verb::get)
    return open_stream(req);
  auto session = header(req, "Mcp-Session-Id");
  if (req.method() == bhttp::verb::delete_) {
    if (session.empty())
      return fail(status::bad_request, rpc::invalid_request,
                  "Mcp-Session-Id header is required");
    // An anonymous reader (readWithoutKey) may not end a keyed session.
    if (!who.authenticated && core_->eng->keyed(session)) {
      net::log_refusal("mcp", who.address, "DELETE /mcp", "missing");
      return fail(status::unauthorized, rpc::invalid_request,
                  "credentials required: the session was opened with a "
                  "key; Authorization: Bearer <MCP_API_KEY>");
    }
    if (!core_->eng->close(session))
      return fail(status::not_found, rpc::session_not_found,
                  "Session not found");
    core_->streams.drop(session);
    return send(status::ok, {});
  }
  if (req.method() != bhttp::verb::post)
    return fail(status::method_not_allowed, rpc::invalid_request,
                "use POST, GET for the event stream, or DELETE to end a "
                "session");
  who.session = session;
  post(req, who);
}

void http_connection::post(request& req, const caller& base) {
  auto accept = header(req, "Accept");
  if (!accept.empty() && !contains(accept, "application/json")
      && !contains(accept, "*/*"))
    return fail(status::not_acceptable, rpc::invalid_request,
                "Accept must include application/json");
  if (!contains(header(req, "Content-Type"), "application/json"))
    return fail(status::unsupported_media_type, rpc::invalid_request,
                "Content-Type must be application/json");
  bool parse_failed = false;
  auto msg = rpc::parse(req.body(), parse_failed);
  if (parse_failed)
    return fail(status::bad_request, rpc::parse_error,
                "Parse error: the body is not valid JSON");
  if (msg.kind == rpc::kind::invalid)
    return fail(status::bad_request, rpc::invalid_request,
                "Invalid request: " + msg.error, msg.id);
  auto who = base;
  bool init = msg.method == "initialize";
  if (init) {
    if (msg.kind != rpc::kind::request)
      return fail(status::bad_request, rpc::invalid_request,
                  "initialize must be a request");
    who.session
      = core_->eng->open_session(core_->auth.enabled() && who.authenticated);
    if (who.session.empty())
      return fail(status::service_unavailable, rpc::internal_error,
                  "too many open sessions; retry later", msg.id);
  } else if (!session_ok(req, who.session, msg.id)) {
    return;
  }
  // Without a key each session has a bucket of its own.
  if (who.bucket.empty())
    who.bucket = who.session;
  auto self = shared_from_this();
  auto session_id = init ? who.session : std::string{};
  core_->eng->handle(msg, who, [self, session_id](answer a) {
    self->core_->gate.post(self->stream_.get_executor(),
                           [self, session_id, a = std::move(a)]() mutable {
                             if (a.text.empty())
                               return self->send(status::accepted, {});
                             if (a.error && !session_id.empty())
                               self->core_->eng->close(session_id);
                             self->send(status::ok, std::move(a.text),
                                        a.error ? std::string{} : session_id);
                           });
  });
}

bool http_connection::session_ok(request& req, const std::string& session,
                                 const json& id) {
  if (session.empty()) {
    fail(status::bad_request, rpc::invalid_request,
         "Bad Request: Mcp-Session-Id header is required", id);
    return false;
  }
  if (!core_->eng->touch(session)) {
    fail(status::not_found, rpc::session_not_found, "Session not found", id);
    return false;
  }
  auto version = header(req, "MCP-Protocol-Version");
  auto& known = engine::versions();
  if (!version.empty()
      && std::find(known.begin(), known.end(), version) == known.end()) {
    fail(status::bad_request, rpc::invalid_request,
         "Unsupported MCP-Protocol-Version: " + version, id);
    return false;
  }
  return true;
}

void http_connection::open_stream(request& req) {
  if (!contains(header(req, "Accept"), "text/event-stream"))
    return fail(status::not_acceptable, rpc::invalid_request,
                "Accept must include text/event-stream");
  auto session = header(req, "Mcp-Session-Id");
  if (!session_ok(req, session, nullptr))
    return;
  std::optional<uint64_t> last_id;
  if (auto text = header(req, "Last-Event-ID"); !text.empty()) {
    uint64_t x = 0;
    auto end = text.data() + text.size();
    auto res = std::from_chars(text.data(), end, x);
    if (res.ec != std::errc{} || res.ptr != end)
      return fail(status::bad_request, rpc::invalid_request,
                  "Last-Event-ID: expected an event id of this session's "
                  "stream");
    last_id = x;
  }
  streaming_ = true;
  keep_alive_ = false;
  stream_session_ = session;
  head_ = std::make_shared<bhttp::response<bhttp::empty_body>>(status::ok, 11);
  decorate(*head_);
  head_->set(bhttp::field::content_type, "text/event-stream");
  head_->set("X-Accel-Buffering", "no");
  head_->chunked(true);
  head_writer_
    = std::make_shared<bhttp::response_serializer<bhttp::empty_body>>(*head_);
  writing_ = true;
  stream_.expires_after(write_timeout);
  bhttp::async_write_header(
    stream_, *head_writer_,
    [self = shared_from_this()](beast::error_code err, size_t) {
      self->writing_ = false;
      if (err)
        return self->do_close();
      self->write_frames();
    });
  core_->streams.attach(session, shared_from_this(), last_id);
  watch();
  ping();
}

void http_connection::push(std::string frame) {
  core_->gate.post(
    stream_.get_executor(),
    [self = shared_from_this(), frame = std::move(frame)]() mutable {
      if (!self->streaming_)
        return;
      if (self->frames_.size() >= max_queued) {
        log::warn("mcp event stream dropped: the client reads too slowly",
                  {{"queued", max_queued}});
        return self->do_close();
      }
      self->frames_.push_back(std::move(frame));
      self->write_frames();
    });
}

void http_connection::end_stream() {
  core_->gate.post(stream_.get_executor(), [self = shared_from_this()] {
    self->ending_ = true;
    self->write_frames();
  });
}

void http_connection::write_frames() {
  if (writing_ || !streaming_)
    return;
  if (frames_.empty()) {
    if (!ending_)
      return;
    writing_ = true;
    stream_.expires_after(write_timeout);
    asio::async_write(stream_, bhttp::make_chunk_last(),
                      [self = shared_from_this()](beast::error_code, size_t) {
                        self->do_close();
                      });
    return;
  }
  writing_ = true;
  stream_.expires_after(write_timeout);
  asio::async_write(stream_, bhttp::make_chunk(asio::buffer(frames_.front())),
                    [self = shared_from_this()](beast::error_code err, size_t) {
                      self->writing_ = false;
                      if (err || !self->streaming_)
                        return self->do_close();
                      self->frames_.pop_front();
                      self->write_frames();
                    });
}

void http_connection::watch() {
  // The client sends nothing on this connection; reading ends when it goes.
  stream_.socket().async_read_some(
    asio::buffer(probe_),
    [self = shared_from_this()](beast::error_code err, size_t) {
      if (err || !self->streaming_)
        return self->do_close();
      self->watch();
    });
}

void http_connection::ping() {
  ping_timer_.expires_after(ping_interval);
  ping_timer_.async_wait([self = shared_from_this()](beast::error_code err) {
    if (err || !self->streaming_)
      return;
    // An open stream keeps its session; a session that ended ends it.
    if (!self->core_->eng->touch(self->stream_session_))
      return self->do_close();
    self->push(": ping\n\n");
    self->ping();
  });
}

void http_connection::fail(status code, int rpc_code, const std::string& text,
                           const json& id) {
  send(code, http::dump(rpc::error(id, rpc_code, text)));
}

template <class Response>
void http_connection::decorate(Response& res) {
  res.set(bhttp::field::server, "agent-visualizer");
  res.set(bhttp::field::cache_control, "no-store");
  if (res.result() == status::unauthorized)
    res.set(bhttp::field::www_authenticate, "Bearer");
  if (res.result() == status::method_not_allowed)
    res.set(bhttp::field::allow, "GET, POST, DELETE");
  if (!origin_.empty() && core_->origin_allowed(origin_)) {
    res.set(bhttp::field::vary, "Origin");
    res.set(bhttp::field::access_control_allow_origin,
            core_->cors.allow_origin(origin_));
    res.set(bhttp::field::access_control_expose_headers, "Mcp-Session-Id");
    res.set(bhttp::field::access_control_allow_headers,
            "Authorization, Content-Type, Mcp-Session-Id, "
            "MCP-Protocol-Version, Last-Event-ID");
    res.set(bhttp::field::access_control_allow_methods, "GET, POST, DELETE");
  }
}

void http_connection::send(status code, std::string body,
                           std::string session_id) {
  auto res = std::make_shared<response>(code, 11);
  decorate(*res);
  if (!body.empty())
    res->set(bhttp::field::content_type, "application/json");
  if (!session_id.empty())
    res->set("Mcp-Session-Id", session_id);
  res->body() = std::move(body);
  res->keep_alive(keep_alive_ && !core_->stopping);
  res->prepare_payload();
  res_ = std::move(res);
  stream_.expires_after(write_timeout);
  bhttp::async_write(stream_, *res_,
                     beast::bind_front_handler(&http_connection::on_write,
                                               shared_from_this(),
                                               !res_->keep_alive()));
}

void http_connection::on_write(bool close, beast::error_code err, size_t) {
  res_.reset();
  if (err || close)
    return do_close();
  read_next();
}

} // namespace av::mcp
