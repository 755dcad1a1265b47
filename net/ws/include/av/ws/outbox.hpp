#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

namespace av::ws {

/// What one WebSocket connection has yet to write, and the order it goes
/// out in. Control messages and events wait in one queue, in order; events
/// are bounded, and an overflow replaces them with a `resync` message. At
/// most one position frame waits (a newer one replaces it); it goes ahead
/// of the queue, taking turns with it. Pure bookkeeping: the connection
/// writes what `take` hands it and keeps the counters.
class outbox {
public:
  /// A serialized message, shared by every session that sends it (the
  /// same type as `av::ws_payload`).
  using payload = std::shared_ptr<const std::string>;

  /// One WebSocket message to write.
  struct message {
    payload data;
    /// A position frame (a binary message).
    bool binary = false;
    /// Events in `data`: 0 for a control message or a frame, more than one
    /// when queued events were coalesced into one JSON array.
    uint32_t events = 0;
  };

  /// What `add_events` did.
  enum class verdict {
    /// The events wait behind what was queued before.
    queued,
    /// They would pass the bound: the queued events are dropped and a
    /// `resync` message waits in their place.
    resync,
    /// As `resync`, but more than `max_resyncs` times in a row: the peer
    /// does not keep up and the session is to end (no message waits).
    too_slow,
  };

  /// Largest message of coalesced events.
  static constexpr size_t max_coalesced_bytes = 64 * 1024;

  /// `max_queued_events` bounds the events waiting (WS_MAX_QUEUED_EVENTS),
  /// `max_resyncs` the resyncs before the peer counts as too slow.
  outbox(size_t max_queued_events, uint32_t max_resyncs);

  /// Queues events behind what waits; `last_seq` is the last one's number,
  /// from which a viewer told to resync rebuilds.
  verdict add_events(const std::vector<payload>& xs, uint64_t last_seq);

  /// Queues a control message behind what waits.
  void add_control(payload x);

  /// Keeps a part of position frame `frame`; the unsent parts of an older
  /// frame are dropped. Returns how many were dropped.
  size_t add_frame(uint64_t frame, payload x);

  /// Moves the next messages into `batch` until it holds `limit` or nothing
  /// waits; false when it added none.
  bool take(std::vector<message>& batch, size_t limit);

  /// Everything was written: the peer keeps up, so its resyncs no longer
  /// count as in a row.
  void caught_up();

  /// Drops the waiting frame (a session about to close sends no more).
  void drop_frames();

  /// Drops everything; returns how many events were dropped.
  size_t clear();

  bool empty() const { return queue_.empty() && frames_.empty(); }

  /// Events waiting (not counting those already taken).
  size_t queued_events() const { return queued_events_; }

private:
  /// The next message to write; false when nothing waits.
  bool pick(message& next);

  /// Takes the next queued event and those right behind it, as one message.
  message take_events();

  /// Drops the queued events, keeping control messages; returns how many.
  size_t clear_events();

  size_t max_queued_events_;
  uint32_t max_resyncs_;
  /// Control messages and events, in order.
  std::deque<message> queue_;
  size_t queued_events_ = 0;
  /// The parts of the waiting frame, and its number.
  std::vector<payload> frames_;
  uint64_t frame_ = 0;
  /// Whether the last message taken was a frame: then the queue goes next.
  bool last_was_frame_ = false;
  uint32_t resyncs_in_row_ = 0;
};

} // namespace av::ws
