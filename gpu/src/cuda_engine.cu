// CUDA engine: tiled all-pairs repulsion up to `params::exact_limit` nodes,
// a multi-level grid approximation above that, and the same per-node rules
// as the CPU engine (physics_common.hpp).

#include <cuda_runtime.h>

#include <cub/device/device_radix_sort.cuh>

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "basic_engine.hpp"
#include "physics_common.hpp"

namespace av::layout {

namespace {

void check_cuda(cudaError_t err, const char* what) {
  if (err != cudaSuccess)
    throw std::runtime_error(std::string{"CUDA error in "} + what + ": "
                             + cudaGetErrorString(err));
}

#define AV_CUDA_CHECK(call) check_cuda((call), #call)

/// Threads per block of the all-pairs kernel; also the tile length.
constexpr int tile = 256;

/// Threads per block of the per-node kernels.
constexpr int block = 256;

/// Finest grid level the approximation may use (128^3 cells).
constexpr int max_grid_level = 7;

// ---------------------------------------------------------------------------
// Device helpers

/// Adds the pull of `q` (mass `q.w`, or 1 when `Unit`) on `p`; the caller
/// negates the sum to get repulsion.
template <bool Unit = false>
__device__ __forceinline__ void accumulate(float4 p, float4 q,
                                           detail::repulsion_law law, float& ax,
                                           float& ay, float& az) {
  float dx = q.x - p.x;
  float dy = q.y - p.y;
  float dz = q.z - p.z;
  float f = law.factor(fmaf(dx, dx, fmaf(dy, dy, dz * dz)));
  float s = Unit ? f : q.w * f;
  ax = fmaf(dx, s, ax);
  ay = fmaf(dy, s, ay);
  az = fmaf(dz, s, az);
}

/// Maps a float to an int with the same ordering, for atomic min/max.
__device__ __forceinline__ int ordered(float f) {
  int i = __float_as_int(f);
  return i >= 0 ? i : i ^ 0x7fffffff;
}

__device__ __forceinline__ float unordered(int i) {
  return __int_as_float(i >= 0 ? i : i ^ 0x7fffffff);
}

/// Inverse of `detail::spread_bits`.
__device__ __forceinline__ unsigned compact3(unsigned v) {
  v &= 0x09249249u;
  v = (v | (v >> 2)) & 0x030c30c3u;
  v = (v | (v >> 4)) & 0x0300f00fu;
  v = (v | (v >> 8)) & 0x030000ffu;
  v = (v | (v >> 16)) & 0x000003ffu;
  return v;
}

// ---------------------------------------------------------------------------
// Exact all-pairs repulsion

/// Each thread owns `K` nodes; the block streams the nodes of its slice
/// (blockIdx.y) through shared memory one tile at a time. Slices let small
/// graphs fill the GPU; their partial sums land in `out[slice * n + i]`.
/// Writes the unscaled repulsion.
template <int K>
__global__ void __launch_bounds__(tile)
  all_pairs_kernel(const float4* __restrict__ pos, int n, int slice,
                   detail::repulsion_law law, float4* __restrict__ out) {
  __shared__ float4 sh[tile];
  int first = blockIdx.x * tile * K + threadIdx.x;
  float4 p[K];
  float ax[K], ay[K], az[K];
#pragma unroll
  for (int k = 0; k < K; ++k) {
    p[k] = pos[min(first + k * tile, n - 1)];
    ax[k] = ay[k] = az[k] = 0.0f;
  }
  int begin = blockIdx.y * slice;
  int end = min(n, begin + slice);
  for (int base = begin; base < end; base += tile) {
    float4 q = pos[min(base + static_cast<int>(threadIdx.x), n - 1)];
    __syncthreads();
    sh[threadIdx.x] = q;
    __syncthreads();
    int count = min(tile, end - base);
    if (count == tile) {
#pragma unroll 16
      for (int j = 0; j < tile; ++j) {
        float4 t = sh[j];
#pragma unroll
        for (int k = 0; k < K; ++k)
          accumulate<true>(p[k], t, law, ax[k], ay[k], az[k]);
      }
    } else {
      for (int j = 0; j < count; ++j) {
        float4 t = sh[j];
#pragma unroll
        for (int k = 0; k < K; ++k)
          accumulate<true>(p[k], t, law, ax[k], ay[k], az[k]);
      }
    }
  }
  float4* o = out + static_cast<std::size_t>(blockIdx.y) * n;
#pragma unroll
  for (int k = 0; k < K; ++k)
    if (first + k * tile < n)
      o[first + k * tile] = make_float4(-ax[k], -ay[k], -az[k], 0);
}

// ---------------------------------------------------------------------------
// Grid approximation: a pyramid of uniform grids (levels 2..L, 8^l cells),
// each cell holding its centre of mass. A node interacts with the cells of
// each level that are children of its parent cell's neighbours but not its
// own cell's neighbours, and directly with the nodes of the 27 finest cells
// around it. Every pair is counted exactly once.

struct grid_box {
  int lo[3];
  int hi[3];
};

__global__ void reset_box_kernel(grid_box* box) {
  for (int d = 0; d < 3; ++d) {
    box->lo[d] = INT_MAX;
    box->hi[d] = INT_MIN;
  }
}

__global__ void box_kernel(const float4* __restrict__ pos, int n,
                           grid_box* box) {
  float lo[3] = {INFINITY, INFINITY, INFINITY};
  float hi[3] = {-INFINITY, -INFINITY, -INFINITY};
  for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n;
       i += gridDim.x * blockDim.x) {
    float4 p = pos[i];
    lo[0] = fminf(lo[0], p.x);
    lo[1] = fminf(lo[1], p.y);
    lo[2] = fminf(lo[2], p.z);
    hi[0] = fmaxf(hi[0], p.x);
    hi[1] = fmaxf(hi[1], p.y);
    hi[2] = fmaxf(hi[2], p.z);
  }
  for (int d = 0; d < 3; ++d)
    for (int off = 16; off > 0; off /= 2) {
      lo[d] = fminf(lo[d], __shfl_down_sync(0xffffffffu, lo[d], off));
      hi[d] = fmaxf(hi[d], __shfl_down_sync(0xffffffffu, hi[d], off));
    }
  if ((threadIdx.x & 31) == 0)
    for (int d = 0; d < 3; ++d) {
      atomicMin(&box->lo[d], ordered(lo[d]));
      atomicMax(&box->hi[d], ordered(hi[d]));
    }
}

struct grid_frame {
  float lo[3];
  float scale; // cells per unit length at the finest level
};

__device__ __forceinline__ grid_frame frame_of(const grid_box* box, int res) {
  grid_frame f;
  float ext = 0;
  for (int d = 0; d < 3; ++d) {
    f.lo[d] = unordered(box->lo[d]);
    ext = fmaxf(ext, unordered(box->hi[d]) - f.lo[d]);
  }
  ext = ext > 0 ? ext * 1.0001f : 1.0f;
  f.scale = res / ext;
  return f;
}

__device__ __forceinline__ unsigned cell_coord(float v, float lo, float scale,
                                               int res) {
  float q = (v - lo) * scale;
  int c = q > 0 ? static_cast<int>(q) : 0;
  return static_cast<unsigned>(min(c, res - 1));
}

__global__ void key_kernel(const float4* __restrict__ pos, int n,
                           const grid_box* box, int level,
                           unsigned* __restrict__ keys,
                           unsigned* __restrict__ idx) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n)
    return;
  int res = 1 << level;
  grid_frame f = frame_of(box, res);
  float4 p = pos[i];
  unsigned cx = cell_coord(p.x, f.lo[0], f.scale, res);
  unsigned cy = cell_coord(p.y, f.lo[1], f.scale, res);
  unsigned cz = cell_coord(p.z, f.lo[2], f.scale, res);
  keys[i] = detail::spread_bits(cx) | detail::spread_bits(cy) << 1
            | detail::spread_bits(cz) << 2;
  idx[i] = static_cast<unsigned>(i);
}

