if(TARGET vr_vstreamer)
  vr_fuzz_target(binlog_event SOURCES ${CMAKE_SOURCE_DIR}/tests/fuzz/fuzz_binlog_event.c LIBS vr_vstreamer)
  # the target drives the stream over bytes in memory (vstream_int.h)
  target_include_directories(test_fuzz_binlog_event PRIVATE ${CMAKE_SOURCE_DIR}/vstreamer/src)
  if(TARGET fuzz_binlog_event)
    target_include_directories(fuzz_binlog_event PRIVATE ${CMAKE_SOURCE_DIR}/vstreamer/src)
    # compile the decoder into the fuzzer itself, so libFuzzer sees its
    # coverage (the library archive's copies are then not linked)
    file(GLOB _vr_vs_fuzz_src ${CMAKE_SOURCE_DIR}/vstreamer/src/*.c)
    target_sources(fuzz_binlog_event PRIVATE ${_vr_vs_fuzz_src}
                   ${CMAKE_SOURCE_DIR}/common/src/value.c)
  endif()
endif()
