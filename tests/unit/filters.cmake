if(TARGET vr_filters)
  vr_unit_test(filters SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_filters.c LIBS vr_filters)
endif()
