# The systemd unit, checked by systemd-analyze against this build's riskgw.
# The package upgrade test (tests/package/) needs debootstrap and minutes: `make test-package`.
if(TARGET riskgw)
  rg_script_test(test_unit_file tests/integration/test_unit_file.sh)
endif()
