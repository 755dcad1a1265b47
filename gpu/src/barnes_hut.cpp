#include "barnes_hut.hpp"

#include <algorithm>
#include <cfloat>
#include <cmath>

#include "physics_common.hpp"

namespace av::layout::detail {

namespace {

/// Nodes per leaf; larger leaves trade tree depth for direct pair sums.
constexpr std::uint32_t leaf_capacity = 16;

/// Depth of the octree; Morton codes carry 3 bits per level.
constexpr int max_level = 10;

/// Nodes per task in the linear phases.
constexpr std::size_t linear_chunk = 16384;

/// Groups per task in the tree-walk phase.
constexpr std::size_t walk_chunk = 32;

std::uint32_t quantize(float v, float lo, float scale) {
  float q = (v - lo) * scale;
  if (!(q > 0.0f))
    return 0;
  return q >= 1023.0f ? 1023u : static_cast<std::uint32_t>(q);
}

struct box {
  float lo[3] = {FLT_MAX, FLT_MAX, FLT_MAX};
  float hi[3] = {-FLT_MAX, -FLT_MAX, -FLT_MAX};
};

template <class T>
void ensure_size(std::vector<T>& v, std::size_t n) {
  if (v.size() < n)
    v.resize(n);
}

} // namespace

// Compiled for several instruction sets; the loader picks the best one.
// Not under ThreadSanitizer: the loader runs the clones' resolver before
// the sanitizer's runtime is up, and the instrumented resolver crashes.
#ifdef __SANITIZE_THREAD__
#  define AV_INSTRUCTION_SET_CLONES
#else
#  define AV_INSTRUCTION_SET_CLONES                                            \
    __attribute__((target_clones("arch=haswell", "avx", "default")))
#endif
AV_INSTRUCTION_SET_CLONES void
eval_group(const float* lx, const float* ly, const float* lz, const float* lm,
           std::size_t count, const float* gx, const float* gy, const float* gz,
           repulsion_law law, float* ax, float* ay, float* az) {
  alignas(32) float px[bh_lanes], py[bh_lanes], pz[bh_lanes];
  alignas(32) float sx[bh_lanes] = {}, sy[bh_lanes] = {}, sz[bh_lanes] = {};
  for (std::size_t k = 0; k < bh_lanes; ++k) {
    px[k] = gx[k];
    py[k] = gy[k];
    pz[k] = gz[k];
  }
  // Lanes in the inner loop are independent, so it vectorises without
  // reassociating any sum.
  for (std::size_t j = 0; j < count; ++j) {
    float xj = lx[j], yj = ly[j], zj = lz[j], mj = lm[j];
    for (std::size_t k = 0; k < bh_lanes; ++k) {
      float dx = px[k] - xj;
      float dy = py[k] - yj;
      float dz = pz[k] - zj;
      float s = mj * law.factor(dx * dx + dy * dy + dz * dz);
      sx[k] += dx * s;
      sy[k] += dy * s;
      sz[k] += dz * s;
    }
  }
  for (std::size_t k = 0; k < bh_lanes; ++k) {
    ax[k] = sx[k];
    ay[k] = sy[k];
    az[k] = sz[k];
  }
}

void barnes_hut::compute(thread_pool& pool, std::size_t n, const float* x,
                         const float* y, const float* z, float theta,
                         repulsion_law law, float* fx, float* fy, float* fz) {
  n_ = n;
  if (n == 0)
    return;
  inv_theta2_ = theta > 0 ? 1.0f / (theta * theta) : 0.0f;
  sort_nodes(pool, x, y, z);
  cells_.clear();
  build(0, static_cast<std::uint32_t>(n), 0, cube_);
  if (scratch_.size() < pool.size())
    scratch_.resize(pool.size());
  std::size_t groups = (n + bh_group - 1) / bh_group;
  std::size_t tasks = (groups + walk_chunk - 1) / walk_chunk;
  pool.run(tasks, [&](std::size_t task, unsigned thread) {
    std::size_t first = task * walk_chunk;
    std::size_t last = std::min(groups, first + walk_chunk);
    for (std::size_t g = first; g < last; ++g)
      walk_group(g, scratch_[thread], law, fx, fy, fz);
  });
}

void barnes_hut::sort_nodes(thread_pool& pool, const float* x, const float* y,
                            const float* z) {
  std::size_t n = n_;
  std::size_t tasks = (n + linear_chunk - 1) / linear_chunk;
  // Six floats per task: the low and high corners of its nodes.
  boxes_.resize(6 * tasks);
  pool.run(tasks, [&](std::size_t task, unsigned) {
    float lo[3] = {FLT_MAX, FLT_MAX, FLT_MAX};
    float hi[3] = {-FLT_MAX, -FLT_MAX, -FLT_MAX};
    std::size_t last = std::min(n, (task + 1) * linear_chunk);
    for (std::size_t i = task * linear_chunk; i < last; ++i) {
      lo[0] = std::min(lo[0], x[i]);
      hi[0] = std::max(hi[0], x[i]);
      lo[1] = std::min(lo[1], y[i]);
      hi[1] = std::max(hi[1], y[i]);
      lo[2] = std::min(lo[2], z[i]);
      hi[2] = std::max(hi[2], z[i]);
    }
    float* b = boxes_.data() + 6 * task;
    std::copy(lo, lo + 3, b);
    std::copy(hi, hi + 3, b + 3);
  });
  box all;
  for (std::size_t t = 0; t < tasks; ++t)
    for (int d = 0; d < 3; ++d) {
      all.lo[d] = std::min(all.lo[d], boxes_[6 * t + d]);
      all.hi[d] = std::max(all.hi[d], boxes_[6 * t + 3 + d]);
    }
  float extent = std::max(
    {all.hi[0] - all.lo[0], all.hi[1] - all.lo[1], all.hi[2] - all.lo[2]});
  // Slightly larger than the points so the maximum lands inside the grid.
  cube_ = extent > 0 ? extent * 1.0001f : 1.0f;
  float scale = 1024.0f / cube_;
  ensure_size(code_, n);
  ensure_size(code_tmp_, n);
  ensure_size(perm_, n);
  ensure_size(perm_tmp_, n);
  pool.run(tasks, [&](std::size_t task, unsigned) {
    std::size_t last = std::min(n, (task + 1) * linear_chunk);
    for (std::size_t i = task * linear_chunk; i < last; ++i) {
      code_[i] = spread_bits(quantize(x[i], all.lo[0], scale))
                 | spread_bits(quantize(y[i], all.lo[1], scale)) << 1
                 | spread_bits(quantize(z[i], all.lo[2], scale)) << 2;
      perm_[i] = static_cast<std::uint32_t>(i);
    }
  });
  // Stable LSD radix sort, 10 bits per pass; ties keep index order.
  hist_.resize(1024);
  for (int shift = 0; shift < 30; shift += 10) {
    std::fill(hist_.begin(), hist_.end(), 0u);
    for (std::size_t i = 0; i < n; ++i)
      ++hist_[(code_[i] >> shift) & 1023u];
    std::uint32_t sum = 0;
    for (auto& h : hist_) {
      auto c = h;
      h = sum;
      sum += c;
    }
    for (std::size_t i = 0; i < n; ++i) {
      auto slot = hist_[(code_[i] >> shift) & 1023u]++;
      code_tmp_[slot] = code_[i];
      perm_tmp_[slot] = perm_[i];
    }
    code_.swap(code_tmp_);
    perm_.swap(perm_tmp_);
  }
  // Padding lets every group read bh_group lanes without a bounds check.
  std::size_t padded = (n + bh_group - 1) / bh_group * bh_group;
  ensure_size(sx_, padded);
  ensure_size(sy_, padded);
  ensure_size(sz_, padded);
  pool.run(tasks, [&](std::size_t task, unsigned) {
    std::size_t last = std::min(n, (task + 1) * linear_chunk);
    for (std::size_t i = task * linear_chunk; i < last; ++i) {
      auto p = perm_[i];
      sx_[i] = x[p];
      sy_[i] = y[p];
      sz_[i] = z[p];
    }
  });
  for (std::size_t i = n; i < padded; ++i) {
    sx_[i] = sx_[n - 1];
    sy_[i] = sy_[n - 1];
    sz_[i] = sz_[n - 1];
  }
}

std::uint32_t barnes_hut::build(std::uint32_t begin, std::uint32_t end,
                                int level, float size) {
  auto idx = static_cast<std::uint32_t>(cells_.size());
  cells_.push_back({});
  cell c{};
  c.open2 = inv_theta2_ > 0 ? size * size * inv_theta2_ : FLT_MAX;
  c.begin = begin;
  std::uint32_t count = end - begin;
  if (count <= leaf_capacity || level == max_level) {
    float sx = 0, sy = 0, sz = 0;
    for (auto i = begin; i < end; ++i) {
      sx += sx_[i];
      sy += sy_[i];
      sz += sz_[i];
    }
    float inv = 1.0f / static_cast<float>(count);
    c.cx = sx * inv;
    c.cy = sy * inv;
    c.cz = sz * inv;
    c.mass = static_cast<float>(count);
    c.count = count | leaf_bit;
  } else {
    int shift = 3 * (max_level - 1 - level);
    const std::uint32_t* codes = code_.data();
    float m = 0, sx = 0, sy = 0, sz = 0;
    for (auto i = begin; i < end;) {
      auto digit = (codes[i] >> shift) & 7u;
      // Codes are sorted and share all higher digits within this cell.
      auto stop
        = std::partition_point(codes + i, codes + end, [&](std::uint32_t k) {
            return ((k >> shift) & 7u) <= digit;
          });
      auto j = static_cast<std::uint32_t>(stop - codes);
      auto child = build(i, j, level + 1, size * 0.5f);
      const cell& cc = cells_[child];
      m += cc.mass;
      sx += cc.cx * cc.mass;
      sy += cc.cy * cc.mass;
      sz += cc.cz * cc.mass;
      i = j;
    }
    c.cx = sx / m;
    c.cy = sy / m;
    c.cz = sz / m;
    c.mass = m;
    c.count = count;
  }
  c.next = static_cast<std::uint32_t>(cells_.size());
  cells_[idx] = c;
  return idx;
}

void barnes_hut::walk_group(std::size_t group, scratch& s, repulsion_law law,
                            float* fx, float* fy, float* fz) const {
  std::size_t first = group * bh_group;
  std::size_t count = std::min(bh_group, n_ - first);
  const float* gx = sx_.data() + first;
  const float* gy = sy_.data() + first;
  const float* gz = sz_.data() + first;
  float lo[3] = {gx[0], gy[0], gz[0]};
  float hi[3] = {gx[0], gy[0], gz[0]};
  for (std::size_t k = 1; k < count; ++k) {
    lo[0] = std::min(lo[0], gx[k]);
    hi[0] = std::max(hi[0], gx[k]);
    lo[1] = std::min(lo[1], gy[k]);
    hi[1] = std::max(hi[1], gy[k]);
    lo[2] = std::min(lo[2], gz[k]);
    hi[2] = std::max(hi[2], gz[k]);
  }
  const cell* cells = cells_.data();
  auto ncells = static_cast<std::uint32_t>(cells_.size());
  // A walk appends at most one entry per cell, so size for that up front.
  if (s.x.size() < ncells) {
    s.x.resize(ncells);
    s.y.resize(ncells);
    s.z.resize(ncells);
    s.m.resize(ncells);
  }
  if (s.leaves.size() < ncells)
    s.leaves.resize(ncells);
  // Branch-free walk: far cells are appended as bodies, opened leaves are
  // noted and expanded afterwards. The outcome of each test is hard to
  // predict, so avoiding branches pays.
  std::size_t len = 0;
  std::size_t leaves = 0;
  std::size_t bodies = 0;
  for (std::uint32_t i = 0; i < ncells;) {
    const cell& c = cells[i];
    float dx = std::max(std::max(lo[0] - c.cx, c.cx - hi[0]), 0.0f);
    float dy = std::max(std::max(lo[1] - c.cy, c.cy - hi[1]), 0.0f);
    float dz = std::max(std::max(lo[2] - c.cz, c.cz - hi[2]), 0.0f);
    bool far = dx * dx + dy * dy + dz * dz > c.open2;
    bool leaf = (c.count & leaf_bit) != 0;
    s.x[len] = c.cx;
    s.y[len] = c.cy;
    s.z[len] = c.cz;
    s.m[len] = c.mass;
    len += far;
    s.leaves[leaves] = i;
    bool open_leaf = !far & leaf;
    leaves += open_leaf;
    bodies += open_leaf ? (c.count & ~leaf_bit) : 0;
    i = (far | leaf) ? c.next : i + 1;
  }
  if (s.x.size() < len + bodies) {
    std::size_t cap = 2 * (len + bodies);
    s.x.resize(cap);
    s.y.resize(cap);
    s.z.resize(cap);
    s.m.resize(cap);
  }
  for (std::size_t l = 0; l < leaves; ++l) {
    const cell& c = cells[s.leaves[l]];
    std::uint32_t k = c.count & ~leaf_bit;
    std::copy_n(sx_.data() + c.begin, k, s.x.data() + len);
    std::copy_n(sy_.data() + c.begin, k, s.y.data() + len);
    std::copy_n(sz_.data() + c.begin, k, s.z.data() + len);
    std::fill_n(s.m.data() + len, k, 1.0f);
    len += k;
  }
  alignas(32) float ax[bh_group], ay[bh_group], az[bh_group];
  for (std::size_t h = 0; h < bh_group; h += bh_lanes)
    eval_group(s.x.data(), s.y.data(), s.z.data(), s.m.data(), len, gx + h,
               gy + h, gz + h, law, ax + h, ay + h, az + h);
  for (std::size_t k = 0; k < count; ++k) {
    auto o = perm_[first + k];
    fx[o] = ax[k];
    fy[o] = ay[k];
    fz[o] = az[k];
  }
}

} // namespace av::layout::detail