/// Gathers sorted positions and marks where each finest cell starts/ends.
__global__ void gather_kernel(const float4* __restrict__ pos, int n,
                              const unsigned* __restrict__ keys,
                              const unsigned* __restrict__ idx, int level,
                              float4* __restrict__ spos,
                              unsigned* __restrict__ start,
                              unsigned* __restrict__ end) {
  int k = blockIdx.x * blockDim.x + threadIdx.x;
  if (k >= n)
    return;
  float4 p = pos[idx[k]];
  p.w = 1.0f;
  spos[k] = p;
  int res = 1 << level;
  auto row = [res](unsigned key) {
    return compact3(key) + compact3(key >> 1) * res
           + compact3(key >> 2) * res * res;
  };
  unsigned key = keys[k];
  if (k == 0 || keys[k - 1] != key)
    start[row(key)] = k;
  if (k == n - 1 || keys[k + 1] != key)
    end[row(key)] = k + 1;
}

/// Centre of mass of each finest cell, from its nodes.
__global__ void leaf_mass_kernel(const float4* __restrict__ spos,
                                 const unsigned* __restrict__ start,
                                 const unsigned* __restrict__ end, int cells,
                                 float4* __restrict__ out) {
  int c = blockIdx.x * blockDim.x + threadIdx.x;
  if (c >= cells)
    return;
  float sx = 0, sy = 0, sz = 0;
  unsigned b = start[c], e = end[c];
  for (unsigned k = b; k < e; ++k) {
    float4 p = spos[k];
    sx += p.x;
    sy += p.y;
    sz += p.z;
  }
  float m = static_cast<float>(e - b);
  float inv = m > 0 ? 1.0f / m : 0.0f;
  out[c] = make_float4(sx * inv, sy * inv, sz * inv, m);
}

