#include "connection.hpp"

#include <boost/asio/dispatch.hpp>

#include "av/base/log.hpp"
#include "av/telemetry/telemetry.hpp"

namespace av::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using json = nlohmann::json;

namespace {

api_error make_error(status code, const char* name, std::string message) {
  api_error err;
  err.code = code;
  err.name = name;
  err.message = std::move(message);
  return err;
}

bool is_mutating(verb m) {
  return m == verb::post || m == verb::put || m == verb::delete_
         || m == verb::patch;
}

} // namespace

connection::connection(std::shared_ptr<server_state> core,
                       asio::ip::tcp::socket sock)
  : tcp_connection(std::move(core), std::move(sock)) {
  beast::error_code err;
  auto peer = stream_.socket().remote_endpoint(err);
  if (!err)
    peer_ = peer.address();
  peer_text_ = err ? "unknown" : peer_.to_string();
  client_ = peer_text_;
}

connection::~connection() {
  core_->remove(this);
}

void connection::do_close() {
  close_socket();
}

void connection::read_next() {
  if (core_->stopping)
    return do_close();
  parser_.emplace();
  parser_->body_limit(core_->limits.max_body_bytes);
  parser_->header_limit(core_->limits.max_header_bytes);
  stream_.expires_after(served_ == 0 ? core_->limits.read_timeout
                                     : core_->limits.idle_timeout);
  bhttp::async_read_header(
    stream_, buffer_, *parser_,
    beast::bind_front_handler(&connection::on_header, shared_from_this()));
}

void connection::on_header(beast::error_code err, size_t) {
  if (err)
    return on_read_error(err);
  if (parser_->is_done())
    return handle();
  stream_.expires_after(core_->limits.read_timeout);
  bhttp::async_read(
    stream_, buffer_, *parser_,
    beast::bind_front_handler(&connection::on_body, shared_from_this()));
}

void connection::on_body(beast::error_code err, size_t) {
  if (err)
    return on_read_error(err);
  handle();
}

void connection::on_read_error(beast::error_code err) {
  method_ = "-";
  path_ = "-";
  origin_.clear();
  head_ = false;
  if_none_match_.clear();
  client_ = peer_text_;
  if (err == bhttp::error::body_limit)
    return reject(make_error(status::payload_too_large, "payload_too_large",
                             "the body exceeds "
                               + std::to_string(core_->limits.max_body_bytes)
                               + " bytes"),
                  true);
  if (err == bhttp::error::header_limit)
    return reject(
      make_error(status::request_header_fields_too_large, "header_too_large",
                 "the request head exceeds "
                   + std::to_string(core_->limits.max_header_bytes) + " bytes"),
      true);
  if (err.category() == beast::error_code{bhttp::error::bad_target}.category()
      && err != bhttp::error::end_of_stream
      && err != bhttp::error::partial_message)
    return reject(make_error(status::bad_request, "bad_request",
                             "malformed request: " + err.message()),
                  true);
  // End of stream, timeout, reset or shutdown: nothing to answer.
  do_close();
}

api_call::send_fn connection::sender() {
  return [self = shared_from_this()](reply x) {
    if (self->core_->stopping)
      return;
    self->core_->gate.post(
      self->stream_.get_executor(),
      [self, x = std::move(x)]() mutable { self->write(std::move(x)); });
  };
}

void connection::reject(const api_error& err, bool close_after) {
  if (close_after)
    keep_alive_ = false;
  started_ = std::chrono::steady_clock::now();
  // Refused before its headers were read: a trace of its own.
  if (!trace_)
    trace_ = tracing::begin_server({});
  write(to_reply(err));
}

