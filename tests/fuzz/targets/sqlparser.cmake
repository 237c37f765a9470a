vr_fuzz_target(sqlparser SOURCES ${CMAKE_SOURCE_DIR}/tests/fuzz/fuzz_sqlparser.c LIBS vr_sqlparser)
