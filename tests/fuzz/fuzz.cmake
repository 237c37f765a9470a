# vr_fuzz_target(NAME SOURCES ... LIBS ...): the file defines
# LLVMFuzzerTestOneInput.  Always built as a Criterion test that replays
# tests/fuzz/corpus/NAME/ (so `make test` and `make asan` replay it); with
# -DVR_FUZZ=ON under clang, also as a libFuzzer binary fuzz_NAME.
function(vr_fuzz_target name)
  cmake_parse_arguments(T "" "" "SOURCES;LIBS" ${ARGN})
  set(corpus ${CMAKE_SOURCE_DIR}/tests/fuzz/corpus/${name})
  add_executable(test_fuzz_${name} ${T_SOURCES} ${CMAKE_SOURCE_DIR}/tests/fuzz/replay.c)
  target_compile_definitions(test_fuzz_${name} PRIVATE VR_FUZZ_CORPUS="${corpus}")
  target_link_libraries(test_fuzz_${name} PRIVATE ${T_LIBS} PkgConfig::CRITERION)
  set_target_properties(test_fuzz_${name} PROPERTIES
    RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests/unit)
  if(VR_FUZZ)
    add_dependencies(fuzzers fuzz_${name})
    add_executable(fuzz_${name} ${T_SOURCES})
    target_compile_options(fuzz_${name} PRIVATE -fsanitize=fuzzer,address,undefined)
    target_link_options(fuzz_${name} PRIVATE -fsanitize=fuzzer,address,undefined)
    target_link_libraries(fuzz_${name} PRIVATE ${T_LIBS})
    set_target_properties(fuzz_${name} PROPERTIES
      RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/fuzz)
  endif()
endfunction()

if(VR_FUZZ)
  # `make fuzz` builds only these: in a fuzz build the libraries are
  # instrumented for libFuzzer, which the Criterion programs do not link
  add_custom_target(fuzzers)
endif()

file(GLOB VR_FUZZ_CMAKE ${CMAKE_CURRENT_LIST_DIR}/targets/*.cmake)
foreach(f ${VR_FUZZ_CMAKE})
  include(${f})
endforeach()
