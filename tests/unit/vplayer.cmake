if(TARGET vr_vplayer)
  vr_unit_test(vplayer SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_vplayer.c LIBS vr_vplayer)
  # table plans and scripts are tested through the module's internal header
  target_include_directories(test_vplayer PRIVATE ${CMAKE_SOURCE_DIR}/vplayer/src)
endif()
