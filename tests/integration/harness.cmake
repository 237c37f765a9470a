vr_integration_test(harness SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_harness.c LIBS vr_common)
