# One version for `riskgw --version` and the Debian package, also after a bump.
if(TARGET riskgw)
  rg_script_test(test_version_source tests/integration/test_version_source.sh)
endif()
