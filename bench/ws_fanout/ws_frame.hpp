#pragma once

// WebSocket framing for the fan-out viewers (RFC 6455): a streaming reader of
// server frames that keeps only the bytes the benchmark looks at, and the
// masked frames a client sends.

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace ws_frame {

enum opcode : uint8_t {
  continuation = 0x0,
  text = 0x1,
  binary = 0x2,
  close = 0x8,
  ping = 0x9,
  pong = 0xA,
};

/// A whole data message, its fragments assembled.
struct message {
  bool binary = false;
  /// Payload bytes of the whole message.
  uint64_t size = 0;
  /// The payload's first bytes: a text message up to the reader's text
  /// limit, the first `reader::binary_head` bytes of a binary one.
  std::string_view data;
};

/// The header of a final frame of `n` payload bytes, up to the mask key:
/// opcode `op`, the mask bit when `mask`.
inline std::string header(uint8_t op, uint64_t n, bool mask) {
  std::string out;
  out.push_back(static_cast<char>(0x80 | op));
  char bit = mask ? static_cast<char>(0x80) : 0;
  if (n < 126) {
    out.push_back(static_cast<char>(bit | n));
  } else if (n <= 0xFFFF) {
    out.push_back(static_cast<char>(bit | 126));
    out.push_back(static_cast<char>(n >> 8));
    out.push_back(static_cast<char>(n));
  } else {
    out.push_back(static_cast<char>(bit | 127));
    for (int shift = 56; shift >= 0; shift -= 8)
      out.push_back(static_cast<char>(n >> shift));
  }
  return out;
}

/// A client frame: FIN set, masked with `mask_key` (client frames must be
/// masked, RFC 6455 5.3).
inline std::string masked(uint8_t op, std::string_view payload,
                          uint32_t mask_key) {
  auto out = header(op, payload.size(), true);
  out.reserve(out.size() + 4 + payload.size());
  char key[4];
  std::memcpy(key, &mask_key, 4);
  out.append(key, 4);
  for (size_t i = 0; i < payload.size(); ++i)
    out.push_back(static_cast<char>(payload[i] ^ key[i % 4]));
  return out;
}

/// Parses the frames a server sends, however the bytes are split across
/// reads. Data messages go to `sink.on_message(const message&)` once whole,
/// control frames to `sink.on_control(opcode, std::string_view payload)`.
class reader {
public:
  /// Bytes kept of a binary message: its header is all the benchmark reads.
  static constexpr size_t binary_head = 64;

  /// `text_limit`: bytes kept of a text message (its size still counts all).
  explicit reader(size_t text_limit) : text_limit_(text_limit) {}

  /// Feeds received bytes. Returns false, with `error()` saying why, on a
  /// frame a server must not send; bytes after a close frame are ignored.
  template <class Sink>
  bool feed(const unsigned char* p, size_t n, Sink& sink) {
    while (n > 0 && !closed_) {
      if (!in_payload_) {
        auto take = std::min(n, need_ - have_);
        std::memcpy(head_ + have_, p, take);
        have_ += take;
        p += take;
        n -= take;
        if (have_ < need_)
          return true;
        if (need_ == 2) {
          if ((head_[1] & 0x80) != 0)
            return fail("a masked frame from the server");
          auto len7 = head_[1] & 0x7F;
          need_ += len7 == 126 ? 2 : len7 == 127 ? 8 : 0;
          if (need_ > 2)
            continue;
        }
        if (!start_frame())
          return false;
      } else {
        auto take = static_cast<size_t>(std::min<uint64_t>(n, remaining_));
        keep(p, take);
        p += take;
        n -= take;
        remaining_ -= take;
      }
      if (in_payload_ && remaining_ == 0)
        end_frame(sink);
    }
    return true;
  }

  const std::string& error() const { return error_; }

private:
  bool fail(std::string why) {
    error_ = std::move(why);
    return false;
  }

  /// The header is complete: checks it and sets up the payload.
  bool start_frame() {
    if ((head_[0] & 0x70) != 0)
      return fail("reserved bits set (no extension was negotiated)");
    fin_ = (head_[0] & 0x80) != 0;
    op_ = head_[0] & 0x0F;
    auto len7 = head_[1] & 0x7F;
    remaining_ = len7;
    if (len7 >= 126) {
      remaining_ = 0;
      for (size_t i = 2; i < need_; ++i)
        remaining_ = remaining_ << 8 | head_[i];
      if (len7 == 127 && remaining_ >> 63 != 0)
        return fail("a 64-bit length with its top bit set");
    }
    if ((op_ & 0x8) != 0) {
      if (op_ != close && op_ != ping && op_ != pong)
        return fail("unknown control opcode " + std::to_string(op_));
      if (!fin_ || remaining_ > 125)
        return fail("a fragmented or long control frame");
      control_.clear();
    } else if (op_ == continuation) {
      if (!in_message_)
        return fail("a continuation frame outside a message");
    } else if (op_ == text || op_ == binary) {
      if (in_message_)
        return fail("a new message inside a fragmented one");
      in_message_ = true;
      message_op_ = op_;
      size_ = 0;
      kept_.clear();
    } else {
      return fail("unknown data opcode " + std::to_string(op_));
    }
    in_payload_ = true;
    return true;
  }

  void keep(const unsigned char* p, size_t n) {
    auto chars = reinterpret_cast<const char*>(p);
    if ((op_ & 0x8) != 0) {
      control_.append(chars, n);
      return;
    }
    size_ += n;
    auto limit = message_op_ == binary ? binary_head : text_limit_;
    if (kept_.size() < limit)
      kept_.append(chars, std::min(n, limit - kept_.size()));
  }

  template <class Sink>
  void end_frame(Sink& sink) {
    in_payload_ = false;
    have_ = 0;
    need_ = 2;
    if ((op_ & 0x8) != 0) {
      closed_ = op_ == close;
      sink.on_control(op_, std::string_view{control_});
      return;
    }
    if (!fin_)
      return;
    in_message_ = false;
    sink.on_message(message{message_op_ == binary, size_, kept_});
  }

  size_t text_limit_;
  // The frame header being read: 2 bytes, then the extended length.
  unsigned char head_[10] = {};
  size_t have_ = 0;
  size_t need_ = 2;
  // The frame whose payload is being read.
  bool in_payload_ = false;
  bool fin_ = false;
  uint8_t op_ = 0;
  uint64_t remaining_ = 0;
  std::string control_;
  // The data message being assembled.
  bool in_message_ = false;
  uint8_t message_op_ = 0;
  uint64_t size_ = 0;
  std::string kept_;
  bool closed_ = false;
  std::string error_;
};

} // namespace ws_frame
