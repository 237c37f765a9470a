vr_integration_test(materialize SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_materialize.c LIBS vr_keyspace)
target_compile_definitions(itest_materialize PRIVATE VR_SOURCE_DIR="${CMAKE_SOURCE_DIR}")
add_dependencies(itest_materialize vrepl)
