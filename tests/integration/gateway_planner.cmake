vr_integration_test(gateway_planner SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_gateway_planner.c
                    ${CMAKE_CURRENT_LIST_DIR}/gw_testutil.c
                    LIBS vr_gateway vr_keyspace)
target_compile_definitions(itest_gateway_planner PRIVATE VR_SOURCE_DIR="${CMAKE_SOURCE_DIR}")
add_dependencies(itest_gateway_planner vrepl)
