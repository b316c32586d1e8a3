# install_test.cmake: cmake --install into a scratch prefix, then configure, build and run the
# consumer project against it. Any failing step fails the test.
foreach(var OCTET_BUILD_DIR CONSUMER_SOURCE_DIR WORK_DIR GENERATOR CXX_COMPILER)
  if(NOT DEFINED ${var} OR "${${var}}" STREQUAL "")
    message(FATAL_ERROR "install_test.cmake: -D${var}=... is required")
  endif()
endforeach()
if(NOT BUILD_CONFIG)
  set(BUILD_CONFIG Release)
endif()

set(prefix ${WORK_DIR}/prefix)
set(consumer_build ${WORK_DIR}/consumer-build)
# Start clean so that a stale install or cache cannot make the test pass.
file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})

function(run_step name)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "install test: ${name} failed (${rc}):\n${out}")
  endif()
  message(STATUS "install test: ${name}: ok")
  set(step_output "${out}" PARENT_SCOPE)
endfunction()

run_step("install" ${CMAKE_COMMAND} --install ${OCTET_BUILD_DIR} --prefix ${prefix}
         --config ${BUILD_CONFIG})
run_step("configure consumer" ${CMAKE_COMMAND} -S ${CONSUMER_SOURCE_DIR} -B ${consumer_build}
         -G ${GENERATOR} -DCMAKE_CXX_COMPILER=${CXX_COMPILER} -DCMAKE_BUILD_TYPE=${BUILD_CONFIG}
         -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF)
run_step("build consumer" ${CMAKE_COMMAND} --build ${consumer_build} --config ${BUILD_CONFIG})

# The consumer must have found this prefix, not some other installed octet.
file(STRINGS ${consumer_build}/CMakeCache.txt octet_dir REGEX "^octet_DIR:")
string(FIND "${octet_dir}" "${prefix}" at)
if(at EQUAL -1)
  message(FATAL_ERROR "install test: consumer found octet outside ${prefix}: ${octet_dir}")
endif()

find_program(consumer NAMES octet_consumer PATHS ${consumer_build} ${consumer_build}/${BUILD_CONFIG}
             NO_DEFAULT_PATH REQUIRED)
run_step("run consumer" ${consumer})
message(STATUS "${step_output}")
