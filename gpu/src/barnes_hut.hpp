#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "physics_common.hpp"
#include "thread_pool.hpp"

namespace av::layout::detail {

/// Number of consecutive (Morton-ordered) nodes that share one tree walk.
constexpr std::size_t bh_group = 32;

/// Nodes evaluated together by `eval_group`.
constexpr std::size_t bh_lanes = 16;

/// Sums `m_j * (p_i - p_j) * law.factor(|p_i - p_j|^2)` for many sources.
///
/// Vectorised over the `bh_lanes` lanes of `g*`; `l*` hold `count` sources.
void eval_group(const float* lx, const float* ly, const float* lz,
                const float* lm, std::size_t count, const float* gx,
                const float* gy, const float* gz, repulsion_law law, float* ax,
                float* ay, float* az);

/// Barnes-Hut evaluation of the repulsion (`repulsion_law`).
///
/// Each call sorts the nodes along a Morton curve, builds an octree over the
/// sorted order and walks it once per group of `bh_group` consecutive nodes,
/// collecting an interaction list that is then evaluated with SIMD. Results
/// depend only on the input, not on the number of threads. Buffers are kept
/// between calls, so steady-state calls do not allocate.
class barnes_hut {
public:
  /// Writes the unscaled repulsion on every node into `fx`, `fy`, `fz`.
  /// `theta == 0` evaluates all pairs exactly.
  void compute(thread_pool& pool, std::size_t n, const float* x, const float* y,
               const float* z, float theta, repulsion_law law, float* fx,
               float* fy, float* fz);

  /// Returns the number of cells in the last tree (for tests).
  std::size_t cell_count() const noexcept { return cells_.size(); }

private:
  struct cell {
    float cx, cy, cz, mass;
    /// Squared distance beyond which the cell counts as one body.
    float open2;
    /// Index of the first cell after this subtree.
    std::uint32_t next;
    /// First sorted node and node count; leaves have `leaf_bit` set.
    std::uint32_t begin;
    std::uint32_t count;
  };

  static constexpr std::uint32_t leaf_bit = 0x80000000u;

  /// Per-thread interaction list.
  struct scratch {
    std::vector<float> x, y, z, m;
    std::vector<std::uint32_t> leaves;
  };

  void sort_nodes(thread_pool& pool, const float* x, const float* y,
                  const float* z);
  std::uint32_t build(std::uint32_t begin, std::uint32_t end, int level,
                      float size);
  void walk_group(std::size_t group, scratch& s, repulsion_law law, float* fx,
                  float* fy, float* fz) const;

  std::size_t n_ = 0;
  float inv_theta2_ = 0;
  /// Edge length of the cube around all nodes.
  float cube_ = 1;
  std::vector<float> boxes_;
  std::vector<std::uint32_t> code_, code_tmp_;
  std::vector<std::uint32_t> perm_, perm_tmp_;
  std::vector<std::uint32_t> hist_;
  std::vector<float> sx_, sy_, sz_;
  std::vector<cell> cells_;
  std::vector<scratch> scratch_;
};

} // namespace av::layout::detail
