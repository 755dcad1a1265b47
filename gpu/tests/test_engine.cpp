// Behaviour of the CPU layout engine on small graphs.

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>

#include "barnes_hut.hpp"
#include "basic_engine.hpp"
#include "check.hpp"
#include "util.hpp"

using namespace av::layout;
using av::vec3f;
using av::test::dist;
using av::test::random_edges;

namespace {

params small_params() {
  params p;
  p.threads = 2;
  return p;
}

std::vector<vec3f> run(engine& e, int steps) {
  for (int i = 0; i < steps; ++i)
    e.step();
  std::vector<vec3f> xs;
  e.positions(xs);
  return xs;
}

// Separation r at which spring, repulsion and gravity balance for an
// isolated pair placed symmetrically about the origin (each end has
// degree 1, so the spring's weight is the edge's).
double pair_equilibrium(const params& p, double weight) {
  auto net = [&](double r) {
    return p.spring_k * weight * (r - p.rest_length) + p.gravity * r / 2
           - p.repulsion * r * av::test::repulsion_factor(r, p, 2);
  };
  double lo = 0.01, hi = 1000;
  for (int i = 0; i < 200; ++i) {
    double mid = (lo + hi) / 2;
    (net(mid) > 0 ? hi : lo) = mid;
  }
  return (lo + hi) / 2;
}

} // namespace

AV_TEST(connected_pair_ends_nearer_than_unconnected_pair) {
  auto e = make_cpu_engine(small_params());
  e->resize(4);
  e->set_edges({{0, 1, 1.0f}});
  auto xs = run(*e, 900);
  AV_CHECK(dist(xs[0], xs[1]) < dist(xs[2], xs[3]));
  // Also in separate engines, so no node of one pair disturbs the other.
  auto a = make_cpu_engine(small_params());
  auto b = make_cpu_engine(small_params());
  a->resize(2);
  b->resize(2);
  a->set_edges({{0, 1, 1.0f}});
  auto xa = run(*a, 900);
  auto xb = run(*b, 900);
  AV_CHECK(dist(xa[0], xa[1]) < dist(xb[0], xb[1]));
}

AV_TEST(isolated_pair_settles_at_stable_distance) {
  auto p = small_params();
  p.cooling = 0; // reach the true equilibrium
  for (float w : {1.0f, 3.0f}) {
    auto e = make_cpu_engine(p);
    e->resize(2);
    e->set_edges({{0, 1, w}});
    auto xs = run(*e, 1500);
    double r1 = dist(xs[0], xs[1]);
    xs = run(*e, 100);
    double r2 = dist(xs[0], xs[1]);
    AV_CHECK_NEAR(r2, pair_equilibrium(p, w), 0.01);
    AV_CHECK_NEAR(r1, r2, 1e-3);
    AV_CHECK(e->step().at_rest);
  }
}

AV_TEST(total_energy_falls_on_static_graph) {
  auto p = small_params();
  p.theta = 0;   // exact forces are conservative
  p.cooling = 0; // and constant in time
  auto e = make_cpu_engine(p);
  e->resize(60);
  auto edges = random_edges(60, 2, 7);
  e->set_edges(edges);
  std::vector<vec3f> xs;
  e->positions(xs);
  double first = av::test::potential_energy(xs, edges, p);
  double prev = first;
  for (int window = 0; window < 40; ++window) {
    step_result r;
    for (int i = 0; i < 10; ++i)
      r = e->step();
    e->positions(xs);
    double total = av::test::potential_energy(xs, edges, p) + r.kinetic_energy;
    AV_CHECK(total <= prev + 1e-4 * std::abs(prev));
    prev = total;
  }
  AV_CHECK(prev < first);
}

AV_TEST(kinetic_energy_decays_and_rest_is_reported) {
  auto p = small_params();
  auto e = make_cpu_engine(p);
  e->resize(2000);
  e->set_edges(random_edges(2000, 2, 11));
  double peak = 0;
  step_result r;
  for (int i = 0; i < 300; ++i) {
    r = e->step();
    peak = std::max(peak, r.kinetic_energy);
  }
  AV_CHECK(r.kinetic_energy < 0.05 * peak);
  auto small = make_cpu_engine(p);
  small->resize(12);
  small->set_edges(random_edges(12, 2, 3));
  int steps = 0;
  while (!small->step().at_rest && steps < 5000)
    ++steps;
  AV_CHECK(steps < 5000);
  AV_CHECK(small->step().at_rest);
}

AV_TEST(cooling_brings_layout_to_rest_and_changes_reheat_it) {
  auto p = small_params();
  auto e = make_cpu_engine(p);
  e->resize(3000);
  e->set_edges(random_edges(3000, 2, 13));
  int steps = 0;
  step_result r;
  while (!(r = e->step()).at_rest && steps < 3000)
    ++steps;
  std::printf("  3000 nodes at rest after %d steps, heat %.4f\n", steps,
              r.heat);
  AV_CHECK(steps < 3000);
  AV_CHECK(r.heat < 0.1f);
  e->set_edges(random_edges(3000, 2, 14));
  r = e->step();
  AV_CHECK(r.heat == 1.0f);
  AV_CHECK(!e->step().at_rest);
  // Without cooling the same graph is still moving at that point.
  p.cooling = 0;
  auto hot = make_cpu_engine(p);
  hot->resize(3000);
  hot->set_edges(random_edges(3000, 2, 13));
  for (int i = 0; i < steps; ++i)
    r = hot->step();
  AV_CHECK(!r.at_rest && r.heat == 1.0f);
}

