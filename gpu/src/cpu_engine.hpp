#pragma once

#include <memory>
#include <vector>

#include "barnes_hut.hpp"
#include "basic_engine.hpp"
#include "thread_pool.hpp"

namespace av::layout::detail {

/// Multi-threaded CPU engine: Barnes-Hut repulsion plus per-node springs,
/// gravity and integration over a fixed thread pool.
class cpu_engine final : public basic_engine {
public:
  explicit cpu_engine(const params& p);

  std::string_view name() const noexcept override;
  std::string describe() const override;
  step_result step() override;

protected:
  void on_params_changed() override;

private:
  unsigned wanted_threads() const;

  std::unique_ptr<thread_pool> pool_;
  barnes_hut tree_;
  std::vector<float> rx_, ry_, rz_;
  std::vector<float> nx_, ny_, nz_;
  std::vector<double> chunk_ke_;
  std::vector<float> chunk_disp2_;
};

} // namespace av::layout::detail
