#include "basic_engine.hpp"

#include "physics_common.hpp"
#include "spring_weights.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace av::layout::detail {

namespace {

std::uint64_t splitmix64(std::uint64_t& s) {
  s += 0x9E3779B97F4A7C15ull;
  std::uint64_t z = s;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// Uniform in [-1, 1) from the top 24 bits.
float unit(std::uint64_t bits) {
  return static_cast<float>(bits >> 40) * (2.0f / 16777216.0f) - 1.0f;
}

bool finite(vec3f v) {
  return std::isfinite(v.x) && std::isfinite(v.y) && std::isfinite(v.z);
}

std::string node_msg(const char* what, std::size_t i) {
  return std::string{what} + ": node " + std::to_string(i);
}

} // namespace

vec3f initial_position(std::uint64_t seed, std::size_t i, float radius) {
  std::uint64_t s = seed ^ (0xD1B54A32D192ED03ull * (i + 1));
  for (;;) {
    float x = unit(splitmix64(s));
    float y = unit(splitmix64(s));
    float z = unit(splitmix64(s));
    if (x * x + y * y + z * z <= 1.0f)
      return {x * radius, y * radius, z * radius};
  }
}

float initial_radius(const params& p, std::size_t n) {
  auto count = static_cast<double>(n > 0 ? n : 1);
  double r = p.rest_length * std::cbrt(count);
  // A compact start that the layout unfolds from: the radius where
  // g * R = n * C / R^2, as if the push were inverse-square (at the
  // defaults about 1.2 rest lengths times the cube root of n).
  if (p.gravity > 0 && p.repulsion > 0)
    r = std::cbrt(count * p.repulsion / p.gravity);
  return static_cast<float>(r > 1.0 ? r : 1.0);
}

basic_engine::basic_engine(const params& p) : params_(p) {
  validate(p);
  state_.offsets.assign(1, 0);
}

const params& basic_engine::get_params() const noexcept {
  return params_;
}

void basic_engine::set_params(const params& p) {
  validate(p);
  params_ = p;
  dirty_ |= dirty_params;
  heat_ = 1.0f;
  on_params_changed();
}

std::size_t basic_engine::size() const noexcept {
  return state_.size();
}

void basic_engine::resize(std::size_t n) {
  if (n > 0x7fffffffu)
    throw std::invalid_argument("resize: node count " + std::to_string(n)
                                + " exceeds 2^31 - 1");
  pull();
  auto& s = state_;
  std::size_t old = s.size();
  auto grow = [n](auto& v, auto fill) {
    v.resize(n, fill);
  };
  grow(s.x, 0.0f);
  grow(s.y, 0.0f);
  grow(s.z, 0.0f);
  grow(s.vx, 0.0f);
  grow(s.vy, 0.0f);
  grow(s.vz, 0.0f);
  grow(s.tx, 0.0f);
  grow(s.ty, 0.0f);
  grow(s.tz, 0.0f);
  grow(s.flags, std::uint8_t{0});
  grow(s.inv_mass, 1.0f);
  if (n > old) {
    float radius = initial_radius(params_, n);
    for (std::size_t i = old; i < n; ++i) {
      auto p = initial_position(params_.seed, i, radius);
      s.x[i] = p.x;
      s.y[i] = p.y;
      s.z[i] = p.z;
    }
  } else if (n < old) {
    std::size_t kept = 0;
    for (auto& e : s.edges)
      if (e.source < n && e.target < n)
        s.edges[kept++] = e;
    s.edges.resize(kept);
  }
  rebuild_graph();
  dirty_ = dirty_all;
  heat_ = 1.0f;
}

void basic_engine::set_edges(const std::vector<edge>& edges) {
  std::size_t n = size();
  for (std::size_t k = 0; k < edges.size(); ++k) {
    const auto& e = edges[k];
    if (e.source >= n || e.target >= n)
      throw std::out_of_range(
        "set_edges: edge " + std::to_string(k) + " (" + std::to_string(e.source)
        + ", " + std::to_string(e.target) + ") refers to a node >= node count "
        + std::to_string(n));
    if (!std::isfinite(e.weight) || e.weight < 0)
      throw std::invalid_argument("set_edges: edge " + std::to_string(k)
                                  + " has weight " + std::to_string(e.weight)
                                  + "; weights must be finite and >= 0");
  }
  // Weights and neighbours stay on the host; a pull keeps positions current.
  pull();
  auto& s = state_;
  s.edges.clear();
  s.edges.reserve(edges.size());
  for (const auto& e : edges)
    if (e.source != e.target)
      s.edges.push_back(e);
  rebuild_graph();
  dirty_ |= dirty_graph;
  heat_ = 1.0f;
}

void basic_engine::rebuild_graph() {
  auto& s = state_;
  std::size_t n = s.size();
  auto g = make_adjacency(n, s.edges);
  auto weights = spring_weights(g, s.edges);
  std::vector<float> mass(n, 1.0f);
  for (std::size_t k = 0; k < s.edges.size(); ++k) {
    mass[s.edges[k].source] += weights[k];
    mass[s.edges[k].target] += weights[k];
  }
  s.nbr_w.resize(g.via.size());
  for (std::size_t slot = 0; slot < g.via.size(); ++slot)
    s.nbr_w[slot] = weights[g.via[slot]];
  s.offsets = std::move(g.offsets);
  s.nbr = std::move(g.nbr);
  s.inv_mass.resize(n);
  for (std::size_t i = 0; i < n; ++i)
    s.inv_mass[i] = 1.0f / mass[i];
}

void basic_engine::set_positions(const std::vector<vec3f>& xs) {
  if (xs.size() != size())
    throw std::invalid_argument("set_positions: got "
                                + std::to_string(xs.size()) + " positions for "
                                + std::to_string(size()) + " nodes");
  for (std::size_t i = 0; i < xs.size(); ++i)
    if (!finite(xs[i]))
      throw std::invalid_argument(
        node_msg("set_positions: non-finite position", i));
  pull();
  for (std::size_t i = 0; i < xs.size(); ++i) {
    state_.x[i] = xs[i].x;
    state_.y[i] = xs[i].y;
    state_.z[i] = xs[i].z;
  }
  dirty_ |= dirty_positions;
  heat_ = 1.0f;
}

void basic_engine::set_position(std::size_t i, vec3f x) {
  check_index(i, "set_position");
  if (!finite(x))
    throw std::invalid_argument(node_msg("set_position: non-finite", i));
  pull();
  state_.x[i] = x.x;
  state_.y[i] = x.y;
  state_.z[i] = x.z;
  dirty_ |= dirty_positions;
  heat_ = 1.0f;
}

void basic_engine::set_velocity(std::size_t i, vec3f v) {
  check_index(i, "set_velocity");
  if (!finite(v))
    throw std::invalid_argument(node_msg("set_velocity: non-finite", i));
  pull();
  state_.vx[i] = v.x;
  state_.vy[i] = v.y;
  state_.vz[i] = v.z;
  dirty_ |= dirty_velocities;
  heat_ = 1.0f;
}

void basic_engine::set_pinned(std::size_t i, bool pinned) {
  check_index(i, "set_pinned");
  pull();
  auto& f = state_.flags[i];
  f = pinned ? (f | flag_pinned) : (f & ~flag_pinned);
  if (pinned) {
    state_.vx[i] = state_.vy[i] = state_.vz[i] = 0.0f;
    dirty_ |= dirty_velocities;
  }
  dirty_ |= dirty_nodes;
  heat_ = 1.0f;
}

void basic_engine::set_target(std::size_t i, vec3f x) {
  check_index(i, "set_target");
  if (!finite(x))
    throw std::invalid_argument(node_msg("set_target: non-finite", i));
  pull();
  state_.tx[i] = x.x;
  state_.ty[i] = x.y;
  state_.tz[i] = x.z;
  state_.flags[i] |= flag_target;
  dirty_ |= dirty_nodes;
  heat_ = 1.0f;
}

void basic_engine::clear_target(std::size_t i) {
  check_index(i, "clear_target");
  pull();
  state_.flags[i] &= ~flag_target;
  dirty_ |= dirty_nodes;
  heat_ = 1.0f;
}

vec3f basic_engine::position(std::size_t i) const {
  check_index(i, "position");
  pull();
  return {state_.x[i], state_.y[i], state_.z[i]};
}

void basic_engine::positions(std::vector<vec3f>& out) const {
  pull();
  std::size_t n = size();
  out.resize(n);
  for (std::size_t i = 0; i < n; ++i)
    out[i] = {state_.x[i], state_.y[i], state_.z[i]};
}

void basic_engine::reheat() {
  heat_ = 1.0f;
}

void basic_engine::cool() {
  // A linear fade gives twice the full-force time of an exponential one of
  // the same length (the integral of the heat is cooling / 2), which large
  // graphs need to unfold, and it ends: at heat 0 only damping acts, so
  // rest follows within a bounded time.
  if (params_.cooling > 0)
    heat_ = std::max(0.0f, heat_ - params_.dt / params_.cooling);
}

void basic_engine::pull() const {
  // The host copy is the state.
}

void basic_engine::on_params_changed() {
  // Nothing to adapt by default.
}

void basic_engine::check_index(std::size_t i, const char* what) const {
  if (i >= size())
    throw std::out_of_range(std::string{what} + ": node " + std::to_string(i)
                            + " out of range (size " + std::to_string(size())
                            + ")");
}

} // namespace av::layout::detail
