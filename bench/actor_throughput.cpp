// Agent messages per second through the full runtime (directory routing,
// latency bookkeeping, one event per message through the bus to a
// subscriber) against a bare CAF ping-pong between event-based actors, in
// the same process and run. `--path remote` plays the bare ping-pong between
// two processes over CAF's middleman instead: the peer of the cluster's
// messages between nodes (bench/cluster/bench.mjs).

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include "ws_fanout/child_process.hpp"

#include "av/base/log.hpp"
#include "av/bus.hpp"
#include "av/error.hpp"
#include "av/registry.hpp"

using namespace av;
using clock_type = std::chrono::steady_clock;

namespace {

using ping_atom = caf::atom_constant<caf::atom("ping")>;

struct params {
  uint32_t pairs = 100;
  uint32_t rounds = 20000;
  uint32_t threads = 2;
  uint32_t repeat = 3;
  /// "both", or "runtime" / "caf" alone (for profiling one path), or
  /// "remote": the ping-pong between two processes.
  std::string path = "both";
  /// CAF's scheduler policy, as in the node by default.
  std::string policy = "sharing";
};

/// Counts down to zero across actors and wakes the waiting main thread.
class latch {
public:
  explicit latch(uint64_t n) : left_(n) {}

  void count_down(uint64_t n = 1) {
    std::lock_guard<std::mutex> guard{mtx_};
    left_ = n >= left_ ? 0 : left_ - n;
    if (left_ == 0)
      cv_.notify_all();
  }

