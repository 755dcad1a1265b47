#include "sse.hpp"

#include "../engine.hpp"
#include "av/api/event_json.hpp"
#include "av/http/api_call.hpp"
#include "http.hpp"

namespace av::mcp {

namespace {

constexpr size_t debug = 0;
constexpr size_t info = 1;
constexpr size_t warning = 3;

} // namespace

std::optional<size_t> notification_level(const event& e) {
  switch (e.kind()) {
    case event_kind::agent_spawned:
    case event_kind::agent_terminated:
    case event_kind::coordination:
    case event_kind::formation:
    case event_kind::node_joined: return info;
    case event_kind::node_left: return warning;
    case event_kind::agent_state:
      return caf::get<agent_state_changed>(e.payload).to == agent_state::error
               ? warning
               : debug;
    case event_kind::task:
      return caf::get<task_event>(e.payload).phase == task_phase::failed
               ? warning
               : debug;
    case event_kind::tool_called: return debug;
    default: return std::nullopt;
  }
}

namespace {

/// One SSE event; the JSON text holds no newline.
std::string frame(uint64_t id, const std::string& data) {
  return "id: " + std::to_string(id) + "\ndata: " + data + "\n\n";
}

} // namespace

std::string notification_text(const event& e, size_t level) {
  json msg{{"jsonrpc", "2.0"},
           {"method", "notifications/message"},
           {"params",
            {{"level", engine::log_levels()[level]},
             {"logger", "agent-visualizer"},
             {"data", event_json(e)}}}};
  return http::dump(msg);
}

sse_streams::sse_streams(std::shared_ptr<engine> eng) : eng_(std::move(eng)) {
  // nop
}

void sse_streams::attach(const std::string& session,
                         const std::shared_ptr<http_connection>& s,
                         std::optional<uint64_t> last_id) {
  std::lock_guard<std::mutex> guard{mtx_};
  auto& ch = channels_[session];
  // Each message goes out on one stream only: the newest one.
  if (auto old = ch.stream.lock())
    old->end_stream();
  ch.stream = s;
  s->push("id: " + std::to_string(ch.last_id)
          + "\nretry: " + std::to_string(retry_ms) + "\ndata: \n\n");
  if (!last_id)
    return;
  for (auto& [id, text] : ch.recent)
    if (id > *last_id)
      s->push(frame(id, text));
}

void sse_streams::publish(const event& e) {
  auto level = notification_level(e);
  if (!level)
    return;
  // Written once, when the first session wants it.
  std::string text;
  std::lock_guard<std::mutex> guard{mtx_};
  for (auto i = channels_.begin(); i != channels_.end();) {
    auto& [session, ch] = *i;
    auto stream = ch.stream.lock();
    // A session that ended while no stream was open.
    if (!stream && !eng_->known(session)) {
      i = channels_.erase(i);
      continue;
    }
    ++i;
    if (*level < eng_->log_level(session))
      continue;
    if (text.empty())
      text = notification_text(e, *level);
    auto id = ++ch.last_id;
    ch.recent.emplace_back(id, text);
    if (ch.recent.size() > kept)
      ch.recent.pop_front();
    if (stream)
      stream->push(frame(id, text));
  }
}

void sse_streams::drop(const std::string& session) {
  std::lock_guard<std::mutex> guard{mtx_};
  auto i = channels_.find(session);
  if (i == channels_.end())
    return;
  if (auto s = i->second.stream.lock())
    s->end_stream();
  channels_.erase(i);
}

} // namespace av::mcp
