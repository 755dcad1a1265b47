// Formation geometry and gliding into formations.

#include <cmath>
#include <string>

#include "av/formation.hpp"
#include "check.hpp"
#include "util.hpp"

using namespace av::layout;
using av::vec3f;
using av::test::dist;

namespace {

constexpr double pi = 3.14159265358979323846;

formation make(formation_kind k, float spacing = 8) {
  formation f;
  f.kind = k;
  f.center = {5, -3, 2};
  f.spacing = spacing;
  return f;
}

vec3f rel(vec3f p, vec3f c) {
  return {p.x - c.x, p.y - c.y, p.z - c.z};
}

double norm(vec3f v) {
  return dist(v, {});
}

} // namespace

AV_TEST(circle_has_equal_chords_on_a_ring) {
  for (std::size_t n : {1ul, 2ul, 3ul, 7ul, 40ul}) {
    auto f = make(formation_kind::circle);
    auto xs = formation_positions(f, n);
    AV_CHECK(xs.size() == n);
    double r = n > 1 ? f.spacing / (2 * std::sin(pi / n)) : 0;
    for (std::size_t i = 0; i < n; ++i) {
      auto d = rel(xs[i], f.center);
      AV_CHECK_NEAR(norm(d), r, 1e-3);
      AV_CHECK_NEAR(d.z, 0, 1e-6);
      double a = 2 * pi * i / n;
      AV_CHECK_NEAR(d.x, r * std::cos(a), 1e-3);
      AV_CHECK_NEAR(d.y, r * std::sin(a), 1e-3);
      if (n > 1)
        AV_CHECK_NEAR(dist(xs[i], xs[(i + 1) % n]), f.spacing, 1e-3);
    }
  }
}

AV_TEST(grid_is_a_centred_square_lattice) {
  auto f = make(formation_kind::grid);
  auto xs = formation_positions(f, 10); // 4 columns, 3 rows
  AV_CHECK(xs.size() == 10);
  for (std::size_t i = 0; i < 10; ++i) {
    auto d = rel(xs[i], f.center);
    AV_CHECK_NEAR(d.x, (double(i % 4) - 1.5) * f.spacing, 1e-4);
    AV_CHECK_NEAR(d.y, (1.0 - double(i / 4)) * f.spacing, 1e-4);
    AV_CHECK_NEAR(d.z, 0, 1e-6);
  }
  auto sq = formation_positions(f, 9);
  vec3f sum{};
  for (auto& p : sq) {
    sum.x += p.x - f.center.x;
    sum.y += p.y - f.center.y;
  }
  AV_CHECK_NEAR(sum.x, 0, 1e-4);
  AV_CHECK_NEAR(sum.y, 0, 1e-4);
}

AV_TEST(sphere_is_a_fibonacci_lattice) {
  auto f = make(formation_kind::sphere);
  std::size_t n = 200;
  auto xs = formation_positions(f, n);
  double r = f.spacing * std::sqrt(n * std::sqrt(3.0) / (8 * pi));
  double golden = pi * (3 - std::sqrt(5.0));
  double nearest_sum = 0;
  for (std::size_t i = 0; i < n; ++i) {
    auto d = rel(xs[i], f.center);
    AV_CHECK_NEAR(norm(d), r, 1e-3);
    double z = 1 - (2.0 * i + 1) / n;
    double rho = std::sqrt(1 - z * z);
    AV_CHECK_NEAR(d.z, r * z, 1e-3);
    AV_CHECK_NEAR(d.x, r * rho * std::cos(golden * i), 1e-3);
    AV_CHECK_NEAR(d.y, r * rho * std::sin(golden * i), 1e-3);
    double nearest = 1e9;
    for (std::size_t j = 0; j < n; ++j)
      if (j != i)
        nearest = std::min(nearest, dist(xs[i], xs[j]));
    nearest_sum += nearest;
  }
  // The radius is chosen so neighbours sit about one spacing apart.
  AV_CHECK_NEAR(nearest_sum / n, f.spacing, 0.15 * f.spacing);
}

AV_TEST(sphere_with_one_and_two_agents) {
  auto f = make(formation_kind::sphere);
  auto one = formation_positions(f, 1);
  AV_CHECK(one.size() == 1);
  AV_CHECK_NEAR(dist(one[0], f.center), 0, 1e-6);
  auto two = formation_positions(f, 2);
  AV_CHECK(two.size() == 2);
  AV_CHECK_NEAR(dist(two[0], two[1]), f.spacing, 1e-4);
  AV_CHECK_NEAR(two[0].x + two[1].x, 2 * f.center.x, 1e-4);
  AV_CHECK_NEAR(two[0].z + two[1].z, 2 * f.center.z, 1e-4);
  for (auto& p : two)
    AV_CHECK(std::isfinite(p.x) && std::isfinite(p.y) && std::isfinite(p.z));
}

