# ctest's `format` test: every C++ source follows the checked-in .clang-format.
# Usage: cmake -DCLANG_FORMAT=... -DSOURCE_DIR=... -P CheckFormat.cmake
file(GLOB_RECURSE sources
  ${SOURCE_DIR}/core/*.cpp ${SOURCE_DIR}/core/*.hpp
  ${SOURCE_DIR}/problems/*.cpp ${SOURCE_DIR}/problems/*.hpp
  ${SOURCE_DIR}/algorithms/*.cpp ${SOURCE_DIR}/algorithms/*.hpp
  ${SOURCE_DIR}/experiments/*.cpp ${SOURCE_DIR}/experiments/*.hpp
  ${SOURCE_DIR}/tests/*.cpp ${SOURCE_DIR}/tests/*.hpp)
execute_process(COMMAND ${CLANG_FORMAT} --dry-run --Werror ${sources}
                RESULT_VARIABLE result ERROR_VARIABLE messages)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "Files do not follow .clang-format (run clang-format -i on them):\n${messages}")
endif()
list(LENGTH sources count)
message(STATUS "${count} files follow .clang-format")
