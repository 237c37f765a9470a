vr_integration_test(migrate SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_migrate.c LIBS vr_keyspace)
target_compile_definitions(itest_migrate PRIVATE VR_SOURCE_DIR="${CMAKE_SOURCE_DIR}")
add_dependencies(itest_migrate vrepl)