AV_TEST(helix_steps_one_spacing_along_z) {
  auto f = make(formation_kind::helix);
  std::size_t n = 30;
  auto xs = formation_positions(f, n);
  double rise = f.helix_pitch * f.spacing / f.helix_per_turn;
  for (std::size_t i = 0; i + 1 < n; ++i) {
    AV_CHECK_NEAR(dist(xs[i], xs[i + 1]), f.spacing, 1e-3);
    AV_CHECK_NEAR(xs[i + 1].z - xs[i].z, rise, 1e-4);
  }
  AV_CHECK_NEAR(xs[0].z + xs[n - 1].z, 2 * f.center.z, 1e-3);
  // One full turn returns to the same angle.
  auto a = rel(xs[0], f.center), b = rel(xs[f.helix_per_turn], f.center);
  AV_CHECK_NEAR(a.x, b.x, 1e-3);
  AV_CHECK_NEAR(a.y, b.y, 1e-3);
}

AV_TEST(custom_offsets_by_centre_and_checks_count) {
  auto f = make(formation_kind::custom);
  f.custom = {{1, 0, 0}, {0, 2, 0}, {0, 0, 3}};
  AV_CHECK(!formation_error(f, 3));
  auto xs = formation_positions(f, 3);
  AV_CHECK(xs.size() == 3);
  AV_CHECK_NEAR(xs[2].z, f.center.z + 3, 1e-6);
  AV_CHECK_NEAR(xs[1].y, f.center.y + 2, 1e-6);
  AV_CHECK_ERROR(formation_error(f, 4), "3 positions given for 4 agents");
  AV_CHECK_ERROR(formation_error(f, 2), "for 2 agents");
  f.custom[1].x = std::nanf("");
  AV_CHECK_ERROR(formation_error(f, 3), "position 1");
}

AV_TEST(degenerate_and_invalid_formations) {
  for (auto k : {formation_kind::circle, formation_kind::grid,
                 formation_kind::sphere, formation_kind::helix}) {
    AV_CHECK(!formation_error(make(k), 0));
    AV_CHECK(formation_positions(make(k), 0).empty());
  }
  AV_CHECK_ERROR(formation_error(make(formation_kind::grid, -1), 4), "spacing");
  AV_CHECK_ERROR(formation_error(make(formation_kind::grid, 0), 4), "spacing");
  auto f = make(formation_kind::helix);
  f.helix_per_turn = 1;
  AV_CHECK_ERROR(formation_error(f, 4), "helix_per_turn");
  f = make(formation_kind::circle);
  f.center.y = INFINITY;
  AV_CHECK_ERROR(formation_error(f, 4), "center");
  AV_CHECK(parse_formation_kind("helix") == formation_kind::helix);
  AV_CHECK(to_string(formation_kind::sphere) == "sphere");
  AV_CHECK(!parse_formation_kind("blob"));
}

AV_TEST(agents_glide_into_every_formation) {
  for (auto k :
       {formation_kind::circle, formation_kind::grid, formation_kind::sphere,
        formation_kind::helix, formation_kind::custom}) {
    params p;
    p.threads = 2;
    auto e = make_cpu_engine(p);
    std::size_t n = 40;
    e->resize(n);
    e->set_edges(av::test::random_edges(n, 2, 4));
    auto f = make(k, 12);
    for (std::size_t i = 0; i < n; ++i)
      f.custom.push_back({float(i), float(i % 3), -float(i)});
    auto goal = formation_positions(f, n);
    for (std::size_t i = 0; i < n; ++i)
      e->set_target(i, goal[i]);
    for (int i = 0; i < 240; ++i)
      e->step();
    double worst = 0;
    for (std::size_t i = 0; i < n; ++i)
      worst = std::max(worst, dist(e->position(i), goal[i]));
    std::printf("  %s: worst distance to target %.6f\n",
                std::string{to_string(k)}.c_str(), worst);
    AV_CHECK(worst < 0.01);
    AV_CHECK(e->step().at_rest);
  }
}

int main() {
  return av::test::run_all();
}