/// Centre of mass of each cell of a level from its 8 children.
__global__ void parent_mass_kernel(const float4* __restrict__ child, int level,
                                   float4* __restrict__ out) {
  int res = 1 << level;
  int c = blockIdx.x * blockDim.x + threadIdx.x;
  if (c >= res * res * res)
    return;
  int x = c % res, y = (c / res) % res, z = c / (res * res);
  int cres = 2 * res;
  float sx = 0, sy = 0, sz = 0, m = 0;
  for (int d = 0; d < 8; ++d) {
    int cx = 2 * x + (d & 1), cy = 2 * y + ((d >> 1) & 1);
    int cz = 2 * z + (d >> 2);
    float4 q = child[cx + cy * cres + cz * cres * cres];
    sx += q.x * q.w;
    sy += q.y * q.w;
    sz += q.z * q.w;
    m += q.w;
  }
  float inv = m > 0 ? 1.0f / m : 0.0f;
  out[c] = make_float4(sx * inv, sy * inv, sz * inv, m);
}

/// Offset of level `l` (>= 2) in the array that stores levels 2, 3, ...
__host__ __device__ __forceinline__ std::size_t level_offset(int l) {
  return ((std::size_t{1} << (3 * l)) - 64) / 7;
}

__global__ void grid_force_kernel(
  const float4* __restrict__ spos, int n, const unsigned* __restrict__ keys,
  const unsigned* __restrict__ idx, const unsigned* __restrict__ start,
  const unsigned* __restrict__ end, const float4* __restrict__ levels,
  int finest, detail::repulsion_law law, float4* __restrict__ out) {
  int k = blockIdx.x * blockDim.x + threadIdx.x;
  if (k >= n)
    return;
  float4 p = spos[k];
  unsigned key = keys[k];
  int cx = compact3(key), cy = compact3(key >> 1), cz = compact3(key >> 2);
  float ax = 0, ay = 0, az = 0;
  for (int l = 2; l <= finest; ++l) {
    int sh = finest - l;
    int res = 1 << l;
    int ox = cx >> sh, oy = cy >> sh, oz = cz >> sh;
    int x0 = max(2 * ((ox >> 1) - 1), 0), x1 = min(2 * (ox >> 1) + 3, res - 1);
    int y0 = max(2 * ((oy >> 1) - 1), 0), y1 = min(2 * (oy >> 1) + 3, res - 1);
    int z0 = max(2 * ((oz >> 1) - 1), 0), z1 = min(2 * (oz >> 1) + 3, res - 1);
    const float4* cells = levels + level_offset(l);
    for (int z = z0; z <= z1; ++z) {
      bool near_z = abs(z - oz) <= 1;
      for (int y = y0; y <= y1; ++y) {
        bool near_yz = near_z && abs(y - oy) <= 1;
        const float4* row = cells + (z * res + y) * res;
        for (int x = x0; x <= x1; ++x) {
          if (near_yz && abs(x - ox) <= 1)
            continue;
          float4 q = __ldg(row + x);
          if (q.w > 0)
            accumulate(p, q, law, ax, ay, az);
        }
      }
    }
  }
  int res = 1 << finest;
  for (int z = max(cz - 1, 0); z <= min(cz + 1, res - 1); ++z)
    for (int y = max(cy - 1, 0); y <= min(cy + 1, res - 1); ++y)
      for (int x = max(cx - 1, 0); x <= min(cx + 1, res - 1); ++x) {
        int c = (z * res + y) * res + x;
        unsigned e = end[c];
        for (unsigned j = start[c]; j < e; ++j)
          accumulate<true>(p, spos[j], law, ax, ay, az);
      }
  out[idx[k]] = make_float4(-ax, -ay, -az, 0);
}

