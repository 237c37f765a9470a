if(TARGET vr_vplayer)
  vr_integration_test(vplayer SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_vplayer.c LIBS vr_vplayer)
endif()
