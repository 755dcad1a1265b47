#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "av/vec3f.hpp"

/// Force-directed 3D layout of the agent graph.
namespace av::layout {

/// Tuning knobs shared by every engine implementation.
///
/// Forces: every pair of nodes repels with `repulsion / r` (softened by
/// `softening`, fading to zero at `repulsion_range`, which grows with the
/// cube root of the node count beyond 2,500 nodes), every edge pulls like
/// a spring of stiffness `spring_k * weight * load` toward `rest_length`
/// (load: the edge count of its busier end or, for a bridge, the node
/// count of the smaller part it holds, whichever is larger, so loaded
/// edges do not stretch), and every node is pulled toward the origin with
/// `gravity * distance`. A node's mass is `1 + sum of its springs'
/// weight * load`, so busy hubs move calmly. Forces fade over `cooling`
/// seconds after the last change so the layout comes to rest. See
/// docs/physics.md.
struct params {
  /// Spring stiffness per unit edge weight.
  float spring_k = 512.0f;
  /// Length at which a spring exerts no force.
  float rest_length = 10.0f;
  /// Strength of the pairwise 1 / r repulsion.
  float repulsion = 2880.0f;
  /// Strength of the linear pull toward the origin; weak, so that it only
  /// keeps loose parts near and does not squeeze connected ones.
  float gravity = 1.5f;
  /// Velocity damping rate per second (applied implicitly).
  float damping = 2.0f;
  /// Barnes-Hut opening angle; 0 means exact all-pairs repulsion.
  float theta = 0.8f;
  /// Upper bound on the speed of a free node (layout units per second).
  float max_speed = 2400.0f;
  /// Simulated seconds per `step()`.
  float dt = 1.0f / 60.0f;
  /// Distance below which repulsion stops growing (Plummer softening).
  float softening = 3.0f;
  /// Distance at which repulsion has faded to zero; it fades smoothly,
  /// as (1 - r^2 / range^2)^2. Beyond 2,500 nodes the reach grows with the
  /// cube root of the node count, as a layout's body does.
  float repulsion_range = 220.0f;
  /// Natural frequency (1/s) of the critically damped glide toward targets.
  float target_rate = 6.0f;
  /// Seconds over which forces fade linearly to zero after the last
  /// change, so that layouts come to rest; any mutation restores full
  /// force. 0 keeps full force forever (pure physics).
  float cooling = 12.0f;
  /// `step()` reports rest once no node moves farther than this per step.
  float rest_displacement = 0.01f;
  /// CUDA only: largest node count that uses exact all-pairs repulsion.
  std::size_t exact_limit = 200000;
  /// CPU only: worker threads including the caller; 0 means all cores.
  unsigned threads = 0;
  /// Seed for the initial placement of nodes.
  std::uint64_t seed = 1;
};

/// Names the first invalid field of `p` and why; nothing when all are
/// valid. Lets callers refuse bad parameters without catching.
std::optional<std::string> params_error(const params& p);

/// Throws `std::invalid_argument` with `params_error(p)`, if any.
void validate(const params& p);

/// An undirected weighted connection between two nodes.
struct edge {
  std::uint32_t source = 0;
  std::uint32_t target = 0;
  float weight = 1.0f;
};

/// What one `step()` did; lets the caller stop ticking once at rest.
struct step_result {
  /// Sum over free nodes of `0.5 * mass * speed^2`.
  double kinetic_energy = 0;
  /// Largest distance any node moved during the step.
  float max_displacement = 0;
  /// Force scale used for this step: 1 after a change, fading toward 0
  /// with `params::cooling`.
  float heat = 0;
  /// True when `max_displacement <= params::rest_displacement`.
  bool at_rest = true;
};

/// A layout simulation over nodes `0 .. size()-1`.
///
/// All implementations share parameters and semantics. Mutators validate
/// their input and throw `std::invalid_argument` or `std::out_of_range` with
/// a message naming the culprit; the engine is unchanged after a throw.
class engine {
public:
  virtual ~engine();

  /// Returns "cpu" or "cuda".
  virtual std::string_view name() const noexcept = 0;

  /// Returns a one-line description (implementation, device, threads).
  virtual std::string describe() const = 0;

  /// Returns the current parameters.
  virtual const params& get_params() const noexcept = 0;

  /// Replaces the parameters after validating them.
  virtual void set_params(const params& p) = 0;

  /// Returns the number of nodes.
  virtual std::size_t size() const noexcept = 0;

  /// Grows or shrinks the node set. New nodes start at rest on seeded random
  /// points of a ball sized for the new count, unpinned and without target.
  /// Edges touching removed nodes are dropped.
  virtual void resize(std::size_t n) = 0;

  /// Replaces all edges. Self-loops are ignored; indices must be in range
  /// and weights finite and non-negative.
  virtual void set_edges(const std::vector<edge>& edges) = 0;

  /// Replaces all positions; `xs.size()` must equal `size()`.
  virtual void set_positions(const std::vector<vec3f>& xs) = 0;

  /// Moves node `i` to `x` at once.
  virtual void set_position(std::size_t i, vec3f x) = 0;

  /// Sets the velocity of node `i`, e.g. an initial push.
  virtual void set_velocity(std::size_t i, vec3f v) = 0;

  /// Pins or unpins node `i`; a pinned node never moves but still acts.
  virtual void set_pinned(std::size_t i, bool pinned) = 0;

  /// Lets node `i` glide toward `x` on a critically damped spring; while it
  /// has a target, other forces do not move it.
  virtual void set_target(std::size_t i, vec3f x) = 0;

  /// Releases node `i` from its target.
  virtual void clear_target(std::size_t i) = 0;

  /// Restores full force, e.g. to let the layout respond again after the
  /// caller changed something outside the engine. Every mutator does this.
  virtual void reheat() = 0;

  /// Returns the position of node `i`.
  virtual vec3f position(std::size_t i) const = 0;

  /// Copies all positions into `out`, reusing its capacity.
  virtual void positions(std::vector<vec3f>& out) const = 0;

  /// Advances the simulation by `params::dt`.
  virtual step_result step() = 0;
};

/// Creates the multi-threaded Barnes-Hut engine.
std::unique_ptr<engine> make_cpu_engine(const params& p = {});

/// Creates the CUDA engine; throws `std::runtime_error` saying why when CUDA
/// support is not built in or no usable device exists.
std::unique_ptr<engine> make_cuda_engine(const params& p = {});

/// Returns whether `make_cuda_engine` can succeed; fills `why` otherwise.
bool cuda_available(std::string* why = nullptr);

/// Returns the CUDA engine when `prefer_gpu` and a device is usable, else the
/// CPU engine; in the latter case fills `why` with the reason (one line).
std::unique_ptr<engine> make_engine(const params& p, bool prefer_gpu,
                                    std::string* why = nullptr);

} // namespace av::layout
