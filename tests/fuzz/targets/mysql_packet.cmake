vr_fuzz_target(mysql_packet SOURCES ${CMAKE_SOURCE_DIR}/tests/fuzz/fuzz_mysql_packet.c LIBS vr_gateway)
# the target drives sessions in memory through the gateway's internals
target_include_directories(test_fuzz_mysql_packet PRIVATE ${CMAKE_SOURCE_DIR}/gateway/src)
if(TARGET fuzz_mysql_packet)
  target_include_directories(fuzz_mysql_packet PRIVATE ${CMAKE_SOURCE_DIR}/gateway/src)
  # compile the gateway into the fuzzer itself, so libFuzzer sees its
  # coverage (the library archive's copies are then not linked)
  file(GLOB _vr_gw_fuzz_src ${CMAKE_SOURCE_DIR}/gateway/src/*.c)
  target_sources(fuzz_mysql_packet PRIVATE ${_vr_gw_fuzz_src})
endif()