// ---------------------------------------------------------------------------
// Springs, gravity and integration

struct step_stats {
  double ke;
  unsigned disp2; // float bits; non-negative floats order like unsigned
};

__global__ void __launch_bounds__(block) integrate_kernel(
  int n, const float4* __restrict__ pos, float4* __restrict__ next,
  float4* __restrict__ vel, const float4* __restrict__ rep, int parts,
  const unsigned* __restrict__ offsets, const unsigned* __restrict__ nbr,
  const float* __restrict__ weight, const float* __restrict__ inv_mass,
  const unsigned char* __restrict__ flags, const float4* __restrict__ target,
  detail::sim_constants c, step_stats* stats) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  float ke = 0, disp2 = 0;
  if (i < n) {
    float4 p = pos[i];
    // Sum the partial repulsion of each slice.
    float4 r = rep[i];
    for (int s = 1; s < parts; ++s) {
      float4 q = rep[static_cast<std::size_t>(s) * n + i];
      r.x += q.x;
      r.y += q.y;
      r.z += q.z;
    }
    float fx = c.repulsion * r.x - c.gravity * p.x;
    float fy = c.repulsion * r.y - c.gravity * p.y;
    float fz = c.repulsion * r.z - c.gravity * p.z;
    for (unsigned e = offsets[i]; e < offsets[i + 1]; ++e) {
      float4 q = pos[nbr[e]];
      float dx = q.x - p.x, dy = q.y - p.y, dz = q.z - p.z;
      float k = detail::spring_factor(dx * dx + dy * dy + dz * dz,
                                      c.spring_k * weight[e], c.rest_length);
      fx += k * dx;
      fy += k * dy;
      fz += k * dz;
    }
    float4 v = vel[i];
    float4 t = target[i];
    auto o = detail::advance(c, flags[i], inv_mass[i], fx, fy, fz, t.x, t.y,
                             t.z, p.x, p.y, p.z, v.x, v.y, v.z);
    next[i] = p;
    vel[i] = v;
    ke = o.ke;
    disp2 = o.disp2;
  }
  for (int off = 16; off > 0; off /= 2) {
    ke += __shfl_down_sync(0xffffffffu, ke, off);
    disp2 = fmaxf(disp2, __shfl_down_sync(0xffffffffu, disp2, off));
  }
  __shared__ float ske[block / 32];
  __shared__ float sd[block / 32];
  int warp = threadIdx.x / 32;
  if ((threadIdx.x & 31) == 0) {
    ske[warp] = ke;
    sd[warp] = disp2;
  }
  __syncthreads();
  if (threadIdx.x == 0) {
    double total = 0;
    float worst = 0;
    for (int w = 0; w < block / 32; ++w) {
      total += ske[w];
      worst = fmaxf(worst, sd[w]);
    }
    atomicAdd(&stats->ke, total);
    atomicMax(&stats->disp2, __float_as_uint(worst));
  }
}

