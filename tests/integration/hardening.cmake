# Hardening tests: the daemon under valgrind through a gas leak, a reload and a
# clean stop (leaks, invalid accesses). Not in an ASan build (valgrind cannot run
# a sanitized binary) nor a fuzz or cross build.
if(TARGET riskgw AND TARGET riskgw-sim AND NOT RISKGW_SANITIZE AND NOT RISKGW_FUZZ
   AND NOT CMAKE_CROSSCOMPILING)
  rg_script_test(test_valgrind tests/integration/test_valgrind.sh)
endif()
