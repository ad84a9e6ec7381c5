# The combined-rule expression language (module rg_expr: gateway/expr*.c, gateway/history.c):
# compiler, evaluator, history rings, calendars and combined rules, all with an injected
# clock; and the rule stage's samples/s benchmark (bench/bench_rules.c, run by hand or by
# `make bench`; prints rules_samples_per_s).
if(TARGET rg_expr)
  rg_unit_test(test_expr rg_expr)
  rg_unit_test(test_expr_errors rg_expr)
  rg_unit_test(test_expr_window rg_expr)
  rg_unit_test(test_expr_calendar rg_expr)
  rg_unit_test(test_expr_rule rg_expr)
  rg_unit_test(test_expr_fuzz rg_expr)

  add_executable(bench_rules ${CMAKE_SOURCE_DIR}/bench/bench_rules.c)
  target_link_libraries(bench_rules PRIVATE rg_expr rg_rules)
endif()
