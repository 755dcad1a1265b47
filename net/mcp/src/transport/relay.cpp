#include "av/mcp/relay.hpp"

#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <istream>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <ostream>
#include <string_view>
#include <thread>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

#include "av/base/log.hpp"
#include "av/http/api_call.hpp"
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

/// Follows the session's event stream (`GET`) on a thread of its own and
/// hands on each notification; when the stream ends it reconnects with
/// Last-Event-ID, until stopped or refused.
class event_relay {
public:
  using header_list = std::vector<std::pair<std::string, std::string>>;

  event_relay(relay_target to, header_list headers,
              std::function<void(const std::string&)> write)
    : to_(std::move(to)), headers_(std::move(headers)),
      write_(std::move(write)) {
    thread_ = std::thread{[this] {
      run();
    }};
  }

  ~event_relay() { stop(); }

  void stop() {
    {
      std::lock_guard<std::mutex> guard{mtx_};
      stopping_ = true;
      if (fd_ >= 0)
        ::shutdown(fd_, SHUT_RDWR);
    }
    cv_.notify_all();
    if (thread_.joinable())
      thread_.join();
  }

  /// Pause before reconnecting, as the node's `retry` field suggests.
  static constexpr std::chrono::milliseconds retry{1000};

private:
  void run() {
    for (;;) {
      bool again = true;
      try {
        again = follow();
      } catch (const std::exception& e) {
        log::warn("mcp relay: event stream", {{"error", e.what()}});
      }
      std::unique_lock<std::mutex> guard{mtx_};
      if (!again || cv_.wait_for(guard, retry, [this] { return stopping_; }))
        return;
    }
  }

  /// One connection; false when reconnecting is of no use.
  bool follow() {
    asio::io_context ioc;
    tcp::socket sock{ioc};
    tcp::resolver resolver{ioc};
    asio::connect(sock, resolver.resolve(to_.host, to_.port));
    {
      std::lock_guard<std::mutex> guard{mtx_};
      if (stopping_)
        return false;
      fd_ = sock.native_handle();
    }
    struct forget_fd {
      event_relay* self;
      ~forget_fd() {
        std::lock_guard<std::mutex> guard{self->mtx_};
        self->fd_ = -1;
      }
    } forget{this};
    bhttp::request<bhttp::empty_body> req{bhttp::verb::get, to_.target, 11};
    req.set(bhttp::field::host, to_.host + ":" + to_.port);
    req.set(bhttp::field::accept, "text/event-stream");
    for (auto& [name, value] : headers_)
      req.set(name, value);
    if (!last_id_.empty())
      req.set("Last-Event-ID", last_id_);
    bhttp::write(sock, req);
    beast::flat_buffer buffer;
    bhttp::response_parser<bhttp::buffer_body> parser;
    parser.body_limit(std::numeric_limits<std::uint64_t>::max());
    bhttp::read_header(sock, buffer, parser);
    if (parser.get().result() != bhttp::status::ok) {
      log::warn("mcp relay: no event stream",
                {{"status", parser.get().result_int()}});
      return false;
    }
    std::string pending;
    char chunk[8192];
    while (!parser.is_done()) {
      parser.get().body().data = chunk;
      parser.get().body().size = sizeof(chunk);
      beast::error_code err;
      bhttp::read_some(sock, buffer, parser, err);
      if (err && err != bhttp::error::need_buffer)
        return true;
      pending.append(chunk, sizeof(chunk) - parser.get().body().size);
      // An event ends with an empty line.
      for (auto end = pending.find("\n\n"); end != std::string::npos;
           end = pending.find("\n\n")) {
        handle(pending.substr(0, end));
        pending.erase(0, end + 2);
      }
    }
    return true;
  }

  void handle(const std::string& block) {
    size_t start = 0;
    while (start < block.size()) {
      auto end = block.find('\n', start);
      if (end == std::string::npos)
        end = block.size();
      auto line = std::string_view{block}.substr(start, end - start);
      if (line.substr(0, 4) == "id: ")
        last_id_ = std::string{line.substr(4)};
      else if (line.substr(0, 6) == "data: " && line.size() > 6)
        write_(std::string{line.substr(6)});
      start = end + 1;
    }
  }

