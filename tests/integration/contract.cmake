# The interface contract (docs/asyncapi.yaml): the document and the check every subscriber runs;
# history on request, answered in chunks on ./reply.
rg_script_test(test_contract tests/integration/test_contract.sh)
rg_script_test(test_history tests/integration/test_history.sh)