AV_TEST(pinned_node_does_not_move) {
  auto e = make_cpu_engine(small_params());
  e->resize(30);
  e->set_edges(random_edges(30, 2, 5));
  e->set_velocity(4, {50, 0, 0});
  e->set_pinned(4, true);
  auto before = e->position(4);
  run(*e, 200);
  auto after = e->position(4);
  AV_CHECK(std::memcmp(&before, &after, sizeof(vec3f)) == 0);
  e->set_pinned(4, false);
  run(*e, 10);
  AV_CHECK(dist(e->position(4), before) > 0);
}

AV_TEST(target_glides_without_jump_or_overshoot) {
  auto p = small_params();
  auto e = make_cpu_engine(p);
  e->resize(20);
  e->set_edges(random_edges(20, 2, 9));
  vec3f goal{100, -50, 25};
  double start = dist(e->position(3), goal);
  e->set_target(3, goal);
  e->step();
  double d = dist(e->position(3), goal);
  AV_CHECK(start - d < 0.1 * start); // no jump
  for (int i = 0; i < 240; ++i) {
    e->step();
    double nd = dist(e->position(3), goal);
    AV_CHECK(nd <= d + 1e-4); // critically damped: no overshoot
    d = nd;
  }
  AV_CHECK(d < 0.01);
  e->clear_target(3);
  run(*e, 60);
  AV_CHECK(dist(e->position(3), goal) > 0.01);
}

AV_TEST(initial_velocity_moves_node) {
  auto p = small_params();
  p.repulsion = 0;
  p.gravity = 0;
  auto e = make_cpu_engine(p);
  e->resize(3);
  e->set_positions({{0, 0, 0}, {50, 0, 0}, {0, 50, 0}});
  e->set_velocity(0, {0, 0, 60});
  e->step();
  auto x = e->position(0);
  double expect = 60 * p.dt / (1 + p.damping * p.dt);
  AV_CHECK_NEAR(x.z, expect, 1e-5);
  AV_CHECK_NEAR(x.x, 0, 1e-6);
}

AV_TEST(max_speed_caps_motion) {
  auto p = small_params();
  p.max_speed = 30;
  auto e = make_cpu_engine(p);
  e->resize(2);
  e->set_velocity(0, {1e6f, 0, 0});
  auto r = e->step();
  AV_CHECK(r.max_displacement <= p.max_speed * p.dt * 1.0001f);
}

AV_TEST(same_seed_same_result_any_thread_count) {
  auto p = small_params();
  auto edges = random_edges(3000, 2, 21);
  std::vector<std::vector<vec3f>> results;
  std::vector<double> energies;
  for (unsigned threads : {2u, 2u, 1u, 3u}) {
    p.threads = threads;
    auto e = make_cpu_engine(p);
    e->resize(3000);
    e->set_edges(edges);
    step_result r;
    for (int i = 0; i < 30; ++i)
      r = e->step();
    energies.push_back(r.kinetic_energy);
    results.emplace_back();
    e->positions(results.back());
  }
  for (std::size_t k = 1; k < results.size(); ++k) {
    AV_CHECK(std::memcmp(results[0].data(), results[k].data(),
                         results[0].size() * sizeof(vec3f))
             == 0);
    AV_CHECK(energies[0] == energies[k]);
  }
  p.seed = 2;
  auto other = make_cpu_engine(p);
  other->resize(3000);
  AV_CHECK(dist(other->position(0), results[0][0]) > 0);
}

