#pragma once

#include <cstdint>
#include <vector>

#include "av/layout.hpp"

namespace av::layout::detail {

/// Host-side state of all nodes, structure-of-arrays.
struct node_state {
  std::vector<float> x, y, z;
  std::vector<float> vx, vy, vz;
  std::vector<float> tx, ty, tz;
  std::vector<std::uint8_t> flags;
  std::vector<float> inv_mass;
  /// Edges as given (minus self-loops), kept to rebuild after `resize`.
  std::vector<edge> edges;
  /// Symmetric adjacency in CSR form: neighbours of i are
  /// `nbr[offsets[i] .. offsets[i+1])` with spring weights `nbr_w` (the
  /// edge's weight times its load, see `spring_weights`).
  std::vector<std::uint32_t> offsets;
  std::vector<std::uint32_t> nbr;
  std::vector<float> nbr_w;

  std::size_t size() const noexcept { return x.size(); }
};

/// Seeded point of node `i` in a ball of `radius`; independent of order.
vec3f initial_position(std::uint64_t seed, std::size_t i, float radius);

/// Radius of the compact ball that `n` new nodes start in, which the layout
/// unfolds from (not where it comes to rest).
float initial_radius(const params& p, std::size_t n);

/// Implements validation and bookkeeping shared by all engines.
///
/// Subclasses implement `step()`. Engines that keep state elsewhere (the
/// GPU) override `pull()` to refresh the host copy before it is read or
/// modified, and read `dirty_` to know what to upload.
class basic_engine : public engine {
public:
  explicit basic_engine(const params& p);

  const params& get_params() const noexcept override;
  void set_params(const params& p) override;
  std::size_t size() const noexcept override;
  void resize(std::size_t n) override;
  void set_edges(const std::vector<edge>& edges) override;
  void set_positions(const std::vector<vec3f>& xs) override;
  void set_position(std::size_t i, vec3f x) override;
  void set_velocity(std::size_t i, vec3f v) override;
  void set_pinned(std::size_t i, bool pinned) override;
  void set_target(std::size_t i, vec3f x) override;
  void clear_target(std::size_t i) override;
  void reheat() override;
  vec3f position(std::size_t i) const override;
  void positions(std::vector<vec3f>& out) const override;

protected:
  /// What changed on the host since the last upload.
  enum dirty_bits : unsigned {
    dirty_positions = 1,
    dirty_velocities = 2,
    dirty_nodes = 4, // flags and targets
    dirty_graph = 8, // CSR and masses
    dirty_params = 16,
    dirty_size = 32,
    dirty_all = 63,
  };

  /// Makes the host copy current; no-op when the host copy is the state.
  virtual void pull() const;

  /// Called after parameters change, e.g. to resize a thread pool.
  virtual void on_params_changed();

  /// Lets forces fade by one step's worth of `params::cooling`.
  void cool();

  void check_index(std::size_t i, const char* what) const;
  void rebuild_graph();

  params params_;
  mutable node_state state_;
  mutable unsigned dirty_ = dirty_all;
  /// Force scale for the next step.
  float heat_ = 1.0f;
};

} // namespace av::layout::detail
