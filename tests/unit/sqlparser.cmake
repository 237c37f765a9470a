vr_unit_test(sqlparser SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_sqlparser.c
             ${CMAKE_CURRENT_LIST_DIR}/test_sqlparser_ddl.c
             ${CMAKE_CURRENT_LIST_DIR}/test_sqlparser_helpers.c
             LIBS vr_sqlparser)
target_compile_definitions(test_sqlparser PRIVATE
  VR_SQL_CORPUS="${CMAKE_CURRENT_LIST_DIR}/sqlparser_corpus.txt")
