// Layout quality benchmark: how readable the settled layout is, ours next to
// d3-force-3d's on the same generated graphs (trees, planted communities,
// hierarchies of stars, grids), each with its default parameters and run
// until it stops by itself.

#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "av/layout.hpp"
#include "graph_families.hpp"
#include "layout_bench_util.hpp"
#include "layout_metrics.hpp"
#include "svg_panels.hpp"

#ifndef AV_BENCH_NODE_DIR
#  define AV_BENCH_NODE_DIR "bench/node"
#endif

namespace {

using namespace av::layout;
using namespace av::layout::quality;
using namespace av::bench;
using av::vec3f;

struct options {
  std::vector<family> families = all_families();
  std::vector<std::size_t> sizes{100, 1000, 10000};
  long seeds = 3;
  double max_seconds = 60;
  params prm;
  bool d3 = true;
  std::string node = "node";
  std::string node_dir = AV_BENCH_NODE_DIR;
  std::string work_dir = "/tmp";
  std::string d3_cache;
  std::string svg_dir;
  std::size_t svg_size = 1000;
};

void usage() {
  std::puts(
    "usage: av_bench_layout_quality [flags]\n"
    "  --families=LIST    tree,communities,stars,grid (default all)\n"
    "  --sizes=LIST       node counts (default 100,1000,10000)\n"
    "  --seeds=N          seeds 1..N per family and size (default 3)\n"
    "  --max-seconds=S    simulated seconds before ours counts as not at "
    "rest\n"
    "                     (default 60)\n"
    "  --threads=N        CPU engine threads, 0 = all cores (default 0)\n"
    "  --param=NAME=V     override an engine parameter (spring_k, "
    "rest_length,\n"
    "                     repulsion, gravity, damping, theta, max_speed,\n"
    "                     softening, repulsion_range, cooling,\n"
    "                     rest_displacement)\n"
    "  --no-d3            skip d3-force-3d\n"
    "  --node=PATH        node executable (default node)\n"
    "  --node-dir=DIR     folder with d3_layout.mjs and node_modules\n"
    "  --work-dir=DIR     scratch folder for the graphs (default /tmp)\n"
    "  --d3-cache=DIR     keep d3 layouts there and reuse them (d3 does not\n"
    "                     change between runs)\n"
    "  --svg-dir=DIR      write DIR/layout_quality_FAMILY.svg: ours beside "
    "d3,\n"
    "                     seed 1 at --svg-size nodes (default 1000)\n"
    "  --help             this text\n"
    "Stress: optimal-scale normalized stress against hop distance; "
    "separation:\n"
    "mean intra-group / mean inter-group distance (lower is better); cv: "
    "edge\n"
    "length coefficient of variation; settle: simulated seconds at 60 Hz "
    "until\n"
    "at rest. Prints rows, then one JSON object per line.");
}

void set_param(params& p, const std::string& spec) {
  static const std::map<std::string, float params::*> fields{
    {"spring_k", &params::spring_k},
    {"rest_length", &params::rest_length},
    {"repulsion", &params::repulsion},
    {"gravity", &params::gravity},
    {"damping", &params::damping},
    {"theta", &params::theta},
    {"max_speed", &params::max_speed},
    {"softening", &params::softening},
    {"repulsion_range", &params::repulsion_range},
    {"cooling", &params::cooling},
    {"rest_displacement", &params::rest_displacement},
  };
  auto eq = spec.find('=');
  auto it = fields.find(spec.substr(0, eq));
  if (eq == std::string::npos || it == fields.end())
    throw std::invalid_argument("--param needs NAME=VALUE, got '" + spec + "'");
  p.*(it->second) = std::stof(spec.substr(eq + 1));
  validate(p);
}

options parse(int argc, char** argv) {
  options o;
  parse_flags(
    argc, argv, usage, [&o](const std::string& key, const std::string& val) {
      if (key == "--families") {
        o.families.clear();
        for (auto& name : split_list(val)) {
          family f;
          if (!parse_family(name, f))
            throw std::invalid_argument("unknown family in '" + val + "'");
          o.families.push_back(f);
        }
      } else if (key == "--sizes") {
        o.sizes = parse_list(val);
      } else if (key == "--seeds") {
        o.seeds = parse_count(key, val, 1);
      } else if (key == "--max-seconds") {
        o.max_seconds = static_cast<double>(parse_count(key, val, 1));
      } else if (key == "--threads") {
        o.prm.threads = static_cast<unsigned>(parse_count(key, val, 0));
      } else if (key == "--param") {
        set_param(o.prm, val);
      } else if (key == "--no-d3") {
        o.d3 = false;
      } else if (key == "--node") {
        o.node = val;
      } else if (key == "--node-dir") {
        o.node_dir = val;
      } else if (key == "--work-dir") {
        o.work_dir = val;
      } else if (key == "--d3-cache") {
        o.d3_cache = val;
      } else if (key == "--svg-dir") {
        o.svg_dir = val;
      } else if (key == "--svg-size") {
        o.svg_size = static_cast<std::size_t>(parse_count(key, val, 4));
      } else {
        return false;
      }
      return true;
    });
  return o;
}

/// One settled layout and what it took.
struct layout_run {
  std::vector<vec3f> xs;
  double settle_s = 0; // simulated seconds at 60 Hz
  double wall_s = 0;
  bool rested = true;
};

layout_run run_ours(const family_graph& g, const options& o,
                    std::uint64_t seed) {
  params p = o.prm;
  p.seed = seed;
  auto e = make_cpu_engine(p);
  e->resize(g.n);
  e->set_edges(g.edges);
  layout_run r;
  auto max_steps = static_cast<long>(o.max_seconds / p.dt);
  long steps = 0;
  auto t0 = std::chrono::steady_clock::now();
  r.rested = false;
  while (steps < max_steps && !r.rested) {
    r.rested = e->step().at_rest;
    ++steps;
  }
  auto t1 = std::chrono::steady_clock::now();
  r.wall_s = std::chrono::duration<double>(t1 - t0).count();
  r.settle_s = steps * p.dt;
  e->positions(r.xs);
  return r;
}

bool write_graph(const std::string& path, const family_graph& g) {
  std::ofstream f{path, std::ios::binary};
  auto put = [&f](std::uint32_t v) {
    f.write(reinterpret_cast<const char*>(&v), 4);
  };
  put(static_cast<std::uint32_t>(g.n));
  put(static_cast<std::uint32_t>(g.edges.size()));
  for (auto& e : g.edges) {
    put(e.source);
    put(e.target);
  }
  return static_cast<bool>(f);
}

bool read_layout(const std::string& path, std::size_t n, layout_run& r) {
  std::ifstream f{path, std::ios::binary};
  std::uint32_t ticks = 0;
  f.read(reinterpret_cast<char*>(&ticks), 4);
  r.xs.resize(n);
  f.read(reinterpret_cast<char*>(r.xs.data()),
         static_cast<std::streamsize>(n * sizeof(vec3f)));
  r.settle_s = ticks / 60.0;
  return static_cast<bool>(f);
}

layout_run run_d3(const family_graph& g, const options& o, std::uint64_t seed) {
  std::string name = std::string{to_string(g.kind)} + "_" + std::to_string(g.n)
                     + "_" + std::to_string(seed);
  std::string dir = o.d3_cache.empty() ? o.work_dir : o.d3_cache;
  std::string out = dir + "/d3_layout_" + name + ".bin";
  layout_run r;
  if (!o.d3_cache.empty() && read_layout(out, g.n, r))
    return r;
  std::string in = o.work_dir + "/av_layout_quality_graph.bin";
  if (!write_graph(in, g))
    throw std::runtime_error("cannot write " + in);
  auto t0 = std::chrono::steady_clock::now();
  auto said = run_command(o.node + " " + o.node_dir + "/d3_layout.mjs " + in
                          + " " + out);
  auto t1 = std::chrono::steady_clock::now();
  if (said.empty() || !read_layout(out, g.n, r))
    throw std::runtime_error("d3 runner failed for " + name);
  r.wall_s = std::chrono::duration<double>(t1 - t0).count();
  return r;
}

/// The measures of one layout.
struct scores {
  double stress = 0, separation = NAN, cv = 0, spacing = 0, settle_s = 0;
  bool rested = true;
};

scores score(const family_graph& g, const layout_run& r) {
  scores s;
  s.stress = normalized_stress(r.xs, g.edges);
  if (!g.group.empty())
    s.separation = separation(r.xs, g.group);
  s.cv = edge_length_cv(r.xs, g.edges);
  s.spacing = spacing(r.xs, g.edges);
  s.settle_s = r.settle_s;
  s.rested = r.rested;
  return s;
}

/// Means over seeds of one family and size.
struct summary {
  family kind;
  std::size_t n = 0;
  int runs = 0;
  scores ours, d3;
  bool all_rested = true;
  bool has_d3 = false;
};

void accumulate(scores& sum, const scores& s) {
  sum.stress += s.stress;
  sum.separation
    = std::isnan(s.separation)
        ? NAN
        : (std::isnan(sum.separation) ? 0 : sum.separation) + s.separation;
  sum.cv += s.cv;
  sum.spacing += s.spacing;
  sum.settle_s += s.settle_s;
}

scores mean(const scores& sum, int runs) {
  return {sum.stress / runs,  sum.separation / runs, sum.cv / runs,
          sum.spacing / runs, sum.settle_s / runs,   true};
}

void print_scores(const char* who, const scores& s) {
  std::printf("  %-4s stress %.3f", who, s.stress);
  if (std::isnan(s.separation))
    std::printf("  separation   -  ");
  else
    std::printf("  separation %.3f", s.separation);
  std::printf("  cv %.3f  spacing %.2f  settle %5.1f s%s", s.cv, s.spacing,
              s.settle_s, s.rested ? "" : " (not at rest)");
}

void picture(const options& o, const family_graph& g, const layout_run& ours,
             const layout_run& d3) {
  std::string path
    = o.svg_dir + "/layout_quality_" + to_string(g.kind) + ".svg";
  std::string what
    = std::string{to_string(g.kind)} + ", " + std::to_string(g.n) + " nodes";
  std::vector<panel> panels{{"ours: " + what, ours.xs, g.colour, g.edges},
                            {"d3-force-3d: " + what, d3.xs, g.colour, g.edges}};
  write_svg(path, panels,
            "Default parameters, each run until it stops by itself; colour = "
            "group, depth (tree) or grid block");
  std::printf("wrote %s\n", path.c_str());
}

void print_json(const summary& s, const char* engine, const char* measure,
                double value, const char* unit) {
  if (std::isnan(value))
    return;
  std::printf("{\"bench\":\"layout_quality\",\"params\":{\"family\":\"%s\","
              "\"n\":%zu,\"seeds\":%d,\"engine\":\"%s\",\"measure\":\"%s\"},"
              "\"value\":%.4f,\"unit\":\"%s\"}\n",
              to_string(s.kind), s.n, s.runs, engine, measure, value, unit);
}

void print_summary_json(const summary& s) {
  auto one = [&](const char* engine, const scores& m) {
    print_json(s, engine, "stress", m.stress, "stress");
    print_json(s, engine, "separation", m.separation, "intra/inter");
    print_json(s, engine, "edge_cv", m.cv, "cv");
    print_json(s, engine, "spacing", m.spacing, "nearest/edge");
    print_json(s, engine, "settle", m.settle_s, "s");
  };
  one("cpu", s.ours);
  if (!s.has_d3)
    return;
  one("d3-force-3d", s.d3);
  print_json(s, "ratio-cpu/d3", "stress", s.ours.stress / s.d3.stress, "x");
  print_json(s, "ratio-cpu/d3", "separation",
             s.ours.separation / s.d3.separation, "x");
}

} // namespace

