if(TARGET vr_notify)
  vr_unit_test(notify SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_notify.c LIBS vr_notify)
  # the ack tracker is tested through its internal header
  target_include_directories(test_notify PRIVATE ${CMAKE_SOURCE_DIR}/notify/src)
endif()
