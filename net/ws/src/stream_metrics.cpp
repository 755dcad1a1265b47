#include "av/ws/server.hpp"

#include "av/telemetry/metric_family.hpp"

namespace av {

namespace pm = prometheus;
using metrics::family;
using metrics::sample;

namespace {

void collect_stream(ws_stats& stats, std::vector<pm::MetricFamily>& out) {
  auto single = [&](const char* name, const char* help, pm::MetricType type,
                    double value) {
    auto f = family(name, help, type);
    f.metric.push_back(sample({}, value, type));
    out.push_back(std::move(f));
  };
  auto counter = pm::MetricType::Counter;
  auto gauge = pm::MetricType::Gauge;
  single("agentviz_ws_sessions", "WebSocket sessions open.", gauge,
         static_cast<double>(stats.sessions_open.load()));
  single("agentviz_ws_sessions_total", "WebSocket sessions accepted.", counter,
         static_cast<double>(stats.sessions_total.load()));
  auto sent = family("agentviz_ws_messages_sent_total",
                     "WebSocket messages written, by kind (frame: binary "
                     "position frames; event: JSON events; control "
                     "messages are not counted).",
                     counter);
  sent.metric.push_back(sample({{"kind", "frame"}},
                               static_cast<double>(stats.frames_sent.load()),
                               counter));
  sent.metric.push_back(sample({{"kind", "event"}},
                               static_cast<double>(stats.events_sent.load()),
                               counter));
  out.push_back(std::move(sent));
  single("agentviz_ws_bytes_sent_total", "Bytes written to WebSocket peers.",
         counter, static_cast<double>(stats.bytes_sent.load()));
  single("agentviz_ws_frames_coalesced_total",
         "Unsent position frames replaced by a newer one (slow viewers).",
         counter, static_cast<double>(stats.frames_coalesced.load()));
  single("agentviz_ws_frames_skipped_total",
         "Position frames a session's frame rate left out.", counter,
         static_cast<double>(stats.frames_skipped.load()));
  auto payloads = family("agentviz_ws_frame_payloads_total",
                         "Position frame payloads encoded, by format (at "
                         "most one per tick part, format and filter group).",
                         counter);
  for (auto f : ws::all_frame_formats)
    payloads.metric.push_back(sample(
      {{"format", ws::to_string(f)}},
      static_cast<double>(stats.frame_payloads[static_cast<size_t>(f)].load()),
      counter));
  out.push_back(std::move(payloads));
  single("agentviz_ws_events_queued_total", "Events queued for sessions.",
         counter, static_cast<double>(stats.events_queued.load()));
  single("agentviz_ws_events_pending", "Events queued and not yet written.",
         gauge, static_cast<double>(stats.events_pending.load()));
  single("agentviz_ws_resyncs_total",
         "Sessions told to rebuild from the snapshot after falling behind.",
         counter, static_cast<double>(stats.resyncs.load()));
  single("agentviz_ws_commands_total", "Commands received over WebSockets.",
         counter, static_cast<double>(stats.commands.load()));
  single("agentviz_ws_bad_messages_total",
         "Malformed messages received over WebSockets.", counter,
         static_cast<double>(stats.bad_messages.load()));
  single("agentviz_ws_ring_writes_total",
         "Writes to WebSocket peers made through io_uring (WS_IO_URING).",
         counter, static_cast<double>(stats.ring_writes.load()));
  single("agentviz_ws_ring_submissions_total",
         "io_uring submissions (system calls) that made those writes.", counter,
         static_cast<double>(stats.ring_submissions.load()));
  auto closes = family("agentviz_ws_closes_total",
                       "WebSocket sessions closed, by reason.", counter);
  {
    std::lock_guard<std::mutex> guard{stats.mtx};
    for (auto& [reason, n] : stats.closes)
      closes.metric.push_back(
        sample({{"reason", reason}}, static_cast<double>(n), counter));
  }
  out.push_back(std::move(closes));
}

} // namespace

metrics::collector ws_server::metrics() const {
  return [stats = stats_](std::vector<pm::MetricFamily>& out) {
    collect_stream(*stats, out);
  };
}

} // namespace av
