#include "cpu_engine.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <thread>

#include "physics_common.hpp"

namespace av::layout::detail {

namespace {

/// Nodes per task in the integration phase; fixed so that the energy sum
/// does not depend on the thread count.
constexpr std::size_t node_chunk = 4096;

} // namespace

cpu_engine::cpu_engine(const params& p) : basic_engine(p) {
  pool_ = std::make_unique<thread_pool>(wanted_threads());
}

std::string_view cpu_engine::name() const noexcept {
  return "cpu";
}

std::string cpu_engine::describe() const {
  char theta[32];
  std::snprintf(theta, sizeof theta, "%g", params_.theta);
  return "cpu barnes-hut, " + std::to_string(pool_->size()) + " threads, theta "
         + theta;
}

unsigned cpu_engine::wanted_threads() const {
  if (params_.threads > 0)
    return params_.threads;
  return std::max(1u, std::thread::hardware_concurrency());
}

void cpu_engine::on_params_changed() {
  if (pool_->size() != wanted_threads())
    pool_ = std::make_unique<thread_pool>(wanted_threads());
}

step_result cpu_engine::step() {
  std::size_t n = size();
  if (n == 0)
    return {};
  auto c = make_constants(params_, n, heat_);
  auto& s = state_;
  rx_.resize(n);
  ry_.resize(n);
  rz_.resize(n);
  nx_.resize(n);
  ny_.resize(n);
  nz_.resize(n);
  if (c.repulsion > 0) {
    tree_.compute(*pool_, n, s.x.data(), s.y.data(), s.z.data(), params_.theta,
                  c.law, rx_.data(), ry_.data(), rz_.data());
  } else {
    std::fill(rx_.begin(), rx_.end(), 0.0f);
    std::fill(ry_.begin(), ry_.end(), 0.0f);
    std::fill(rz_.begin(), rz_.end(), 0.0f);
  }
  std::size_t tasks = (n + node_chunk - 1) / node_chunk;
  chunk_ke_.resize(tasks);
  chunk_disp2_.resize(tasks);
  pool_->run(tasks, [&](std::size_t task, unsigned) {
    double ke = 0;
    float disp2 = 0;
    std::size_t last = std::min(n, (task + 1) * node_chunk);
    for (std::size_t i = task * node_chunk; i < last; ++i) {
      float px = s.x[i], py = s.y[i], pz = s.z[i];
      float fx = c.repulsion * rx_[i] - c.gravity * px;
      float fy = c.repulsion * ry_[i] - c.gravity * py;
      float fz = c.repulsion * rz_[i] - c.gravity * pz;
      for (auto e = s.offsets[i]; e < s.offsets[i + 1]; ++e) {
        auto j = s.nbr[e];
        float dx = s.x[j] - px, dy = s.y[j] - py, dz = s.z[j] - pz;
        float k = spring_factor(dx * dx + dy * dy + dz * dz,
                                c.spring_k * s.nbr_w[e], c.rest_length);
        fx += k * dx;
        fy += k * dy;
        fz += k * dz;
      }
      auto out
        = advance(c, s.flags[i], s.inv_mass[i], fx, fy, fz, s.tx[i], s.ty[i],
                  s.tz[i], px, py, pz, s.vx[i], s.vy[i], s.vz[i]);
      nx_[i] = px;
      ny_[i] = py;
      nz_[i] = pz;
      ke += out.ke;
      disp2 = std::max(disp2, out.disp2);
    }
    chunk_ke_[task] = ke;
    chunk_disp2_[task] = disp2;
  });
  s.x.swap(nx_);
  s.y.swap(ny_);
  s.z.swap(nz_);
  step_result r;
  r.heat = heat_;
  cool();
  float disp2 = 0;
  for (std::size_t t = 0; t < tasks; ++t) {
    r.kinetic_energy += chunk_ke_[t];
    disp2 = std::max(disp2, chunk_disp2_[t]);
  }
  r.max_displacement = std::sqrt(disp2);
  r.at_rest = r.max_displacement <= params_.rest_displacement;
  return r;
}

} // namespace av::layout::detail
