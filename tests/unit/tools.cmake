# The technician tools' pure parts: alarm test plans played through the rule engine,
# the report's escaping and the results file.
rg_unit_test(test_tool_plan rg_tools)
rg_unit_test(test_tool_output rg_tools)
# The report's word tables (zh-CN, en): whole, and their templates.
rg_unit_test(test_report_words rg_tools)
