// Layout engine benchmark: milliseconds per tick of the CPU and CUDA engines
// on random graphs, next to d3-force-3d run by Node on the same graphs.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "av/layout.hpp"
#include "layout_bench_util.hpp"

#ifndef AV_BENCH_NODE_DIR
#  define AV_BENCH_NODE_DIR "bench/node"
#endif

namespace {

using namespace av::layout;
using av::vec3f;
using namespace av::bench;

struct options {
  std::vector<std::size_t> cpu_sizes{1000, 10000, 100000};
  std::vector<std::size_t> gpu_sizes{100000, 1000000};
  long ticks = 0; // 0: depends on size
  long warmup = 3;
  unsigned threads = 0;
  std::uint64_t seed = 1;
  unsigned edges_per_node = 2;
  long exact_limit = -1; // -1: the engine's default
  bool cpu = true;
  bool gpu = true;
  bool d3 = true;
  std::string node = "node";
  std::string node_dir = AV_BENCH_NODE_DIR;
  std::string graph_file = "/tmp/av_bench_physics_graph.bin";
};

void usage() {
  std::puts(
    "usage: av_bench_physics [flags]\n"
    "  --cpu-sizes=LIST     node counts for the CPU engine and d3 "
    "(default 1000,10000,100000)\n"
    "  --gpu-sizes=LIST     node counts for the CUDA engine "
    "(default 100000,1000000)\n"
    "  --ticks=N            timed ticks per size (default: by size)\n"
    "  --warmup=N           untimed ticks first (default 3)\n"
    "  --threads=N          CPU engine threads, 0 = all cores (default 0)\n"
    "  --edges-per-node=N   random edges created per node (default 2)\n"
    "  --exact-limit=N      CUDA: largest n using exact all-pairs (default "
    "200000)\n"
    "  --seed=N             graph and placement seed (default 1)\n"
    "  --no-cpu, --no-gpu, --no-d3   skip those rows\n"
    "  --node=PATH          node executable (default node)\n"
    "  --node-dir=DIR       folder with the d3 runner and node_modules\n"
    "  --graph-file=PATH    scratch file handed to node\n"
    "  --help               this text\n"
    "An empty LIST (e.g. --gpu-sizes=) skips that engine. Prints figures, "
    "then\n"
    "one JSON object per line.");
}

options parse(int argc, char** argv) {
  options o;
  parse_flags(
    argc, argv, usage, [&o](const std::string& key, const std::string& val) {
      if (key == "--cpu-sizes") {
        o.cpu_sizes = parse_list(val);
      } else if (key == "--gpu-sizes") {
        o.gpu_sizes = parse_list(val);
      } else if (key == "--ticks") {
        o.ticks = parse_count(key, val, 1);
      } else if (key == "--warmup") {
        o.warmup = parse_count(key, val, 0);
      } else if (key == "--threads") {
        o.threads = static_cast<unsigned>(parse_count(key, val, 0));
      } else if (key == "--edges-per-node") {
        o.edges_per_node = static_cast<unsigned>(parse_count(key, val, 0));
      } else if (key == "--exact-limit") {
        o.exact_limit = parse_count(key, val, 0);
      } else if (key == "--seed") {
        o.seed = static_cast<std::uint64_t>(parse_count(key, val, 0));
      } else if (key == "--no-cpu") {
        o.cpu = false;
      } else if (key == "--no-gpu") {
        o.gpu = false;
      } else if (key == "--no-d3") {
        o.d3 = false;
      } else if (key == "--node") {
        o.node = val;
      } else if (key == "--node-dir") {
        o.node_dir = val;
      } else if (key == "--graph-file") {
        o.graph_file = val;
      } else {
        return false;
      }
      return true;
    });
  return o;
}

long ticks_for(const options& o, std::size_t n) {
  if (o.ticks > 0)
    return o.ticks;
  if (n <= 2000)
    return 200;
  if (n <= 20000)
    return 50;
  if (n <= 200000)
    return 10;
  return 20;
}

/// Each node links to `per_node` random others (so about 2 * per_node
/// edge ends per node).
std::vector<edge> random_graph(std::size_t n, unsigned per_node,
                               std::uint64_t seed) {
  std::vector<edge> out;
  out.reserve(n * per_node);
  std::uint64_t s = seed * 0x9E3779B97F4A7C15ull + 12345;
  auto next = [&s] {
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    return s;
  };
  for (std::size_t i = 0; i < n && n > 1; ++i)
    for (unsigned k = 0; k < per_node; ++k) {
      auto j = static_cast<std::uint32_t>(next() % (n - 1));
      if (j >= i)
        ++j;
      out.push_back({static_cast<std::uint32_t>(i), j, 1.0f});
    }
  return out;
}

struct row {
  std::string engine;
  std::size_t n;
  long ticks;
  unsigned threads; // 0 when not applicable
  double ms;
  std::string detail;
};

double time_engine(engine& e, long warmup, long ticks) {
  for (long i = 0; i < warmup; ++i)
    e.step();
  auto t0 = std::chrono::steady_clock::now();
  for (long i = 0; i < ticks; ++i)
    e.step();
  auto t1 = std::chrono::steady_clock::now();
  return std::chrono::duration<double, std::milli>(t1 - t0).count() / ticks;
}

std::unique_ptr<engine> prepare(std::unique_ptr<engine> e, std::size_t n,
                                const std::vector<edge>& edges) {
  e->resize(n);
  e->set_edges(edges);
  return e;
}

bool write_graph(const std::string& path, engine& e,
                 const std::vector<edge>& edges) {
  std::vector<vec3f> xs;
  e.positions(xs);
  std::ofstream f{path, std::ios::binary};
  auto put = [&f](const void* p, std::size_t bytes) {
    f.write(static_cast<const char*>(p), static_cast<std::streamsize>(bytes));
  };
  auto n = static_cast<std::uint32_t>(xs.size());
  auto m = static_cast<std::uint32_t>(edges.size());
  put(&n, 4);
  put(&m, 4);
  put(xs.data(), xs.size() * sizeof(vec3f));
  for (auto& ed : edges) {
    put(&ed.source, 4);
    put(&ed.target, 4);
  }
  return static_cast<bool>(f);
}

double run_d3(const options& o, std::size_t n, long ticks) {
  std::string cmd = o.node + " " + o.node_dir + "/d3_physics.mjs "
                    + o.graph_file + " " + std::to_string(ticks) + " "
                    + std::to_string(o.warmup);
  auto out = run_command(cmd);
  auto key = std::string{"\"ms_per_tick\":"};
  auto at = out.find(key);
  if (at == std::string::npos)
    throw std::runtime_error("d3 runner failed for n=" + std::to_string(n));
  return std::stod(out.substr(at + key.size()));
}

void print_row(const row& r) {
  std::printf("%-6s n=%-8zu ticks=%-4ld", r.engine.c_str(), r.n, r.ticks);
  if (r.threads > 0)
    std::printf(" threads=%-3u", r.threads);
  else
    std::printf("            ");
  std::printf(" %10.3f ms/tick  %s\n", r.ms, r.detail.c_str());
  std::fflush(stdout);
}

} // namespace

