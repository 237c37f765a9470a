vr_unit_test(keyrange SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_keyrange.c LIBS vr_keyspace)
