// Edge shapes of node groups.

#include "av/topology.hpp"
#include "check.hpp"

using namespace av::layout;

AV_TEST(shapes_have_their_edge_counts) {
  AV_CHECK(topology_edges(topology_shape::star, 4).size() == 3);
  AV_CHECK(topology_edges(topology_shape::ring, 4).size() == 4);
  AV_CHECK(topology_edges(topology_shape::mesh, 4).size() == 6);
  AV_CHECK(topology_edges(topology_shape::pipeline, 4).size() == 3);
  AV_CHECK(topology_edges(topology_shape::hierarchical, 4).size() == 3);
}

AV_TEST(hierarchical_is_a_binary_tree_under_the_first) {
  auto tree = topology_edges(topology_shape::hierarchical, 7);
  AV_CHECK(tree.size() == 6);
  for (std::size_t i = 0; i < tree.size(); ++i) {
    AV_CHECK(tree[i].second == i + 1);
    AV_CHECK(tree[i].first == i / 2);
  }
}

AV_TEST(small_groups) {
  // Two nodes share one ring edge, not two.
  AV_CHECK(topology_edges(topology_shape::ring, 2).size() == 1);
  AV_CHECK(topology_edges(topology_shape::ring, 1).empty());
  AV_CHECK(topology_edges(topology_shape::mesh, 1).empty());
  AV_CHECK(topology_edges(topology_shape::star, 0).empty());
}

AV_TEST(shape_names_round_trip) {
  for (auto s :
       {topology_shape::star, topology_shape::ring, topology_shape::mesh,
        topology_shape::hierarchical, topology_shape::pipeline})
    AV_CHECK(parse_topology_shape(to_string(s)) == s);
  AV_CHECK(!parse_topology_shape("blob"));
}

int main() {
  return av::test::run_all();
}
