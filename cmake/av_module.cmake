# One static library per module: av_<name> (alias av::<name>) from the
# module's src/**/*.cpp with its public headers in include/av/<module>/.
function(av_add_library name)
  file(GLOB_RECURSE sources CONFIGURE_DEPENDS
       "${CMAKE_CURRENT_SOURCE_DIR}/src/*.cpp")
  list(REMOVE_ITEM sources ${ARGN})
  add_library(av_${name} STATIC ${sources})
  add_library(av::${name} ALIAS av_${name})
  target_include_directories(av_${name} PUBLIC
                             "${CMAKE_CURRENT_SOURCE_DIR}/include")
endfunction()
