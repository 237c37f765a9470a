if(TARGET vr_notify)
  vr_integration_test(notify SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_notify.c
                      LIBS vr_notify PkgConfig::JANSSON)
endif()
