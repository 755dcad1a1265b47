#pragma once

// The servers the fan-out benchmark drives: started as child processes on
// free loopback ports, measured through /proc, stopped with SIGTERM.

#include <chrono>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/ip/tcp.hpp>

namespace child_process {

/// A free TCP port on 127.0.0.1 (bound once, then released).
inline uint16_t free_port() {
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::acceptor acc{
    ioc, {boost::asio::ip::make_address("127.0.0.1"), 0}};
  return acc.local_endpoint().port();
}

inline bool accepts(uint16_t port) {
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::socket sock{ioc};
  boost::system::error_code err;
  sock.connect({boost::asio::ip::make_address("127.0.0.1"), port}, err);
  return !err;
}

/// This program's own path.
inline std::string self_path() {
  std::vector<char> buf(4096);
  auto n = readlink("/proc/self/exe", buf.data(), buf.size() - 1);
  return n > 0 ? std::string(buf.data(), static_cast<size_t>(n))
               : std::string{"./ws_fanout"};
}

inline std::string dir_of_self() {
  auto path = self_path();
  return path.substr(0, path.rfind('/'));
}

/// Seconds of CPU (user + system) the process has used.
inline double cpu_seconds(pid_t pid) {
  std::ifstream in{"/proc/" + std::to_string(pid) + "/stat"};
  std::string stat{std::istreambuf_iterator<char>{in}, {}};
  // Fields after the command name, which may hold spaces: state is field 3,
  // utime 14 and stime 15.
  std::istringstream rest{stat.substr(stat.rfind(')') + 2)};
  std::string field;
  double ticks = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i)
    if (i >= 14)
      ticks += std::stod(field);
  return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

/// Resident set size in KiB.
inline uint64_t rss_kb(pid_t pid) {
  std::ifstream in{"/proc/" + std::to_string(pid) + "/status"};
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0)
      return std::stoull(line.substr(6));
  return 0;
}

/// A running child; SIGTERM and reaped when destroyed.
class running {
public:
  uint16_t api_port = 0;
  uint16_t ws_port = 0;

  running(std::vector<std::string> argv, std::vector<std::string> env,
          uint16_t wait_port, const std::string& log) {
    pid_ = fork();
    if (pid_ < 0)
      throw std::runtime_error("fork failed");
    if (pid_ == 0) {
      auto fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (fd >= 0) {
        dup2(fd, 1);
        dup2(fd, 2);
      }
      // The server runs in memory, as documented, whatever the calling
      // shell (or a test run with its throwaway stores) has set.
      unsetenv("DATABASE_URL");
      unsetenv("REDIS_URL");
      for (auto& kv : env)
        putenv(kv.data());
      std::vector<char*> args;
      for (auto& a : argv)
        args.push_back(a.data());
      args.push_back(nullptr);
      execvp(args[0], args.data());
      _exit(127);
    }
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{30};
    while (!accepts(wait_port)) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        throw std::runtime_error(argv[0] + " exited at start; see " + log);
      }
      if (std::chrono::steady_clock::now() > deadline)
        throw std::runtime_error(argv[0] + " did not listen; see " + log);
      std::this_thread::sleep_for(std::chrono::milliseconds{50});
    }
  }

  running(running&& other) noexcept
    : api_port(other.api_port), ws_port(other.ws_port), pid_(other.pid_) {
    other.pid_ = -1;
  }

  running(const running&) = delete;
  running& operator=(const running&) = delete;
  running& operator=(running&&) = delete;

  ~running() {
    if (pid_ <= 0)
      return;
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
  }

  pid_t pid() const { return pid_; }

private:
  pid_t pid_ = -1;
};

/// agent-server with a demo swarm of `agents` ticking at `rate` Hz.
/// `io_threads` 0 leaves WS_IO_THREADS at its default (one per core).
inline running agent_server(const std::string& bin, uint32_t agents,
                            uint32_t rate, uint32_t viewers,
                            uint32_t io_threads) {
  auto api = free_port();
  auto ws = free_port();
  auto n = std::to_string(agents);
  running r{{bin, "--demo", n},
            {"API_PORT=" + std::to_string(api), "WS_PORT=" + std::to_string(ws),
             "MCP_PORT=" + std::to_string(free_port()),
             "CLUSTER_PORT=" + std::to_string(free_port()),
             "PROMETHEUS_ENABLED=false", "LOG_LEVEL=warn",
             "PHYSICS_UPDATE_RATE=" + std::to_string(rate),
             "MAX_VISIBLE_AGENTS=" + std::to_string(agents + 16),
             "POSITION_BATCH_SIZE=" + std::to_string(agents + 16),
             "WS_MAX_CONNECTIONS=" + std::to_string(viewers + 16),
             "WS_COMPRESSION=false", "RATE_LIMIT_MAX_REQUESTS=10000000",
             "WS_IO_THREADS=" + std::to_string(io_threads)},
            ws,
            "/tmp/av-ws-fanout-server.log"};
  r.api_port = api;
  r.ws_port = ws;
  return r;
}

/// The Node `ws` broadcast server with frames of `agents` records of
/// `record_bytes` (28: float, 16: quantized).
inline running node_peer(const std::string& script, uint32_t agents,
                         uint32_t rate, size_t record_bytes) {
  auto ws = free_port();
  running r{{"node", script, "--port", std::to_string(ws), "--agents",
             std::to_string(agents), "--rate", std::to_string(rate),
             "--record-bytes", std::to_string(record_bytes)},
            {},
            ws,
            "/tmp/av-ws-fanout-peer.log"};
  r.ws_port = ws;
  return r;
}

/// The send floor (floor_server.hpp): this program's `floor-server`
/// command, writing with `writes` (sendmsg or io_uring) from `threads`
/// threads.
inline running floor(uint32_t agents, uint32_t rate, size_t record_bytes,
                     const std::string& writes, uint32_t threads) {
  auto ws = free_port();
  running r{{self_path(), "floor-server", "--port", std::to_string(ws),
             "--agents", std::to_string(agents), "--rate", std::to_string(rate),
             "--record-bytes", std::to_string(record_bytes), "--writes", writes,
             "--threads", std::to_string(threads)},
            {},
            ws,
            "/tmp/av-ws-fanout-floor.log"};
  r.ws_port = ws;
  return r;
}

} // namespace child_process
