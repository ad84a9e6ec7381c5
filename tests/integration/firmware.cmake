# The systemd unit, checked by systemd-analyze against this build's riskgw.
# The package upgrade test (tests/package/) needs debootstrap and minutes: `make test-package`.
if(TARGET riskgw)
  rg_script_test(test_unit_file tests/integration/test_unit_file.sh)
endif()
# The Prometheus endpoint, scraped with curl and checked against the health report.
if(TARGET riskgw AND RISKGW_HAVE_METRICS)
  rg_script_test(test_metrics tests/integration/test_metrics.sh)
endif()