  void wait() {
    std::unique_lock<std::mutex> guard{mtx_};
    cv_.wait(guard, [this] { return left_ == 0; });
  }

private:
  std::mutex mtx_;
  std::condition_variable cv_;
  uint64_t left_;
};

caf::actor_system_config& threads(caf::actor_system_config& cfg, uint32_t n,
                                  const std::string& policy) {
  cfg.set("scheduler.max-threads", size_t{n});
  cfg.set("scheduler.policy", caf::atom_from_string(policy));
  cfg.set("logger.verbosity", caf::atom("quiet"));
  return cfg;
}

double seconds_since(clock_type::time_point start) {
  return std::chrono::duration<double>(clock_type::now() - start).count();
}

/// Each side returns the ball with one message fewer to go; the last
/// counts `done` down. A player without `done` (the other process's) hands
/// the last ball back so that this process sees the end.
caf::behavior player(caf::event_based_actor* self, latch* done) {
  return {[self, done](ping_atom, uint32_t left) {
    auto sender = caf::actor_cast<caf::actor>(self->current_sender());
    if (left == 0 && done)
      done->count_down();
    else
      self->send(sender, ping_atom::value, left == 0 ? 0 : left - 1);
  }};
}

/// Bare CAF: `pairs` pairs exchange `rounds` messages each.
double caf_pingpong(const params& p) {
  caf::actor_system_config cfg;
  caf::actor_system sys{threads(cfg, p.threads, p.policy)};
  latch done{p.pairs};
  std::vector<std::pair<caf::actor, caf::actor>> actors;
  for (uint32_t i = 0; i < p.pairs; ++i)
    actors.emplace_back(sys.spawn(player, &done), sys.spawn(player, &done));
  auto start = clock_type::now();
  for (auto& [a, b] : actors)
    caf::send_as(a, b, ping_atom::value, p.rounds - 1);
  done.wait();
  auto secs = seconds_since(start);
  for (auto& [a, b] : actors) {
    caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(b, caf::exit_reason::user_shutdown);
  }
  return static_cast<double>(p.pairs) * p.rounds / secs;
}

/// The other process of `--path remote`: publishes an actor at `port` that
/// spawns a player for each request, until SIGTERM.
int serve_pong(uint16_t port) {
  caf::actor_system_config cfg;
  cfg.load<caf::io::middleman>();
  cfg.set("logger.verbosity", caf::atom("quiet"));
  caf::actor_system sys{cfg};
  auto spawner = sys.spawn([](caf::event_based_actor* self) -> caf::behavior {
    return {[self](caf::spawn_atom) {
      return self->spawn(player, static_cast<latch*>(nullptr));
    }};
  });
  auto bound = sys.middleman().publish(spawner, port, "127.0.0.1");
  if (!bound) {
    std::fprintf(stderr, "cannot publish: %s\n",
                 sys.render(bound.error()).c_str());
    return 1;
  }
  pause();
  return 0;
}

/// Bare CAF between two processes: `pairs` players here each play `rounds`
/// messages with a player of a child process, over the middleman on
/// loopback.
double caf_remote(const params& p) {
  auto port = child_process::free_port();
  child_process::running peer{
    {child_process::self_path(), "--serve-pong", std::to_string(port)},
    {},
    port,
    "/tmp/av-actor-throughput-pong.log"};
  caf::actor_system_config cfg;
  cfg.load<caf::io::middleman>();
  caf::actor_system sys{threads(cfg, p.threads, p.policy)};
  auto spawner = sys.middleman().remote_actor("127.0.0.1", port);
  if (!spawner)
    throw std::runtime_error("cannot reach the peer: "
                             + sys.render(spawner.error()));
  caf::scoped_actor self{sys};
  latch done{p.pairs};
  std::vector<std::pair<caf::actor, caf::actor>> actors;
  for (uint32_t i = 0; i < p.pairs; ++i) {
    caf::actor theirs;
    self->request(*spawner, caf::infinite, caf::spawn_atom::value)
      .receive([&](caf::actor& x) { theirs = std::move(x); },
               [&](const caf::error& err) {
                 throw std::runtime_error(sys.render(err));
               });
    actors.emplace_back(sys.spawn(player, &done), std::move(theirs));
  }
  auto start = clock_type::now();
  for (auto& [mine, theirs] : actors)
    caf::send_as(mine, theirs, ping_atom::value, p.rounds - 1);
  done.wait();
  auto secs = seconds_since(start);
  for (auto& x : actors)
    caf::anon_send_exit(x.first, caf::exit_reason::user_shutdown);
  return static_cast<double>(p.pairs) * p.rounds / secs;
}

/// The runtime: simulated agents answer while the reply budget lasts, so a
/// conversation of `rounds` messages runs between each pair.
double runtime_messages(const params& p, double* mean_latency_us) {
  caf::actor_system_config cfg;
  caf::actor_system sys{threads(cfg, p.threads, p.policy)};
  auto ctx = std::make_shared<node_context>();
  ctx->limits.max_agents = p.pairs * 2 + 1;
  ctx->limits.max_concurrent_spawns = p.pairs * 2 + 1;
  auto bus = sys.spawn(av::bus, ctx);
  auto reg = sys.spawn(av::registry, ctx, bus);
  latch done{static_cast<uint64_t>(p.pairs) * p.rounds};
  auto latency_sum = std::make_shared<double>(0);
  auto sink
    = sys.spawn([&done, latency_sum](caf::event_based_actor*) -> caf::behavior {
        return {[&done, latency_sum](const event_batch& batch) {
          uint64_t n = 0;
          for (auto& ev : *batch.events)
            if (auto x = caf::get_if<message_event>(&ev.payload)) {
              *latency_sum += static_cast<double>(x->latency_ns);
              ++n;
            }
          done.count_down(n);
        }};
      });
  caf::anon_send(bus, atom::subscribe::value,
                 caf::actor_cast<event_sink_actor>(sink), all_event_kinds);
  caf::scoped_actor self{sys};
  std::vector<std::pair<num_id, num_id>> pairs;
  for (uint32_t i = 0; i < p.pairs; ++i) {
    num_id nums[2];
    for (auto& num : nums) {
      agent_spec spec;
      spec.type = "coder";
      spec.origin = provenance::simulated;
      self->request(reg, caf::infinite, atom::spawn::value, spec)
        .receive([&](const agent_info& x) { num = x.num; },
                 [&](const caf::error& err) {
                   throw std::runtime_error(describe(err));
                 });
    }
    pairs.emplace_back(nums[0], nums[1]);
  }
  // Let the spawn events drain before the clock starts.
  self
    ->request(bus, caf::infinite, atom::status::value, status_verbosity::terse)
    .receive([](const caf::settings&) {}, [](const caf::error&) {});
  auto start = clock_type::now();
  for (auto& [a, b] : pairs) {
    outgoing_message out{b, "request", priority::normal, {}, p.rounds - 1};
    caf::anon_send(ctx->agents.find(a), atom::send::value, std::move(out));
  }
  done.wait();
  auto secs = seconds_since(start);
  *mean_latency_us
    = *latency_sum / (static_cast<double>(p.pairs) * p.rounds) / 1000.0;
  caf::anon_send_exit(reg, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(bus, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(sink, caf::exit_reason::user_shutdown);
  return static_cast<double>(p.pairs) * p.rounds / secs;
}

void json_line(const params& p, const char* path, double value,
               const char* unit) {
  std::printf("{\"bench\":\"actor_throughput\",\"params\":{\"pairs\":%u,"
              "\"rounds\":%u,\"threads\":%u,\"policy\":\"%s\","
              "\"path\":\"%s\"},\"value\":%.4f,\"unit\":\"%s\"}\n",
              p.pairs, p.rounds, p.threads, p.policy.c_str(), path, value,
              unit);
}

} // namespace

int main(int argc, char** argv) {
  params p;
  CLI::App app{"Agent messages per second through the runtime against a "
               "bare CAF ping-pong (best of --repeat runs each)."};
  app.add_option("--pairs", p.pairs, "conversing agent pairs")
    ->check(CLI::Range(1u, 100000u));
  app.add_option("--rounds", p.rounds, "messages per pair")
    ->check(CLI::Range(2u, 100000000u));
  app.add_option("--threads", p.threads, "scheduler threads")
    ->check(CLI::Range(1u, 256u));
  app.add_option("--repeat", p.repeat, "runs of each path")
    ->check(CLI::Range(1u, 100u));
  app
    .add_option("--policy", p.policy,
                "CAF scheduler policy of both paths (the node uses sharing)")
    ->check(CLI::IsMember({"sharing", "stealing"}));
  app
    .add_option("--path", p.path,
                "both, or one path alone for profiling, or remote: the "
                "ping-pong between two processes")
    ->check(CLI::IsMember({"both", "runtime", "caf", "remote"}));
  uint16_t pong_port = 0;
  app.add_option("--serve-pong", pong_port,
                 "be the other process of --path remote, at this port");
  CLI11_PARSE(app, argc, argv);
  if (pong_port != 0)
    return serve_pong(pong_port);
  if (p.path == "remote") {
    std::vector<double> runs;
    for (uint32_t i = 0; i < p.repeat; ++i)
      runs.push_back(caf_remote(p));
    auto best = *std::max_element(runs.begin(), runs.end());
    std::printf("pairs=%u rounds=%u threads=%u (best of %u)\n", p.pairs,
                p.rounds, p.threads, p.repeat);
    std::printf("bare CAF ping-pong between two processes: %12.0f msg/s\n",
                best);
    json_line(p, "caf_remote", best, "msg/s");
    return 0;
  }
  log::init(log::format::text, log::level::warn);
  double best_runtime = 0;
  double best_caf = 0;
  double latency_us = 0;
  // Each repetition runs both paths back to back; the median of their
  // ratios is robust against the load of a shared machine drifting.
  std::vector<double> ratios;
  for (uint32_t i = 0; i < p.repeat; ++i) {
    double runtime = 0;
    double caf = 0;
    if (p.path != "caf") {
      double lat = 0;
      runtime = runtime_messages(p, &lat);
      if (runtime > best_runtime) {
        best_runtime = runtime;
        latency_us = lat;
      }
    }
    if (p.path != "runtime") {
      caf = caf_pingpong(p);
      best_caf = std::max(best_caf, caf);
    }
    if (runtime > 0 && caf > 0)
      ratios.push_back(runtime / caf);
  }
  std::sort(ratios.begin(), ratios.end());
  auto ratio = ratios.empty() ? 0.0 : ratios[ratios.size() / 2];
  std::printf("pairs=%u rounds=%u threads=%u (best of %u)\n", p.pairs, p.rounds,
              p.threads, p.repeat);
  std::printf("runtime agent messages: %12.0f msg/s (mean delivery latency "
              "%.1f us)\n",
              best_runtime, latency_us);
  std::printf("bare CAF ping-pong:     %12.0f msg/s\n", best_caf);
  std::printf("ratio runtime / CAF:    %12.3f (median of %zu paired runs)\n",
              ratio, ratios.size());
  json_line(p, "runtime", best_runtime, "msg/s");
  json_line(p, "caf_pingpong", best_caf, "msg/s");
  json_line(p, "ratio", ratio, "ratio");
  return 0;
}
