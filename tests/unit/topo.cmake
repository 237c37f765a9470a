vr_unit_test(topo SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_topo.c LIBS vr_keyspace)
