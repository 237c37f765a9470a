if(TARGET vr_vstreamer)
  vr_unit_test(vstreamer SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_vstreamer.c LIBS vr_vstreamer)
  # the decoder is tested through its internal headers
  target_include_directories(test_vstreamer PRIVATE ${CMAKE_SOURCE_DIR}/vstreamer/src)
endif()
