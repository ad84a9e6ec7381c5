# The interface contract (docs/asyncapi.yaml): the document and the check every subscriber runs.
rg_script_test(test_contract tests/integration/test_contract.sh)
