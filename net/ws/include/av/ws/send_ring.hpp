#pragma once

#include <memory>
#include <string>
#include <vector>

#include <sys/socket.h>

namespace av::net {

/// Writes to many sockets in one system call: a WebSocket lane hands a
/// tick's frame to each of its viewers through it instead of one sendmsg
/// per viewer, which on a busy node is most of the kernel's cost of the
/// fan-out. It uses Linux io_uring with non-blocking sends, which the kernel
/// makes at once: a full socket answers -EAGAIN rather than waiting. Where
/// io_uring is unavailable (an old kernel, a seccomp profile such as
/// Docker's default) `open` says why and writers call sendmsg themselves.
class send_ring {
public:
  /// A write waiting in the ring. The ring reads its socket and message
  /// when it flushes, so both stay valid until `sent` is called.
  class sender {
  public:
    virtual ~sender() = default;
    /// The socket to write to; -1 when it has closed meanwhile.
    virtual int fd() = 0;
    virtual const msghdr* message() const = 0;
    /// The outcome: bytes written, or -errno (-EAGAIN: the socket was full
    /// and nothing was written).
    virtual void sent(int result) = 0;
  };

  /// A ring taking `entries` writes per system call, or null with `why`
  /// set.
  static std::unique_ptr<send_ring> open(unsigned entries, std::string& why);

  ~send_ring();

  send_ring(const send_ring&) = delete;
  send_ring& operator=(const send_ring&) = delete;

  /// Queues a write; it is made by `flush`.
  void add(std::shared_ptr<sender> s);

  /// Makes every queued write, `entries` per system call, and tells each
  /// sender its outcome; writes that senders queue meanwhile go out before
  /// it returns.
  void flush();

  /// Writes made and system calls spent on them, since the ring opened.
  uint64_t writes() const { return writes_; }
  uint64_t submissions() const { return submissions_; }

  /// Makes `s`'s write at once with one sendmsg, as the ring would: bytes
  /// written or -errno. For writers with no active ring.
  static int write_now(sender& s);

  /// The ring that writers on this thread queue to now, or null.
  static send_ring* active();

  /// Makes a ring (or none) the thread's active one; on leaving, flushes it
  /// and restores the one before.
  class scope {
  public:
    explicit scope(send_ring* ring);
    ~scope();
    scope(const scope&) = delete;
    scope& operator=(const scope&) = delete;

  private:
    send_ring* ring_;
    send_ring* before_;
  };

private:
  struct impl;

  explicit send_ring(std::unique_ptr<impl> x);

  /// Makes `batch[at, at + n)`'s writes in one submission (one by one when
  /// the ring could not be set up again after a failed submission); sets
  /// their outcomes in `results`.
  void submit(size_t at, size_t n, std::vector<int>& results);

  void write_each_now(size_t at, size_t n, std::vector<int>& results);

  std::unique_ptr<impl> impl_;
  std::vector<std::shared_ptr<sender>> queued_;
  std::vector<std::shared_ptr<sender>> batch_;
  std::vector<int> results_;
  uint64_t writes_ = 0;
  uint64_t submissions_ = 0;
};

} // namespace av::net
