# fuzz.cmake - the libFuzzer targets, and the short fuzz run of the default suite.
#
# Included once at the end of CMakeLists.txt, after every module library exists.
#
# With -DRISKGW_FUZZ=ON (clang only; see tests/fuzz/fuzz.sh) every module library
# is instrumented for coverage-guided fuzzing with ASan and UBSan, and each
# tests/fuzz/fuzz_<name>.c becomes a fuzz_<name> binary and a ctest test (label
# "fuzz") that runs it for $FUZZ_SECONDS seconds on its corpus and regressions.
# The whole build links too, so a fuzz build doubles as a clang ASan build.
#
# In an ordinary build, one test (fuzz_smoke) builds that configuration in a
# subdirectory and runs every target for a few seconds: a parser change that
# crashes on a known input, or within seconds on a new one, fails `make test`.
option(RISKGW_FUZZ "Build the libFuzzer targets (needs clang) instead of an ordinary build" OFF)
set(RISKGW_FUZZ_SMOKE_SECONDS 5 CACHE STRING "Seconds each fuzz target runs in the default suite")
set(RISKGW_FUZZ_DIR ${CMAKE_SOURCE_DIR}/tests/fuzz)

if(RISKGW_FUZZ)
  if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "RISKGW_FUZZ needs clang (libFuzzer): configure with -DCMAKE_C_COMPILER=clang "
                        "or run `make fuzz`; `make deps` installs clang.")
  endif()
  # -O1 keeps the inputs per second high and the stack traces readable; recover
  # nothing, so any UBSan report is a crash libFuzzer saves as an artifact.
  set(RG_FUZZ_SAN -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all
                  -fno-omit-frame-pointer)
  get_property(rg_all_targets DIRECTORY ${CMAKE_SOURCE_DIR} PROPERTY BUILDSYSTEM_TARGETS)
  foreach(t ${rg_all_targets})
    get_target_property(type ${t} TYPE)
    if(type STREQUAL "STATIC_LIBRARY")
      target_compile_options(${t} PRIVATE -fsanitize=fuzzer-no-link ${RG_FUZZ_SAN})
    elseif(type STREQUAL "EXECUTABLE")
      target_compile_options(${t} PRIVATE ${RG_FUZZ_SAN})
      target_link_options(${t} PRIVATE ${RG_FUZZ_SAN})
    endif()
  endforeach()

  add_custom_target(fuzz_all)
  # rg_fuzz_target(NAME LIBS...): tests/fuzz/fuzz_NAME.c against the given modules.
  function(rg_fuzz_target name)
    add_executable(fuzz_${name} ${RISKGW_FUZZ_DIR}/fuzz_${name}.c)
    target_compile_options(fuzz_${name} PRIVATE -fsanitize=fuzzer ${RG_FUZZ_SAN})
    target_link_options(fuzz_${name} PRIVATE -fsanitize=fuzzer ${RG_FUZZ_SAN})
    target_link_libraries(fuzz_${name} PRIVATE ${ARGN})
    add_dependencies(fuzz_all fuzz_${name})
    add_test(NAME fuzz_${name}
             COMMAND bash ${RISKGW_FUZZ_DIR}/run_fuzz.sh $<TARGET_FILE:fuzz_${name}> ${name}
                     ${CMAKE_BINARY_DIR}/fuzz-work)
    set_tests_properties(fuzz_${name} PROPERTIES LABELS fuzz
                         ENVIRONMENT "RISKGW_SOURCE_DIR=${CMAKE_SOURCE_DIR}")
  endfunction()

  rg_fuzz_target(config rg_config)
  # The MBAP framer and the command parser are one pure file each inside big modules
  # (rg_poller, rg_core); compiling just that file keeps the smoke build to the
  # parsing modules instead of the store, the uplinks and the pollers.
  rg_fuzz_target(pdu rg_drivers rg_base)
  target_sources(fuzz_pdu PRIVATE ${CMAKE_SOURCE_DIR}/drivers/transport/mbap.c)
  rg_fuzz_target(command rg_base)
  target_sources(fuzz_command PRIVATE ${CMAKE_SOURCE_DIR}/gateway/command_parse.c)
  rg_fuzz_target(scenario rg_sim)
  rg_fuzz_target(rules rg_rules)
  if(TARGET rg_expr)
    rg_fuzz_target(expr rg_expr)
  endif()
elseif(NOT RISKGW_SANITIZE AND NOT CMAKE_CROSSCOMPILING)
  # Not in an ASan build (the fuzz build already is one) nor a cross build (no
  # libFuzzer for the target there).
  # A relative build directory, named as `make fuzz` names it.
  add_test(NAME fuzz_smoke
           COMMAND bash ${RISKGW_FUZZ_DIR}/fuzz.sh build-fuzz ${RISKGW_FUZZ_SMOKE_SECONDS}
           WORKING_DIRECTORY ${CMAKE_BINARY_DIR})
  set_tests_properties(fuzz_smoke PROPERTIES LABELS fuzz TIMEOUT 600
                       ENVIRONMENT "RISKGW_SOURCE_DIR=${CMAKE_SOURCE_DIR}")
endif()