// ---------------------------------------------------------------------------
// Host side

/// A device array that only grows.
template <class T>
struct device_array {
  T* ptr = nullptr;
  std::size_t cap = 0;

  device_array() = default;
  device_array(const device_array&) = delete;
  device_array& operator=(const device_array&) = delete;

  ~device_array() {
    if (ptr)
      cudaFree(ptr);
  }

  void reserve(std::size_t n) {
    if (n <= cap)
      return;
    if (ptr)
      cudaFree(ptr);
    ptr = nullptr;
    cap = 0;
    std::size_t want = std::max<std::size_t>(n + n / 4, 64);
    AV_CUDA_CHECK(cudaMalloc(&ptr, want * sizeof(T)));
    cap = want;
  }

  void upload(const T* src, std::size_t n, cudaStream_t s) {
    reserve(n);
    if (n > 0)
      AV_CUDA_CHECK(
        cudaMemcpyAsync(ptr, src, n * sizeof(T), cudaMemcpyHostToDevice, s));
  }
};

unsigned blocks_for(std::size_t n, int threads) {
  return static_cast<unsigned>((n + threads - 1) / threads);
}

/// Grid depth that balances far-cell work against near-node work.
int choose_level(std::size_t n) {
  int best = 2;
  double best_cost = 1e300;
  for (int l = 2; l <= max_grid_level; ++l) {
    double cells = std::ldexp(1.0, 3 * l);
    // A ball fills about half of its bounding cube.
    double per_cell = static_cast<double>(n) / (0.52 * cells);
    double cost = 189.0 * (l - 1) + 27.0 * per_cell + cells / n;
    if (cost < best_cost) {
      best_cost = cost;
      best = l;
    }
  }
  return best;
}

