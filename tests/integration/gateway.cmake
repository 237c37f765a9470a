vr_integration_test(gateway SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_gateway.c LIBS vr_gateway)
# raw-socket tests build packets with the gateway's own (private) codec
target_include_directories(itest_gateway PRIVATE ${CMAKE_SOURCE_DIR}/gateway/src)
add_dependencies(itest_gateway vrepl)
