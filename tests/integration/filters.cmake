if(TARGET vr_filters)
  vr_integration_test(filters SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_filters_stream.c LIBS vr_filters)
endif()