class cuda_engine final : public detail::basic_engine {
public:
  explicit cuda_engine(const params& p) : basic_engine(p) {
    AV_CUDA_CHECK(cudaSetDevice(0));
    cudaDeviceProp prop{};
    AV_CUDA_CHECK(cudaGetDeviceProperties(&prop, 0));
    device_ = std::string{prop.name} + " (sm_" + std::to_string(prop.major)
              + std::to_string(prop.minor) + ")";
    sms_ = prop.multiProcessorCount;
    // Benchmark knob: force 1, 2 or 4 nodes per thread in the all-pairs
    // kernel.
    if (const char* k = std::getenv("AV_LAYOUT_CUDA_NODES_PER_THREAD")) {
      int v = std::atoi(k);
      per_thread_override_ = v == 1 || v == 2 || v == 4 ? v : 0;
    }
    AV_CUDA_CHECK(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking));
    AV_CUDA_CHECK(cudaMallocHost(&host_stats_, sizeof(step_stats)));
    stats_.reserve(1);
    box_.reserve(1);
  }

  ~cuda_engine() override {
    if (host_stats_)
      cudaFreeHost(host_stats_);
    if (stream_)
      cudaStreamDestroy(stream_);
  }

  std::string_view name() const noexcept override { return "cuda"; }

  std::string describe() const override {
    std::size_t n = size();
    std::string mode;
    if (n <= params_.exact_limit) {
      auto sp = all_pairs_split(n);
      mode = "exact all-pairs, " + std::to_string(sp.per_thread)
             + " per thread, " + std::to_string(sp.slices) + " slices";
    } else {
      mode = "grid, " + std::to_string(choose_level(n)) + " levels";
    }
    return "cuda on " + device_ + ", " + mode;
  }

  step_result step() override {
    std::size_t n = size();
    if (n == 0)
      return {};
    upload();
    auto c = detail::make_constants(params_, n, heat_);
    int ni = static_cast<int>(n);
    int parts = 1;
    if (c.repulsion > 0) {
      if (n <= params_.exact_limit)
        parts = all_pairs(ni, c.law);
      else
        grid_repulsion(ni, c.law);
      AV_CUDA_CHECK(cudaGetLastError());
    } else {
      AV_CUDA_CHECK(cudaMemsetAsync(rep_.ptr, 0, n * sizeof(float4), stream_));
    }
    AV_CUDA_CHECK(cudaMemsetAsync(stats_.ptr, 0, sizeof(step_stats), stream_));
    integrate_kernel<<<blocks_for(n, block), block, 0, stream_>>>(
      ni, pos_.ptr, next_.ptr, vel_.ptr, rep_.ptr, parts, offsets_.ptr,
      nbr_.ptr, weight_.ptr, inv_mass_.ptr, flags_.ptr, target_.ptr, c,
      stats_.ptr);
    AV_CUDA_CHECK(cudaGetLastError());
    std::swap(pos_.ptr, next_.ptr);
    std::swap(pos_.cap, next_.cap);
    AV_CUDA_CHECK(cudaMemcpyAsync(host_stats_, stats_.ptr, sizeof(step_stats),
                                  cudaMemcpyDeviceToHost, stream_));
    // The one synchronisation per step.
    AV_CUDA_CHECK(cudaStreamSynchronize(stream_));
    host_stale_ = true;
    step_result r;
    r.heat = heat_;
    cool();
    r.kinetic_energy = host_stats_->ke;
    float disp2;
    std::memcpy(&disp2, &host_stats_->disp2, sizeof disp2);
    r.max_displacement = std::sqrt(disp2);
    r.at_rest = r.max_displacement <= params_.rest_displacement;
    return r;
  }

protected:
  void pull() const override {
    if (!host_stale_)
      return;
    std::size_t n = size();
    staging_.resize(n);
    AV_CUDA_CHECK(cudaMemcpyAsync(staging_.data(), pos_.ptr, n * sizeof(float4),
                                  cudaMemcpyDeviceToHost, stream_));
    AV_CUDA_CHECK(cudaStreamSynchronize(stream_));
    for (std::size_t i = 0; i < n; ++i) {
      state_.x[i] = staging_[i].x;
      state_.y[i] = staging_[i].y;
      state_.z[i] = staging_[i].z;
    }
    AV_CUDA_CHECK(cudaMemcpyAsync(staging_.data(), vel_.ptr, n * sizeof(float4),
                                  cudaMemcpyDeviceToHost, stream_));
    AV_CUDA_CHECK(cudaStreamSynchronize(stream_));
    for (std::size_t i = 0; i < n; ++i) {
      state_.vx[i] = staging_[i].x;
      state_.vy[i] = staging_[i].y;
      state_.vz[i] = staging_[i].z;
    }
    host_stale_ = false;
  }

