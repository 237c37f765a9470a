vr_unit_test(vschema SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_vschema.c LIBS vr_keyspace)
