if(TARGET vr_workflows)
  vr_unit_test(workflows SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_workflows.c LIBS vr_workflows)
endif()
