vr_integration_test(vstream_cli SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_vstream_cli.c LIBS vr_common)
add_dependencies(itest_vstream_cli vrepl)
