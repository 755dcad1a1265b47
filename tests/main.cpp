// The one test binary: every other file in tests/ defines a CAF_SUITE and
// CTest runs each suite on its own (see tests/CMakeLists.txt).
#include "caf/test/unit_test_impl.hpp"
