#pragma once

// The send floor: the least CPU a server can spend handing every viewer its
// frame, measured on the same machine and load as agent-server and the
// peer. It upgrades each connection, then only writes: one system call per
// viewer per tick (or, with io_uring, one submission per thread), no
// reading, queues, JSON or actors. On loopback its CPU is what the kernel
// charges the sender for the writes, the receiving side's TCP work and
// wake-ups included, so no server that writes each viewer its frame can use
// less; the benchmark prints it next to the peer's to show how low a ratio
// the machine allows.

#include <cstdint>
#include <string>

namespace floor_server {

struct options {
  uint16_t port = 0;
  uint32_t agents = 500;
  uint32_t rate = 60;
  /// 28: the float layout; 16: the quantized one (as ws_peer.mjs).
  uint32_t record_bytes = 28;
  /// "sendmsg" or "io_uring".
  std::string writes = "sendmsg";
  /// Writing threads, each ticking for its share of the viewers (one per
  /// core, as agent-server's WS_IO_THREADS).
  uint32_t threads = 1;
};

/// Why the send floor cannot write with io_uring here (built without
/// liburing, or the kernel refuses it); empty when it can.
std::string io_uring_unavailable();

/// Serves until killed; returns non-zero (after printing why) when it
/// cannot listen or set up its writes.
int serve(const options& o);

} // namespace floor_server