int main(int argc, char** argv) {
  options o;
  try {
    o = parse(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "av_bench_physics: %s\n", e.what());
    return 2;
  }
  std::printf("layout benchmark: random graphs, %u edges per node, seed %llu"
              "\n",
              o.edges_per_node, static_cast<unsigned long long>(o.seed));
  std::vector<row> rows;
  std::vector<std::string> ratios;
  try {
    params p;
    p.seed = o.seed;
    p.threads = o.threads;
    if (o.exact_limit >= 0)
      p.exact_limit = static_cast<std::size_t>(o.exact_limit);
    std::string no_d3
      = o.d3 ? d3_unavailable(o.node, o.node_dir) : "disabled by --no-d3";
    if (o.cpu) {
      for (auto n : o.cpu_sizes) {
        auto edges = random_graph(n, o.edges_per_node, o.seed);
        auto e = prepare(make_cpu_engine(p), n, edges);
        long ticks = ticks_for(o, n);
        bool d3 = no_d3.empty() && write_graph(o.graph_file, *e, edges);
        row r{"cpu", n, ticks, 0, 0, e->describe()};
        r.ms = time_engine(*e, o.warmup, ticks);
        r.threads = o.threads > 0
                      ? o.threads
                      : std::max(1u, std::thread::hardware_concurrency());
        rows.push_back(r);
        print_row(r);
        if (d3) {
          row d{"d3", n, ticks, 0, run_d3(o, n, ticks), "d3-force-3d (node)"};
          char buf[64];
          std::snprintf(buf, sizeof buf, "ratio d3/cpu %.1fx", d.ms / r.ms);
          d.detail += "  " + std::string{buf};
          rows.push_back(d);
          print_row(d);
        }
      }
      if (!no_d3.empty())
        std::printf("d3 rows skipped: %s\n", no_d3.c_str());
    }
    if (o.gpu && !o.gpu_sizes.empty()) {
      std::string why;
      if (!cuda_available(&why)) {
        std::printf("cuda rows skipped: %s\n", why.c_str());
      } else {
        for (auto n : o.gpu_sizes) {
          auto edges = random_graph(n, o.edges_per_node, o.seed);
          auto e = prepare(make_cuda_engine(p), n, edges);
          long ticks = ticks_for(o, n) * (o.ticks > 0 ? 1 : 5);
          row r{"cuda", n, ticks, 0, 0, e->describe()};
          r.ms = time_engine(*e, o.warmup, ticks);
          rows.push_back(r);
          print_row(r);
        }
      }
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "av_bench_physics: %s\n", e.what());
    return 1;
  }
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto& r = rows[i];
    std::string engine = r.engine == "d3" ? "d3-force-3d" : r.engine;
    std::printf("{\"bench\":\"physics\",\"params\":{\"engine\":\"%s\","
                "\"n\":%zu,\"ticks\":%ld",
                engine.c_str(), r.n, r.ticks);
    if (r.threads > 0)
      std::printf(",\"threads\":%u", r.threads);
    std::printf("},\"value\":%.4f,\"unit\":\"ms/tick\"}\n", r.ms);
    if (r.engine == "d3" && i > 0 && rows[i - 1].engine == "cpu")
      std::printf("{\"bench\":\"physics\",\"params\":{\"engine\":"
                  "\"ratio-d3/cpu\",\"n\":%zu,\"ticks\":%ld,\"threads\":%u},"
                  "\"value\":%.2f,\"unit\":\"x\"}\n",
                  r.n, r.ticks, rows[i - 1].threads, r.ms / rows[i - 1].ms);
  }
  return 0;
}
