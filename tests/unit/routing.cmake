vr_unit_test(routing SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_routing.c LIBS vr_keyspace)
