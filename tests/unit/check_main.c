/* The unit-test runner: every suite in one srunner.  Under valgrind run
 * with CK_FORK=no. */
#include <config.h>

#include <stdlib.h>

#include "check_suites.h"

int main(void)
{
	SRunner *sr = srunner_create(suite_util());
	srunner_add_suite(sr, suite_json());
	srunner_add_suite(sr, suite_yaml());
	srunner_add_suite(sr, suite_stats());
	srunner_add_suite(sr, suite_jmh());
	srunner_add_suite(sr, suite_pattern());
	srunner_add_suite(sr, suite_timeutil());
	srunner_add_suite(sr, suite_bisect());
	srunner_add_suite(sr, suite_commitgraph());
	srunner_add_suite(sr, suite_http());
	srunner_add_suite(sr, suite_history());
	srunner_add_suite(sr, suite_html());
	srunner_add_suite(sr, suite_notify());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
