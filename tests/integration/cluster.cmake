vr_integration_test(cluster SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_cluster.c LIBS vr_keyspace)
target_compile_definitions(itest_cluster PRIVATE VR_SOURCE_DIR="${CMAKE_SOURCE_DIR}")
add_dependencies(itest_cluster vrepl)