private:
  void pack(const std::vector<float>& a, const std::vector<float>& b,
            const std::vector<float>& c, device_array<float4>& dst) {
    std::size_t n = a.size();
    staging_.resize(n);
    for (std::size_t i = 0; i < n; ++i)
      staging_[i] = make_float4(a[i], b[i], c[i], 0.0f);
    dst.upload(staging_.data(), n, stream_);
    // The staging buffer is reused right away.
    AV_CUDA_CHECK(cudaStreamSynchronize(stream_));
  }

  void upload() {
    if (dirty_ == 0)
      return;
    std::size_t n = size();
    const auto& s = state_;
    if (dirty_ & dirty_size) {
      next_.reserve(n);
      rep_.reserve(n);
      dirty_ = dirty_all;
    }
    if (dirty_ & dirty_positions)
      pack(s.x, s.y, s.z, pos_);
    if (dirty_ & dirty_velocities)
      pack(s.vx, s.vy, s.vz, vel_);
    if (dirty_ & dirty_nodes) {
      pack(s.tx, s.ty, s.tz, target_);
      flags_.upload(s.flags.data(), n, stream_);
    }
    if (dirty_ & dirty_graph) {
      offsets_.upload(s.offsets.data(), s.offsets.size(), stream_);
      nbr_.upload(s.nbr.data(), s.nbr.size(), stream_);
      weight_.upload(s.nbr_w.data(), s.nbr_w.size(), stream_);
      inv_mass_.upload(s.inv_mass.data(), n, stream_);
    }
    // Sources of the async copies above live until the next mutation,
    // which waits on this.
    AV_CUDA_CHECK(cudaStreamSynchronize(stream_));
    dirty_ = 0;
  }

  /// Nodes per thread and number of slices for the all-pairs kernel.
  struct split {
    int per_thread;
    int slices;
  };

  split all_pairs_split(std::size_t n) const {
    // Two nodes per thread give each warp more independent work, once there
    // are enough blocks to occupy every multiprocessor.
    int k = per_thread_override_;
    if (k == 0)
      k = blocks_for(n, 2 * tile) >= static_cast<unsigned>(sms_) ? 2 : 1;
    unsigned blocks = std::max(1u, blocks_for(n, k * tile));
    // Split the sources so that about one full wave of blocks is resident.
    unsigned resident = static_cast<unsigned>(sms_) * (2048 / tile);
    int slices = static_cast<int>(std::clamp(resident / blocks, 1u, 32u));
    return {k, slices};
  }

  int all_pairs(int n, detail::repulsion_law law) {
    auto sp = all_pairs_split(static_cast<std::size_t>(n));
    int slice = (n + sp.slices - 1) / sp.slices;
    slice = (slice + tile - 1) / tile * tile;
    int slices = (n + slice - 1) / slice;
    rep_.reserve(static_cast<std::size_t>(slices) * n);
    dim3 grid{blocks_for(n, sp.per_thread * tile),
              static_cast<unsigned>(slices)};
    if (sp.per_thread == 4)
      all_pairs_kernel<4>
        <<<grid, tile, 0, stream_>>>(pos_.ptr, n, slice, law, rep_.ptr);
    else if (sp.per_thread == 2)
      all_pairs_kernel<2>
        <<<grid, tile, 0, stream_>>>(pos_.ptr, n, slice, law, rep_.ptr);
    else
      all_pairs_kernel<1>
        <<<grid, tile, 0, stream_>>>(pos_.ptr, n, slice, law, rep_.ptr);
    return slices;
  }

  void grid_repulsion(int n, detail::repulsion_law law) {
    int finest = choose_level(static_cast<std::size_t>(n));
    std::size_t res = std::size_t{1} << finest;
    std::size_t cells = res * res * res;
    keys_.reserve(n);
    keys_sorted_.reserve(n);
    idx_.reserve(n);
    idx_sorted_.reserve(n);
    spos_.reserve(n);
    start_.reserve(cells);
    end_.reserve(cells);
    mass_.reserve(level_offset(finest + 1));
    std::size_t temp = 0;
    AV_CUDA_CHECK(cub::DeviceRadixSort::SortPairs(
      nullptr, temp, keys_.ptr, keys_sorted_.ptr, idx_.ptr, idx_sorted_.ptr, n,
      0, 3 * finest, stream_));
    sort_temp_.reserve(temp);
    reset_box_kernel<<<1, 1, 0, stream_>>>(box_.ptr);
    box_kernel<<<std::min(blocks_for(n, block), 1024u), block, 0, stream_>>>(
      pos_.ptr, n, box_.ptr);
    key_kernel<<<blocks_for(n, block), block, 0, stream_>>>(
      pos_.ptr, n, box_.ptr, finest, keys_.ptr, idx_.ptr);
    AV_CUDA_CHECK(cub::DeviceRadixSort::SortPairs(
      sort_temp_.ptr, temp, keys_.ptr, keys_sorted_.ptr, idx_.ptr,
      idx_sorted_.ptr, n, 0, 3 * finest, stream_));
    AV_CUDA_CHECK(
      cudaMemsetAsync(start_.ptr, 0, cells * sizeof(unsigned), stream_));
    AV_CUDA_CHECK(
      cudaMemsetAsync(end_.ptr, 0, cells * sizeof(unsigned), stream_));
    gather_kernel<<<blocks_for(n, block), block, 0, stream_>>>(
      pos_.ptr, n, keys_sorted_.ptr, idx_sorted_.ptr, finest, spos_.ptr,
      start_.ptr, end_.ptr);
    leaf_mass_kernel<<<blocks_for(cells, block), block, 0, stream_>>>(
      spos_.ptr, start_.ptr, end_.ptr, static_cast<int>(cells),
      mass_.ptr + level_offset(finest));
    for (int l = finest - 1; l >= 2; --l)
      parent_mass_kernel<<<blocks_for(std::size_t{1} << (3 * l), block), block,
                           0, stream_>>>(mass_.ptr + level_offset(l + 1), l,
                                         mass_.ptr + level_offset(l));
    grid_force_kernel<<<blocks_for(n, 128), 128, 0, stream_>>>(
      spos_.ptr, n, keys_sorted_.ptr, idx_sorted_.ptr, start_.ptr, end_.ptr,
      mass_.ptr, finest, law, rep_.ptr);
  }

  std::string device_;
  int sms_ = 1;
  int per_thread_override_ = 0;
  cudaStream_t stream_ = nullptr;
  step_stats* host_stats_ = nullptr;
  mutable bool host_stale_ = false;
  mutable std::vector<float4> staging_;
  device_array<float4> pos_, next_, vel_, rep_, target_, spos_, mass_;
  device_array<unsigned> offsets_, nbr_, keys_, keys_sorted_, idx_, idx_sorted_,
    start_, end_;
  device_array<float> weight_, inv_mass_;
  device_array<unsigned char> flags_, sort_temp_;
  device_array<step_stats> stats_;
  device_array<grid_box> box_;
};

} // namespace