int main(int argc, char** argv) {
  options o;
  try {
    o = parse(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "av_bench_layout_quality: %s\n", e.what());
    return 2;
  }
  std::vector<summary> table;
  try {
    // The folders named on the command line may not exist yet.
    for (const auto& dir : {o.work_dir, o.d3_cache, o.svg_dir})
      if (!dir.empty())
        std::filesystem::create_directories(dir);
    std::string no_d3
      = o.d3 ? d3_unavailable(o.node, o.node_dir) : "disabled by --no-d3";
    if (!no_d3.empty())
      std::printf("d3 skipped: %s\n", no_d3.c_str());
    for (auto f : o.families)
      for (auto n : o.sizes) {
        summary s;
        s.kind = f;
        for (long seed = 1; seed <= o.seeds; ++seed) {
          auto g = make_family(f, n, static_cast<std::uint64_t>(seed));
          s.n = g.n;
          auto ours = run_ours(g, o, static_cast<std::uint64_t>(seed));
          auto sc = score(g, ours);
          std::printf("%-11s n=%-6zu seed=%ld wall %.1f s\n", to_string(f), g.n,
                      seed, ours.wall_s);
          print_scores("ours", sc);
          std::printf("\n");
          accumulate(s.ours, sc);
          s.all_rested = s.all_rested && ours.rested;
          if (no_d3.empty()) {
            auto d3 = run_d3(g, o, static_cast<std::uint64_t>(seed));
            auto sd = score(g, d3);
            print_scores("d3", sd);
            std::printf("\n");
            accumulate(s.d3, sd);
            s.has_d3 = true;
            if (seed == 1 && n == o.svg_size && !o.svg_dir.empty())
              picture(o, g, ours, d3);
          }
          std::fflush(stdout);
          ++s.runs;
        }
        s.ours = mean(s.ours, s.runs);
        s.ours.rested = s.all_rested;
        if (s.has_d3)
          s.d3 = mean(s.d3, s.runs);
        table.push_back(s);
      }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "av_bench_layout_quality: %s\n", e.what());
    return 1;
  }
  std::printf("\nmeans over seeds (ours / d3; lower is better):\n");
  for (const auto& s : table) {
    std::printf("%-11s n=%-6zu", to_string(s.kind), s.n);
    print_scores("ours", s.ours);
    std::printf("\n%19s", "");
    if (s.has_d3) {
      print_scores("d3", s.d3);
      std::printf("  ratio stress %.2f", s.ours.stress / s.d3.stress);
      if (!std::isnan(s.ours.separation))
        std::printf(" separation %.2f", s.ours.separation / s.d3.separation);
    }
    std::printf("\n");
  }
  for (const auto& s : table)
    print_summary_json(s);
  return 0;
}
