vr_unit_test(gw_merge SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_gw_merge.c LIBS vr_gateway)
# the merge functions are the planner's private API
target_include_directories(test_gw_merge PRIVATE ${CMAKE_SOURCE_DIR}/gateway/src)