bool cuda_available(std::string* why) {
  int count = 0;
  cudaError_t err = cudaGetDeviceCount(&count);
  std::string reason;
  if (err == cudaErrorInsufficientDriver) {
    int runtime = 0, driver = 0;
    cudaRuntimeGetVersion(&runtime);
    cudaDriverGetVersion(&driver);
    if (driver == 0)
      reason = "no CUDA driver installed";
    else
      reason = "CUDA driver too old (driver supports " + std::to_string(driver)
               + ", runtime needs " + std::to_string(runtime) + ")";
  } else if (err == cudaErrorNoDevice || (err == cudaSuccess && count == 0)) {
    reason = "no CUDA device";
  } else if (err != cudaSuccess) {
    reason = std::string{"CUDA unavailable: "} + cudaGetErrorString(err);
  } else {
    cudaDeviceProp prop{};
    err = cudaGetDeviceProperties(&prop, 0);
    if (err != cudaSuccess)
      reason = std::string{"CUDA unavailable: "} + cudaGetErrorString(err);
    else if (prop.major < 8)
      reason = std::string{"CUDA device "} + prop.name + " has compute "
               + "capability " + std::to_string(prop.major) + "."
               + std::to_string(prop.minor) + "; 8.0 or newer is needed";
  }
  // Clear the sticky error state a failed query may leave behind.
  cudaGetLastError();
  if (why)
    *why = reason;
  return reason.empty();
}

std::unique_ptr<engine> make_cuda_engine(const params& p) {
  std::string why;
  if (!cuda_available(&why))
    throw std::runtime_error(why);
  return std::make_unique<cuda_engine>(p);
}

} // namespace av::layout
