# The demo's live view (simulators/demo/view.jq): every id shown whole.
rg_script_test(test_demo_view tests/integration/test_demo_view.sh)
