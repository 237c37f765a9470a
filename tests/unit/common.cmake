vr_unit_test(common SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_common.c LIBS vr_common)