void connection::handle() {
  auto req = parser_->release();
  started_ = std::chrono::steady_clock::now();
  ++served_;
  auto method = req.method();
  method_ = std::string{req.method_string()};
  head_ = method == verb::head;
  if_none_match_ = std::string{req[bhttp::field::if_none_match]};
  trace_ = tracing::begin_server(std::string{req["traceparent"]});
  auto forwarded = req["X-Forwarded-For"];
  client_
    = core_->proxies.empty() || peer_text_ == "unknown"
        ? peer_text_
        : core_->proxies.client(peer_, {forwarded.data(), forwarded.size()});
  auto target = req.target();
  path_ = std::string{target.substr(0, target.find('?'))};
  route_ = "none";
  keep_alive_ = req.keep_alive()
                && served_ < core_->limits.max_requests_per_connection
                && !core_->stopping;
  origin_ = std::string{req[bhttp::field::origin]};
  origin_ok_ = origin_.empty() || core_->cors.allowed(origin_);
  std::vector<std::string> path;
  param_list query;
  if (!parse_target({target.data(), target.size()}, path, query))
    return reject(make_error(status::bad_request, "bad_request",
                             "the request target is malformed"),
                  true);
  if (!origin_ok_)
    return reject(
      make_error(status::forbidden, "origin_not_allowed",
                 "origin " + origin_ + " is not in ALLOWED_ORIGINS"),
      false);
  // HEAD is GET without the body.
  auto found = core_->routes.find(head_ ? verb::get : method, path);
  if (found.hit)
    route_ = found.hit->pattern;
  else if (!found.allowed.empty())
    route_ = "unmatched";
  // The dashboard's files: open like /health, since the page must load
  // before it can ask for credentials.
  if (found.allowed.empty() && (method == verb::get || head_)
      && (path.empty() || path.front() != "api")) {
    if (auto x = core_->files.get(path)) {
      route_ = "static";
      return write(std::move(*x));
    }
  }
  if (found.allowed.empty())
    return reject(
      make_error(status::not_found, "not_found", "no route for " + path_),
      false);
  if (method == verb::options)
    return preflight(found.allowed);
  if (!path.empty() && path.front() == "api") {
    auto wait = core_->limiter.admit(client_);
    if (wait.count() > 0) {
      auto err = make_error(status::too_many_requests, "rate_limited",
                            "too many requests; retry later");
      err.retry_after_s = static_cast<int>((wait.count() + 999) / 1000);
      if (core_->tel)
        core_->tel->rate_limited();
      return reject(err, false);
    }
  }
  if (found.hit && core_->ctx && is_mutating(method) && !path.empty()
      && path.front() == "api") {
    // A store's outage buffer is full: refuse new changes rather than drop
    // them.
    for (const auto& store : core_->ctx->stores)
      if (store->full.load()) {
        auto err = make_error(status::service_unavailable, "store_busy",
                              store->name + " is not keeping up; retry later");
        err.retry_after_s = 1;
        return reject(err, false);
      }
  }
  if (!found.hit) {
    auto err = make_error(status::method_not_allowed, "method_not_allowed",
                          method_ + " is not allowed on " + path_);
    auto x = to_reply(err);
    x.headers.emplace_back("Allow", allow_header(found.allowed));
    return write(std::move(x));
  }
  if (found.hit->rule == access::standard
      && core_->auth.required(is_mutating(method))) {
    auto header = req[bhttp::field::authorization];
    auto verdict
      = core_->auth.check({header.data(), header.size()}, now_ms() / 1000);
    if (verdict != net::authenticator::verdict::ok) {
      if (core_->tel)
        core_->tel->auth_failure();
      net::log_refusal("http", client_, method_ + " " + path_,
                       net::to_string(verdict));
      auto err = make_error(status::unauthorized, "unauthorized",
                            verdict == net::authenticator::verdict::missing
                              ? "credentials required: Authorization: Bearer "
                                "<key or token>"
                            : verdict == net::authenticator::verdict::expired
                              ? "the token has expired"
                              : "the credentials are not valid");
      auto x = to_reply(err);
      x.headers.emplace_back("WWW-Authenticate",
                             verdict == net::authenticator::verdict::missing
                               ? "Bearer"
                               : "Bearer error=\"invalid_token\"");
      return write(std::move(x));
    }
  }
  auto body = json::object();
  if (is_mutating(method) && !req.body().empty()) {
    body = json::parse(req.body(), nullptr, false);
    if (body.is_discarded()) {
      auto err = make_error(status::bad_request, "invalid_json",
                            "the body is not valid JSON");
      err.field = "body";
      return reject(err, false);
    }
    if (!body.is_object()) {
      auto err = make_error(status::bad_request, "invalid_argument",
                            "body: expected a JSON object");
      err.field = "body";
      return reject(err, false);
    }
  }
  api_call call{std::move(found.params), std::move(query), std::move(body),
                sender()};
  if (trace_)
    call.set_trace(trace_->ctx);
  try {
    found.hit->fn(call);
  } catch (const std::exception& e) {
    log::error("http handler failed", {{"path", path_}, {"error", e.what()}});
    call.fail(internal_error());
  }
}

