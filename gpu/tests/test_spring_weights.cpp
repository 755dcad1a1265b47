// How much each spring carries: bridges, degrees and the repulsion's reach.

#include <vector>

#include "check.hpp"
#include "physics_common.hpp"
#include "spring_weights.hpp"

using namespace av::layout;
using namespace av::layout::detail;

namespace {

std::vector<std::uint32_t> sides(std::size_t n, const std::vector<edge>& g) {
  return bridge_sides(make_adjacency(n, g), g.size());
}

std::vector<float> weights(std::size_t n, const std::vector<edge>& g) {
  return spring_weights(make_adjacency(n, g), g);
}

std::vector<edge> path(std::uint32_t n) {
  std::vector<edge> out;
  for (std::uint32_t i = 1; i < n; ++i)
    out.push_back({i - 1, i, 1.0f});
  return out;
}

} // namespace

AV_TEST(a_path_cuts_off_its_shorter_end) {
  auto got = sides(5, path(5));
  AV_CHECK((got == std::vector<std::uint32_t>{1, 2, 2, 1}));
}

AV_TEST(edges_on_a_cycle_are_not_bridges) {
  // A triangle 0-1-2 with a tail 2-3-4.
  std::vector<edge> g{{0, 1}, {1, 2}, {2, 0}, {2, 3}, {3, 4}};
  AV_CHECK((sides(5, g) == std::vector<std::uint32_t>{0, 0, 0, 2, 1}));
  // The same pair linked twice is a cycle of two.
  std::vector<edge> twice{{0, 1}, {1, 0}, {1, 2}};
  AV_CHECK((sides(3, twice) == std::vector<std::uint32_t>{0, 0, 1}));
}

AV_TEST(each_component_counts_on_its_own) {
  // 0-1, then 2-3-4 and the lone node 5.
  std::vector<edge> g{{0, 1}, {2, 3}, {3, 4}};
  AV_CHECK((sides(6, g) == std::vector<std::uint32_t>{1, 1, 1}));
}

AV_TEST(a_long_path_needs_no_deep_recursion) {
  std::uint32_t n = 400001;
  auto got = sides(n, path(n));
  AV_CHECK(got.size() == n - 1);
  AV_CHECK(got[0] == 1 && got[n - 2] == 1);
  AV_CHECK(got[n / 2 - 1] == n / 2 && got[n / 2] == n / 2);
}

AV_TEST(weights_follow_the_larger_load) {
  // A hub with four leaves: every spring holds the hub's four, and an edge
  // of weight 2 twice that.
  std::vector<edge> star{
    {0, 1, 1.0f}, {0, 2, 2.0f}, {0, 3, 1.0f}, {4, 0, 1.0f}};
  AV_CHECK((weights(5, star) == std::vector<float>{4, 8, 4, 4}));
  // Along a path of nine, each edge holds the shorter end beyond it.
  AV_CHECK((weights(9, path(9)) == std::vector<float>{2, 2, 3, 4, 4, 3, 2, 2}));
  // On a ring, no edge is a bridge: the degree decides.
  std::vector<edge> ring{{0, 1}, {1, 2}, {2, 3}, {3, 0}};
  AV_CHECK((weights(4, ring) == std::vector<float>{2, 2, 2, 2}));
}

AV_TEST(the_range_grows_with_the_cube_root_beyond_the_base) {
  params p;
  p.repulsion_range = 200;
  AV_CHECK(effective_range(p, 0) == 200);
  AV_CHECK(effective_range(p, 2500) == 200);
  AV_CHECK_NEAR(effective_range(p, 20000), 400, 1e-3);
  AV_CHECK_NEAR(effective_range(p, 2500 * 27), 600, 1e-3);
  auto c = make_constants(p, 20000, 1.0f);
  AV_CHECK_NEAR(c.law.inv_range2, 1.0 / (400.0 * 400.0), 1e-12);
}

int main() {
  return av::test::run_all();
}
