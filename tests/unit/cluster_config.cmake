vr_unit_test(cluster_config SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_cluster_config.c LIBS vr_keyspace)
target_compile_definitions(test_cluster_config PRIVATE VR_SOURCE_DIR="${CMAKE_SOURCE_DIR}")
