# Finds the C++ Actor Framework (CAF 0.17) as Debian packages it: headers in
# /usr/include/caf, libcaf_core, libcaf_io and libcaf_openssl, no CMake config.
# Exports caf::core, caf::io, caf::openssl and caf::test (header-only unit
# test framework shipped in caf/test).

find_path(CAF_INCLUDE_DIR caf/config.hpp)
find_library(CAF_CORE_LIBRARY NAMES caf_core)
find_library(CAF_IO_LIBRARY NAMES caf_io)
find_library(CAF_OPENSSL_LIBRARY NAMES caf_openssl)

if(CAF_INCLUDE_DIR AND EXISTS "${CAF_INCLUDE_DIR}/caf/config.hpp")
  file(STRINGS "${CAF_INCLUDE_DIR}/caf/config.hpp" caf_version_line
       REGEX "^#define CAF_VERSION [0-9]+")
  string(REGEX REPLACE "^#define CAF_VERSION ([0-9]+).*" "\\1"
         caf_version_int "${caf_version_line}")
  math(EXPR caf_major "${caf_version_int} / 10000")
  math(EXPR caf_minor "(${caf_version_int} / 100) % 100")
  math(EXPR caf_patch "${caf_version_int} % 100")
  set(CAF_VERSION "${caf_major}.${caf_minor}.${caf_patch}")
endif()

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(CAF
  REQUIRED_VARS CAF_INCLUDE_DIR CAF_CORE_LIBRARY CAF_IO_LIBRARY
                CAF_OPENSSL_LIBRARY
  VERSION_VAR CAF_VERSION)

if(CAF_FOUND)
  find_package(Threads REQUIRED)
  if(NOT TARGET caf::core)
    add_library(caf::core SHARED IMPORTED)
    set_target_properties(caf::core PROPERTIES
      IMPORTED_LOCATION "${CAF_CORE_LIBRARY}"
      INTERFACE_INCLUDE_DIRECTORIES "${CAF_INCLUDE_DIR}"
      INTERFACE_LINK_LIBRARIES Threads::Threads)
    add_library(caf::io SHARED IMPORTED)
    set_target_properties(caf::io PROPERTIES
      IMPORTED_LOCATION "${CAF_IO_LIBRARY}"
      INTERFACE_LINK_LIBRARIES caf::core)
    add_library(caf::openssl SHARED IMPORTED)
    set_target_properties(caf::openssl PROPERTIES
      IMPORTED_LOCATION "${CAF_OPENSSL_LIBRARY}"
      INTERFACE_LINK_LIBRARIES caf::io)
    add_library(caf::test INTERFACE IMPORTED)
    set_target_properties(caf::test PROPERTIES
      INTERFACE_LINK_LIBRARIES caf::core)
  endif()
endif()
mark_as_advanced(CAF_INCLUDE_DIR CAF_CORE_LIBRARY CAF_IO_LIBRARY
                 CAF_OPENSSL_LIBRARY)