void connection::preflight(const std::vector<verb>& allowed) {
  reply x;
  x.code = status::no_content;
  auto methods = allow_header(allowed);
  x.headers.emplace_back("Allow", methods);
  if (!origin_.empty()) {
    x.headers.emplace_back("Access-Control-Allow-Methods", methods);
    x.headers.emplace_back("Access-Control-Allow-Headers",
                           "Authorization, Content-Type");
    x.headers.emplace_back("Access-Control-Max-Age", "600");
  }
  write(std::move(x));
}

void connection::revalidate(reply& x) const {
  if (x.code != status::ok || if_none_match_.empty())
    return;
  for (auto& kvp : x.headers) {
    if (kvp.first != "ETag")
      continue;
    // A list of tags or `*`; ours carry no commas.
    if (if_none_match_ == "*"
        || if_none_match_.find(kvp.second) != std::string::npos) {
      x.code = status::not_modified;
      x.body.clear();
    }
    return;
  }
}

void connection::write(reply x) {
  revalidate(x);
  auto res = std::make_shared<response>(x.code, 11);
  res->set(bhttp::field::server, "agent-visualizer");
  if (x.code != status::no_content && x.code != status::not_modified) {
    res->set(bhttp::field::content_type, "application/json");
    res->body() = std::move(x.body);
  }
  res->set(bhttp::field::cache_control, "no-store");
  res->set("X-Content-Type-Options", "nosniff");
  for (auto& kvp : x.headers)
    res->set(kvp.first, kvp.second);
  if (!origin_.empty()) {
    res->set(bhttp::field::vary, "Origin");
    if (origin_ok_) {
      res->set(bhttp::field::access_control_allow_origin,
               core_->cors.allow_origin(origin_));
      res->set(bhttp::field::access_control_expose_headers,
               "Location, Retry-After");
    }
  }
  res->keep_alive(keep_alive_);
  if (head_) {
    // The length GET would send, and no body.
    auto size = res->body().size();
    res->body().clear();
    if (x.code != status::no_content && x.code != status::not_modified)
      res->content_length(size);
  } else {
    res->prepare_payload();
  }
  auto took = std::chrono::steady_clock::now() - started_;
  if (core_->tel)
    core_->tel->request({method_, route_, static_cast<int>(x.code)},
                        std::chrono::duration<double>(took).count());
  if (trace_) {
    auto span = tracing::end_server(*trace_, method_ + " " + route_);
    // OpenTelemetry's HTTP server conventions.
    span.attributes
      = {{"http.request.method", method_},
         {"http.route", route_},
         {"url.path", path_},
         {"http.response.status_code", static_cast<int64_t>(x.code)}};
    span.error = static_cast<int>(x.code) >= 500;
    tracing::record(std::move(span));
    trace_.reset();
  }
  if (log::enabled(log::level::debug)) {
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                std::chrono::steady_clock::now() - started_)
                .count();
    log::debug("http request", {{"method", method_},
                                {"path", path_},
                                {"status", static_cast<int>(x.code)},
                                {"duration_ms", us / 1000.0},
                                {"client", client_}});
  }
  res_ = std::move(res);
  stream_.expires_after(core_->limits.write_timeout);
  bhttp::async_write(stream_, *res_,
                     beast::bind_front_handler(&connection::on_write,
                                               shared_from_this(),
                                               !res_->keep_alive()));
}

void connection::on_write(bool close_after, beast::error_code err, size_t) {
  res_.reset();
  if (err)
    return do_close();
  if (close_after)
    return linger();
  read_next();
}

void connection::linger() {
  // Closing with unread input would reset the connection and could destroy
  // the answer before the client reads it (413 on a large upload): send FIN
  // first and discard what still arrives, for a short while.
  beast::error_code err;
  stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_send, err);
  if (err)
    return do_close();
  stream_.expires_after(linger_timeout);
  drain();
}

void connection::drain() {
  stream_.async_read_some(
    buffer_.prepare(64 * 1024),
    [self = shared_from_this()](beast::error_code err, size_t) {
      if (err)
        return self->do_close();
      self->drain();
    });
}

} // namespace av::http
