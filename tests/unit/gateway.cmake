vr_unit_test(gateway_proto SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_gateway_proto.c LIBS vr_gateway)
# the codec and session internals are private to gateway/: the test reads them
target_include_directories(test_gateway_proto PRIVATE ${CMAKE_SOURCE_DIR}/gateway/src)
