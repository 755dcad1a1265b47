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

# A module's parsers: its sources that need no actor system (CAF's headers
# at most), as a library of their own, av_<name>_parsers, which the module
# links and the fuzzers build with their sanitizers (fuzz/CMakeLists.txt,
# which sets AV_PARSERS_ONLY to get only these). Sets
# av_<name>_parser_sources for av_add_library to leave out.
function(av_add_parsers name)
  list(TRANSFORM ARGN PREPEND "${CMAKE_CURRENT_SOURCE_DIR}/"
       OUTPUT_VARIABLE sources)
  add_library(av_${name}_parsers STATIC ${sources})
  add_library(av::${name}_parsers ALIAS av_${name}_parsers)
  target_include_directories(av_${name}_parsers PUBLIC
                             "${CMAKE_CURRENT_SOURCE_DIR}/include")
  target_link_libraries(av_${name}_parsers PUBLIC av::base)
  set(av_${name}_parser_sources ${sources} PARENT_SCOPE)
endfunction()
