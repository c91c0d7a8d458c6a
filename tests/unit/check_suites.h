/* One Check suite per common/ module; check_main.c runs them all. */
#ifndef CHECK_SUITES_H
#define CHECK_SUITES_H
#include <check.h>

Suite *suite_util(void);
Suite *suite_json(void);
Suite *suite_yaml(void);
Suite *suite_stats(void);
Suite *suite_jmh(void);
Suite *suite_pattern(void);
Suite *suite_timeutil(void);
Suite *suite_bisect(void);
Suite *suite_commitgraph(void);
Suite *suite_http(void);
Suite *suite_history(void);
Suite *suite_html(void);
Suite *suite_notify(void);

/* For tests of die() paths: msg_exit is pointed at a function that exits
 * the forked test process with the given status. */
#endif
