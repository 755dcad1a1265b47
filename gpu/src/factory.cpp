#include <memory>
#include <stdexcept>
#include <string>

#include "av/layout.hpp"
#include "cpu_engine.hpp"

namespace av::layout {

std::unique_ptr<engine> make_cpu_engine(const params& p) {
  return std::make_unique<detail::cpu_engine>(p);
}

std::unique_ptr<engine> make_engine(const params& p, bool prefer_gpu,
                                    std::string* why) {
  validate(p);
  std::string reason;
  if (!prefer_gpu) {
    reason = "GPU physics disabled by configuration";
  } else if (cuda_available(&reason)) {
    try {
      auto result = make_cuda_engine(p);
      if (why)
        why->clear();
      return result;
    } catch (const std::exception& e) {
      reason = e.what();
    }
  }
  if (why)
    *why = reason + "; using the CPU engine";
  return make_cpu_engine(p);
}

} // namespace av::layout
