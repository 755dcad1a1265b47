#include "av/cluster/layout_leader.hpp"

#include <tuple>

namespace av::cluster {

namespace {

/// Lower is better.
auto rank(const layout_candidate& x) {
  return std::make_tuple(!x.gpu, x.started_ms, x.node);
}

} // namespace

layout_leader::layout_leader(layout_candidate self) : self_(self.node) {
  up_.emplace(self_, std::move(self));
}

void layout_leader::up(layout_candidate x) {
  // A node without a physics actor (a test of the view alone) cannot lead.
  if (x.node == self_ || !x.physics)
    return;
  auto node = x.node;
  up_[node] = std::move(x);
}

void layout_leader::down(const std::string& node) {
  if (node != self_)
    up_.erase(node);
}

const layout_candidate& layout_leader::leader() const {
  auto best = up_.begin();
  for (auto i = up_.begin(); i != up_.end(); ++i)
    if (rank(i->second) < rank(best->second))
      best = i;
  return best->second;
}

} // namespace av::cluster
