// Stand-in for the CUDA engine when the library is built without nvcc.

#include <stdexcept>
#include <string>

#include "av/layout.hpp"

namespace av::layout {

namespace {

constexpr const char* not_built
  = "CUDA support not built (no nvcc at build time, or AV_CUDA=OFF)";

} // namespace

bool cuda_available(std::string* why) {
  if (why)
    *why = not_built;
  return false;
}

std::unique_ptr<engine> make_cuda_engine(const params&) {
  throw std::runtime_error(not_built);
}

} // namespace av::layout