AV_TEST(barnes_hut_matches_exact_repulsion) {
  using namespace av::layout::detail;
  std::size_t n = 5000;
  std::vector<float> x(n), y(n), z(n);
  for (std::size_t i = 0; i < n; ++i) {
    auto v = initial_position(5, i, 150);
    x[i] = v.x;
    y[i] = v.y;
    z[i] = v.z;
  }
  thread_pool pool{2};
  barnes_hut bh;
  std::vector<float> ex(n), ey(n), ez(n), ax(n), ay(n), az(n);
  // A range inside the cloud (radius 150; 200 reaches 252 at 5,000 nodes),
  // so the fade is exercised too.
  params p;
  p.softening = 1;
  p.repulsion_range = 200;
  auto law = make_constants(p, n, 1.0f).law;
  bh.compute(pool, n, x.data(), y.data(), z.data(), 0.0f, law, ex.data(),
             ey.data(), ez.data());
  // Spot-check the exact path against a direct double-precision sum.
  for (std::size_t i : {0ul, 17ul, 4999ul}) {
    double sx = 0;
    for (std::size_t j = 0; j < n; ++j) {
      double dx = x[i] - x[j], dy = y[i] - y[j], dz = z[i] - z[j];
      sx += dx
            * av::test::repulsion_factor(std::sqrt(dx * dx + dy * dy + dz * dz),
                                         p, n);
    }
    AV_CHECK_NEAR(ex[i], sx, 1e-4 * (std::abs(sx) + 1e-2));
  }
  for (float theta : {0.5f, 0.8f}) {
    bh.compute(pool, n, x.data(), y.data(), z.data(), theta, law, ax.data(),
               ay.data(), az.data());
    double err = 0, norm = 0;
    for (std::size_t i = 0; i < n; ++i) {
      double dx = ax[i] - ex[i], dy = ay[i] - ey[i], dz = az[i] - ez[i];
      err += dx * dx + dy * dy + dz * dz;
      norm += double{ex[i]} * ex[i] + double{ey[i]} * ey[i]
              + double{ez[i]} * ez[i];
    }
    double rel = std::sqrt(err / norm);
    std::printf("  theta %.1f: relative rms force error %.5f\n", theta, rel);
    AV_CHECK(rel < (theta < 0.6f ? 0.01 : 0.03));
  }
}

AV_TEST(resize_keeps_nodes_and_drops_dangling_edges) {
  auto e = make_cpu_engine(small_params());
  e->resize(5);
  e->set_edges({{0, 1, 1}, {3, 4, 1}});
  e->set_position(1, {1, 2, 3});
  e->resize(8);
  AV_CHECK(e->size() == 8);
  auto x = e->position(1);
  AV_CHECK(x.x == 1 && x.y == 2 && x.z == 3);
  e->resize(4); // drops edge (3, 4)
  AV_CHECK(e->size() == 4);
  run(*e, 5);
  e->resize(0);
  auto r = e->step();
  AV_CHECK(r.at_rest && r.kinetic_energy == 0);
}

AV_TEST(bad_input_is_rejected_with_a_message) {
  auto e = make_cpu_engine(small_params());
  e->resize(3);
  float nan = std::nanf("");
  AV_CHECK_THROWS(e->set_position(1, {nan, 0, 0}), std::invalid_argument,
                  "node 1");
  AV_CHECK_THROWS(e->set_positions({{0, 0, 0}}), std::invalid_argument,
                  "1 positions for 3 nodes");
  AV_CHECK_THROWS(e->set_positions({{0, 0, 0}, {0, nan, 0}, {0, 0, 0}}),
                  std::invalid_argument, "node 1");
  AV_CHECK_THROWS(e->set_edges({{0, 1, 1}, {0, 7, 1}}), std::out_of_range,
                  "edge 1 (0, 7)");
  AV_CHECK_THROWS(e->set_edges({{0, 1, -1}}), std::invalid_argument, "weight");
  AV_CHECK_THROWS(e->set_velocity(9, {}), std::out_of_range, "node 9");
  AV_CHECK_THROWS(e->set_target(0, {0, 0, nan}), std::invalid_argument,
                  "set_target");
  AV_CHECK_THROWS(e->resize(std::size_t{1} << 40), std::invalid_argument,
                  "node count");
  params bad = small_params();
  bad.spring_k = -1;
  AV_CHECK_THROWS(e->set_params(bad), std::invalid_argument, "spring_k");
  bad = small_params();
  bad.dt = 0;
  AV_CHECK_THROWS(make_cpu_engine(bad), std::invalid_argument, "dt");
  bad = small_params();
  bad.theta = nan;
  AV_CHECK_THROWS(validate(bad), std::invalid_argument, "theta");
  AV_CHECK(e->get_params().spring_k == small_params().spring_k);
  // Self-loops are harmless and ignored.
  e->set_edges({{2, 2, 1}});
  auto r = e->step();
  AV_CHECK(std::isfinite(r.kinetic_energy));
}

AV_TEST(coincident_nodes_separate_without_nan) {
  auto e = make_cpu_engine(small_params());
  e->resize(50);
  e->set_positions(std::vector<vec3f>(50, vec3f{3, 3, 3}));
  e->set_edges(random_edges(50, 2, 1));
  auto xs = run(*e, 200);
  for (auto& x : xs)
    AV_CHECK(std::isfinite(x.x) && std::isfinite(x.y) && std::isfinite(x.z));
  AV_CHECK(dist(xs[0], xs[1]) > 0.5);
}

AV_TEST(factory_falls_back_to_cpu_with_reason) {
  std::string why;
  auto e = make_engine(small_params(), false, &why);
  AV_CHECK(e->name() == "cpu");
  AV_CHECK(why.find("disabled") != std::string::npos);
  std::string reason;
  if (!cuda_available(&reason)) {
    auto g = make_engine(small_params(), true, &why);
    AV_CHECK(g->name() == "cpu");
    AV_CHECK(!why.empty() && why.find(reason) != std::string::npos);
    AV_CHECK_THROWS(make_cuda_engine(small_params()), std::runtime_error,
                    "CUDA");
  }
}

int main() {
  return av::test::run_all();
}
