#include "av/ws/send_ring.hpp"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>

#include <sys/socket.h>

#ifdef AV_HAVE_LIBURING
#  include <liburing.h>
#endif

namespace av::net {

namespace {

thread_local send_ring* current = nullptr;

/// Not yet known.
constexpr int unset = INT_MIN;

} // namespace

int send_ring::write_now(sender& s) {
  int fd = s.fd();
  if (fd < 0)
    return -EBADF;
  for (;;) {
    auto n = ::sendmsg(fd, s.message(), MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n >= 0)
      return static_cast<int>(n);
    if (errno != EINTR)
      return -errno;
  }
}

send_ring* send_ring::active() {
  return current;
}

send_ring::scope::scope(send_ring* ring) : ring_(ring), before_(current) {
  current = ring;
}

send_ring::scope::~scope() {
  if (ring_ != nullptr)
    ring_->flush();
  current = before_;
}

#ifdef AV_HAVE_LIBURING

struct send_ring::impl {
  io_uring ring{};
  /// Whether `ring` is set up (and is to be torn down).
  bool live = false;
  unsigned entries = 0;
  /// Batch indices of the writes in the submission queue, in order.
  std::vector<size_t> queued;

  ~impl() {
    if (live)
      io_uring_queue_exit(&ring);
  }
};

std::unique_ptr<send_ring> send_ring::open(unsigned entries, std::string& why) {
  auto x = std::make_unique<impl>();
  io_uring_params params{};
  if (int err = io_uring_queue_init_params(entries, &x->ring, &params);
      err < 0) {
    why = std::string{"io_uring unavailable: "} + std::strerror(-err);
    return nullptr;
  }
  x->live = true;
  x->entries = params.sq_entries;
  // Timed waits bound a write that the kernel would make wait after all.
  if ((params.features & IORING_FEAT_EXT_ARG) == 0) {
    why = "io_uring lacks timed waits (Linux 5.11 or later needed)";
    return nullptr;
  }
  return std::unique_ptr<send_ring>{new send_ring{std::move(x)}};
}

void send_ring::submit(size_t at, size_t n, std::vector<int>& results) {
  if (!impl_)
    return write_each_now(at, n, results);
  auto& ring = impl_->ring;
  auto& queued = impl_->queued;
  queued.clear();
  for (size_t i = 0; i < n; ++i) {
    auto& s = *batch_[at + i];
    int fd = s.fd();
    if (fd < 0) {
      results[i] = -EBADF;
      continue;
    }
    // Never null: `n` is at most the queue's size and the queue is empty.
    auto* sqe = io_uring_get_sqe(&ring);
    io_uring_prep_sendmsg(sqe, fd, s.message(), MSG_DONTWAIT | MSG_NOSIGNAL);
    io_uring_sqe_set_data64(sqe, i);
    queued.push_back(i);
  }
  if (queued.empty())
    return;
  ++submissions_;
  int taken = io_uring_submit(&ring);
  while (taken == -EINTR || taken == -EAGAIN)
    taken = io_uring_submit(&ring);
  // The kernel takes submissions in order; what it refused is written
  // directly once the rest is out, and the ring starts afresh so that the
  // refused entries are never made as well.
  size_t made = taken > 0 ? static_cast<size_t>(taken) : 0;
  constexpr uint64_t cancel_tag = uint64_t{1} << 63;
  size_t got = 0;
  size_t cancels = 0;
  bool cancelled = false;
  bool broken = false;
  while (got < made || cancels > 0) {
    io_uring_cqe* cqe = nullptr;
    int err;
    if (!cancelled) {
      __kernel_timespec limit{0, 100'000'000};
      err = io_uring_wait_cqe_timeout(&ring, &cqe, &limit);
    } else {
      err = io_uring_wait_cqe(&ring, &cqe);
    }
    if (err == -ETIME && !cancelled) {
      // A kernel that parks a non-blocking send on a full socket: cancel
      // what is left (it wrote nothing) rather than hold the thread.
      for (size_t k = 0; k < made; ++k)
        if (results[queued[k]] == unset) {
          auto* sqe = io_uring_get_sqe(&ring);
          io_uring_prep_cancel64(sqe, queued[k], 0);
          io_uring_sqe_set_data64(sqe, cancel_tag | queued[k]);
          ++cancels;
        }
      io_uring_submit(&ring);
      cancelled = true;
      continue;
    }
    if (err == -EINTR)
      continue;
    if (err < 0) {
      broken = true;
      break;
    }
    auto tag = io_uring_cqe_get_data64(cqe);
    if ((tag & cancel_tag) != 0) {
      --cancels;
    } else {
      results[tag] = cqe->res == -ECANCELED ? -EAGAIN : cqe->res;
      ++got;
    }
    io_uring_cqe_seen(&ring, cqe);
  }
  if (made == queued.size() && !broken)
    return;
  // What the kernel never took is written directly; a write whose outcome
  // was lost fails its connection. The ring starts afresh, so that nothing
  // it refused is ever made as well.
  for (size_t k = 0; k < queued.size(); ++k) {
    auto& r = results[queued[k]];
    if (k >= made)
      r = write_now(*batch_[at + queued[k]]);
    else if (r == unset)
      r = -EIO;
  }
  io_uring_queue_exit(&ring);
  ring = io_uring{};
  impl_->live = io_uring_queue_init(impl_->entries, &ring, 0) >= 0;
  if (!impl_->live)
    impl_.reset();
}

#else

struct send_ring::impl {
  unsigned entries = 0;
};

std::unique_ptr<send_ring> send_ring::open(unsigned, std::string& why) {
  why = "built without liburing";
  return nullptr;
}

void send_ring::submit(size_t at, size_t n, std::vector<int>& results) {
  write_each_now(at, n, results);
}

#endif

send_ring::send_ring(std::unique_ptr<impl> x) : impl_(std::move(x)) {}

send_ring::~send_ring() = default;

void send_ring::write_each_now(size_t at, size_t n, std::vector<int>& results) {
  for (size_t i = 0; i < n; ++i)
    results[i] = write_now(*batch_[at + i]);
}

void send_ring::add(std::shared_ptr<sender> s) {
  queued_.push_back(std::move(s));
}

void send_ring::flush() {
  while (!queued_.empty()) {
    batch_.swap(queued_);
    for (size_t at = 0; at < batch_.size();) {
      auto n = std::min<size_t>(batch_.size() - at,
                                impl_ ? std::max(1u, impl_->entries) : 1024);
      results_.assign(n, unset);
      submit(at, n, results_);
      writes_ += n;
      for (size_t i = 0; i < n; ++i)
        batch_[at + i]->sent(results_[i]);
      at += n;
    }
    batch_.clear();
  }
}

} // namespace av::net
