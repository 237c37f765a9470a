vr_unit_test(vindex SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_vindex.c LIBS vr_keyspace)
