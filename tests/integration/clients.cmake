vr_integration_test(clients SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_clients.c)
target_compile_definitions(itest_clients PRIVATE VR_SOURCE_DIR="${CMAKE_SOURCE_DIR}")
add_dependencies(itest_clients vrepl)
