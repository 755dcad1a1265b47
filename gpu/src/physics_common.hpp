#pragma once

// Per-node force and integration rules shared by the CPU and CUDA engines,
// so both follow exactly the same semantics.

#include <cmath>
#include <cstddef>
#include <cstdint>

#include "av/layout.hpp"

#ifdef __CUDACC__
#  define AV_HD __host__ __device__ __forceinline__
#else
#  define AV_HD inline
#endif

namespace av::layout::detail {

/// Bits in the per-node flag byte.
enum node_flag : std::uint8_t {
  flag_pinned = 1,
  flag_target = 2,
};

/// Spreads the low 10 bits of `v` to every third bit, so that three
/// coordinates OR-ed with shifts 0, 1 and 2 form a 30-bit Morton code.
AV_HD std::uint32_t spread_bits(std::uint32_t v) {
  v &= 0x3ffu;
  v = (v | (v << 16)) & 0x030000ffu;
  v = (v | (v << 8)) & 0x0300f00fu;
  v = (v | (v << 4)) & 0x030c30c3u;
  v = (v | (v << 2)) & 0x09249249u;
  return v;
}

/// The pairwise repulsion on a unit mass: `1 / r` with the distance
/// softened by `softening` (r^2 = d^2 + softening^2), fading smoothly to
/// zero at `repulsion_range` (params). The long reach of 1 / r pushes groups
/// apart; the fade keeps a large graph's far side from stretching every
/// edge.
struct repulsion_law {
  float eps2;
  float inv_range2;

  /// Factor that turns the offset `d` (squared length `d2`) between two
  /// nodes into the push of one on the other.
  AV_HD float factor(float d2) const {
    float r2 = d2 + eps2;
    float t = 1.0f - r2 * inv_range2;
    t = 0.5f * (t + fabsf(t));  // max(t, 0) without a branch, so it vectorises
    return t * t * (1.0f / r2); // a reciprocal, not a division, on GPUs
  }
};

/// Parameters pre-digested for the inner loops.
struct sim_constants {
  float dt;
  float damp_div; // 1 / (1 + damping * dt): implicit damping
  float max_speed;
  float spring_k;
  float rest_length;
  float gravity;
  float repulsion;
  repulsion_law law;
  float target_rate;
  float target_decay; // exp(-target_rate * dt)
  float heat;         // force scale, see params::cooling
};

/// Layouts up to this many nodes feel the repulsion out to
/// `params::repulsion_range`.
constexpr float range_base_nodes = 2500.0f;

/// The repulsion's reach in a layout of `n` nodes: `repulsion_range` up to
/// `range_base_nodes`, then growing with the cube root of `n`, as the body
/// of a layout does, so that the distant groups of a large graph still push
/// apart instead of being folded together by the edges between them.
inline float effective_range(const params& p, std::size_t n) {
  float scale = std::cbrt(static_cast<float>(n) / range_base_nodes);
  return p.repulsion_range * (scale > 1.0f ? scale : 1.0f);
}

inline sim_constants make_constants(const params& p, std::size_t n,
                                    float heat) {
  sim_constants c{};
  c.heat = heat;
  c.dt = p.dt;
  c.damp_div = 1.0f / (1.0f + p.damping * p.dt);
  c.max_speed = p.max_speed;
  c.spring_k = p.spring_k;
  c.rest_length = p.rest_length;
  c.gravity = p.gravity;
  c.repulsion = p.repulsion;
  c.law.eps2 = p.softening * p.softening;
  float range = effective_range(p, n);
  c.law.inv_range2 = 1.0f / (range * range);
  c.target_rate = p.target_rate;
  c.target_decay = std::exp(-p.target_rate * p.dt);
  return c;
}

/// Factor that turns the offset `d` (to the neighbour) into the spring force.
AV_HD float spring_factor(float r2, float kw, float rest) {
  // Coincident ends have no direction to pull in.
  if (r2 < 1e-12f)
    return 0.0f;
  float r = sqrtf(r2);
  return kw * (r - rest) / r;
}

/// Outcome of advancing one node, for the rest test and energy sum.
struct advance_out {
  float disp2;
  float ke;
};

/// Advances one node by one step given the total force `f` acting on it.
///
/// Free nodes use semi-implicit Euler with implicit damping and a speed cap.
/// Nodes with a target follow the exact solution of a critically damped
/// spring toward it, so they glide without overshoot at any step size.
AV_HD advance_out advance(const sim_constants& c, std::uint8_t flags,
                          float inv_mass, float fx, float fy, float fz,
                          float tx, float ty, float tz, float& x, float& y,
                          float& z, float& vx, float& vy, float& vz) {
  advance_out out{0.0f, 0.0f};
  if (flags & flag_pinned) {
    vx = vy = vz = 0.0f;
    return out;
  }
  float nx, ny, nz;
  if (flags & flag_target) {
    float w = c.target_rate;
    float h = c.dt;
    float e = c.target_decay;
    float ex = x - tx, ey = y - ty, ez = z - tz;
    float bx = vx + w * ex, by = vy + w * ey, bz = vz + w * ez;
    nx = tx + (ex + bx * h) * e;
    ny = ty + (ey + by * h) * e;
    nz = tz + (ez + bz * h) * e;
    vx = (vx - w * bx * h) * e;
    vy = (vy - w * by * h) * e;
    vz = (vz - w * bz * h) * e;
  } else {
    float s = inv_mass * c.dt * c.heat;
    vx = (vx + fx * s) * c.damp_div;
    vy = (vy + fy * s) * c.damp_div;
    vz = (vz + fz * s) * c.damp_div;
    float v2 = vx * vx + vy * vy + vz * vz;
    float cap2 = c.max_speed * c.max_speed;
    if (v2 > cap2) {
      float k = c.max_speed / sqrtf(v2);
      vx *= k;
      vy *= k;
      vz *= k;
    }
    nx = x + vx * c.dt;
    ny = y + vy * c.dt;
    nz = z + vz * c.dt;
  }
  float dx = nx - x, dy = ny - y, dz = nz - z;
  out.disp2 = dx * dx + dy * dy + dz * dz;
  out.ke = 0.5f * (vx * vx + vy * vy + vz * vz) / inv_mass;
  x = nx;
  y = ny;
  z = nz;
  return out;
}

} // namespace av::layout::detail
