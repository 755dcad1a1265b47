#pragma once

#include <cstdint>
#include <map>
#include <string>

#include <caf/actor.hpp>

/// Which node runs the layout of the cluster (docs/cluster.md, "One
/// layout"). No actors here, so that the rule is tested alone.
namespace av::cluster {

/// A node that could run the layout: its physics actor, whether its
/// engine runs on a GPU, and when it started.
struct layout_candidate {
  std::string node;
  bool gpu = false;
  int64_t started_ms = 0;
  caf::actor physics;
};

/// Of the nodes that are up, the one that runs the layout: one with a GPU
/// before one without, then the one that started first, then by name. Every
/// node that sees the same members picks the same one, and a node that
/// comes back (started again, so younger) does not take the layout from
/// the node that runs it.
class layout_leader {
public:
  /// This node, always up.
  explicit layout_leader(layout_candidate self);

  /// `x` is up (its inventory came); replaces what was known of that node.
  void up(layout_candidate x);

  /// `node` is cut off.
  void down(const std::string& node);

  /// The node that runs the layout now.
  const layout_candidate& leader() const;

  /// Whether that is this node.
  bool here() const { return leader().node == self_; }

private:
  std::string self_;
  std::map<std::string, layout_candidate> up_;
};

} // namespace av::cluster
