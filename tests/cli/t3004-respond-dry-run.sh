#!/bin/sh
# --dry-run: every request that would be sent, printed with the token
# redacted; nothing sent, nothing recorded.
. "$top_srcdir/tests/cli/lib.sh"
. "$top_srcdir/tests/cli/lib-github.sh"
github_start --repo octo/app
export GITHUB_REPOSITORY=octo/app

test_begin "text: the requests on stdout"
ENVIRONMENT=production run_gh 0 perf respond --dry-run chunk_loading critical 14 12
expect_out "^GET http://127.0.0.1:$SERVER_PORT/repos/octo/app/issues\?state=open&labels=performance,regression&per_page=100$"
expect_out "^GET http://127.0.0.1:$SERVER_PORT/repos/octo/app$"
expect_out "^POST http://127.0.0.1:$SERVER_PORT/repos/octo/app/actions/workflows/emergency-rollback.yml/dispatches$"
expect_out "^POST http://127.0.0.1:$SERVER_PORT/repos/octo/app/issues$"
expect_out '^Authorization: Bearer \*\*\*$'
expect_out '^X-GitHub-Api-Version: 2022-11-28$'
expect_out '^\{"title":"CRITICAL: Performance Regression in chunk_loading","body":".*perfsuite:regression type=chunk_loading.*","labels":\["critical","performance","regression"\]\}$'
expect_out '^\{"ref":"\(the default branch\)"\}$'
expect_out '^Issue: none \(dry run\)$'
expect_out '^Rollback: would be dispatched$'
check "nothing sent" [ "$(count_requests github)" = 0 ]
check "nothing recorded" [ ! -e "$PERF_HISTORY" ]

test_begin "json: only the document on stdout, the requests on stderr"
run_gh 0 perf respond -n -f json --ref v1.2 memory high 2 1
json_is '{"action": "dry-run", "issue_number": null, "issue_url": null, "rollback": "skipped"}' 'd'
expect_err '^POST http://127.0.0.1:[0-9]+/repos/octo/app/issues$'
expect_err '"labels":\["high-priority","performance","regression"\]'
expect_not_err 'dispatches'
check "nothing sent" [ "$(count_requests github)" = 0 ]

test_begin "no token needed, and none shown"
GITHUB_TOKEN= run 0 perf respond -n -R octo/app x medium 2 1
expect_out '^Authorization: Bearer \(no token set\)$'

test_begin "with --from"
cat >"$T/cmp.json" <<'EOF2'
{"result": "regression", "summary": {"regressions": 2, "improvements": 0, "stable": 0, "missing": 0, "new": 0},
 "benchmarks": [
  {"benchmark": "a.B.c", "mode": "avgt", "params": {}, "metric": "primary", "unit": "us/op", "better": "lower",
   "baseline": 100.0, "current": 130.0, "change_percent": 30.0, "threshold_percent": 5.0, "p_value": null,
   "significant": false, "status": "regression"},
  {"benchmark": "a.B.d", "mode": "avgt", "params": {"n": "1", "m": "x"}, "metric": "primary", "unit": "us/op",
   "better": "lower", "baseline": 100.0, "current": 90.0, "change_percent": -10.0, "threshold_percent": 5.0,
   "p_value": null, "significant": false, "status": "improvement"},
  {"benchmark": "a.B.e", "mode": "avgt", "params": {"n": "1", "m": "x"}, "metric": "primary", "unit": "us/op",
   "better": "lower", "baseline": 100.0, "current": 106.0, "change_percent": 6.0, "threshold_percent": 5.0,
   "p_value": null, "significant": false, "status": "regression"}]}
EOF2
run_gh 0 perf respond -n -f json --from "$T/cmp.json"
json_is '[{"type": "a.B.c", "severity": "critical", "action": "dry-run", "issue_number": null, "issue_url": null, "rollback": "skipped"}, {"type": "a.B.e(n=1,m=x)", "severity": "medium", "action": "dry-run", "issue_number": null, "issue_url": null, "rollback": "skipped"}]' 'd'
check "two issues would be opened" [ "$(grep -c '^POST .*/issues$' "$T/err")" = 2 ]
check "nothing sent" [ "$(count_requests github)" = 0 ]
test_done