  relay_target to_;
  header_list headers_;
  std::function<void(const std::string&)> write_;
  std::string last_id_;
  std::mutex mtx_;
  std::condition_variable cv_;
  bool stopping_ = false;
  int fd_ = -1;
  std::thread thread_;
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
  if (colon != std::string::npos
      && authority.find(']', colon) == std::string::npos) {
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

namespace {

/// What the relay's workers share: the session the node issued, the event
/// stream that follows it, and stdout.
class relay_state {
public:
  relay_state(relay_target to, std::string url, std::string api_key,
              std::ostream& out)
    : to_(std::move(to)), url_(std::move(url)), api_key_(std::move(api_key)),
      out_(out) {
    // nop
  }

  /// The event stream writes through this: it ends first.
  ~relay_state() { stop_events(); }

  const relay_target& target() const { return to_; }

  /// Authorization, session and revision, as the node last issued them.
  event_relay::header_list headers() const {
    std::lock_guard<std::mutex> guard{mtx_};
    event_relay::header_list result;
    if (!api_key_.empty())
      result.emplace_back("Authorization", "Bearer " + api_key_);
    if (!session_.empty())
      result.emplace_back("Mcp-Session-Id", session_);
    if (!version_.empty())
      result.emplace_back("MCP-Protocol-Version", version_);
    return result;
  }

  bool has_session() const {
    std::lock_guard<std::mutex> guard{mtx_};
    return !session_.empty();
  }

  /// Sends one request on `client` with the session's headers.
  bhttp::response<bhttp::string_body>
  request(relay_client& client, bhttp::verb method, std::string body) const {
    bhttp::request<bhttp::string_body> req{method, to_.target, 11};
    req.set(bhttp::field::content_type, "application/json");
    req.set(bhttp::field::accept, "application/json, text/event-stream");
    for (auto& [name, value] : headers())
      req.set(name, value);
    req.body() = std::move(body);
    return client.send(req);
  }

  /// Relays one message on `client` and writes its answer, if any.
  void relay(relay_client& client, const std::string& line) {
    auto id = id_of(line);
    std::string answer;
    try {
      auto res = request(client, bhttp::verb::post, line);
      // initialize answered: later requests name its session and revision.
      if (res.result() == bhttp::status::ok && !res["Mcp-Session-Id"].empty())
        start_session(std::string{res["Mcp-Session-Id"]}, res.body());
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
                {{"url", url_}, {"error", e.what()}});
      if (!id.is_null())
        answer = http::dump(mcp::rpc::error(id, mcp::rpc::internal_error,
                                            "cannot reach the node at " + url_
                                              + ": " + e.what()));
    }
    if (!answer.empty())
      write_line(answer);
  }

  /// Answers and notifications share stdout, one whole line at a time.
  void write_line(const std::string& text) {
    std::lock_guard<std::mutex> guard{out_mtx_};
    out_ << text << '\n' << std::flush;
  }

  void stop_events() {
    std::unique_ptr<event_relay> events;
    {
      std::lock_guard<std::mutex> guard{mtx_};
      events = std::move(events_);
    }
    // Joins its thread: outside the lock.
    events.reset();
  }

private:
  void start_session(std::string session, const std::string& body) {
    std::string version;
    auto init = json::parse(body, nullptr, false);
    if (init.is_object() && init.contains("result"))
      version = init["result"].value("protocolVersion", "");
    stop_events();
    {
      std::lock_guard<std::mutex> guard{mtx_};
      session_ = std::move(session);
      version_ = std::move(version);
    }
    auto events = std::make_unique<event_relay>(
      to_, headers(), [this](const std::string& x) { write_line(x); });
    std::lock_guard<std::mutex> guard{mtx_};
    events_ = std::move(events);
  }

  relay_target to_;
  std::string url_;
  std::string api_key_;
  mutable std::mutex mtx_;
  std::string session_;
  std::string version_;
  std::unique_ptr<event_relay> events_;
  std::mutex out_mtx_;
  std::ostream& out_;
};

/// Lines handed from stdin to the workers: at most `relay_max_in_flight`
/// unanswered at a time.
class relay_queue {
public:
  /// Waits for room, then queues `line`; `alone` waits until everything
  /// before it is answered and returns once it is answered too.
  void push(std::string line, bool alone) {
    std::unique_lock<std::mutex> guard{mtx_};
    room_.wait(guard, [&] {
      return alone ? in_flight_ == 0 : in_flight_ < relay_max_in_flight;
    });
    ++in_flight_;
    lines_.push_back(std::move(line));
    ready_.notify_one();
    if (alone)
      room_.wait(guard, [&] { return in_flight_ == 0; });
  }

  /// The next line; nullopt once closed and empty.
  std::optional<std::string> pop() {
    std::unique_lock<std::mutex> guard{mtx_};
    ready_.wait(guard, [&] { return closed_ || !lines_.empty(); });
    if (lines_.empty())
      return std::nullopt;
    auto line = std::move(lines_.front());
    lines_.pop_front();
    return line;
  }

  /// A popped line was answered.
  void done() {
    std::lock_guard<std::mutex> guard{mtx_};
    --in_flight_;
    room_.notify_all();
  }

  /// No more lines: workers end once the queue is empty.
  void close() {
    std::lock_guard<std::mutex> guard{mtx_};
    closed_ = true;
    ready_.notify_all();
  }

private:
  std::mutex mtx_;
  std::condition_variable ready_;
  std::condition_variable room_;
  std::deque<std::string> lines_;
  size_t in_flight_ = 0;
  bool closed_ = false;
};

bool is_initialize(const std::string& line) {
  auto x = json::parse(line, nullptr, false);
  return x.is_object() && x.value("method", "") == "initialize";
}

} // namespace

int relay_stdio(const std::string& url, const std::string& api_key,
                std::istream& in, std::ostream& out) {
  std::string error;
  auto to = parse_relay_url(url, error);
  if (!to) {
    log::error("mcp relay", {{"error", error}});
    return 2;
  }
  relay_state state{*to, url, api_key, out};
  relay_queue queue;
  std::vector<std::thread> workers;
  for (size_t i = 0; i < relay_max_in_flight; ++i)
    workers.emplace_back([&] {
      // A keep-alive connection per worker, opened at its first message.
      relay_client client{state.target()};
      while (auto line = queue.pop()) {
        state.relay(client, *line);
        queue.done();
      }
    });
  log::info("mcp relay", {{"url", url}, {"in_flight", relay_max_in_flight}});
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line == "\r")
      continue;
    // initialize issues the session the messages after it need.
    auto alone = is_initialize(line);
    queue.push(std::move(line), alone);
  }
  queue.close();
  for (auto& w : workers)
    w.join();
  state.stop_events();
  if (state.has_session()) {
    try {
      relay_client client{*to};
      state.request(client, bhttp::verb::delete_, {});
    } catch (const std::exception&) {
      // The node went first; nothing to end.
    }
  }
  return 0;
}

} // namespace av
