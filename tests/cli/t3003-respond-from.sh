#!/bin/sh
# --from: every regression in perf compare's JSON report gets a response,
# its severity from the size of the change; piped from the real perf compare.
. "$top_srcdir/tests/cli/lib.sh"
. "$top_srcdir/tests/cli/lib-github.sh"
MAKE="${PYTHON3:-python3} $top_srcdir/tests/cli/jmhtool.py make"
$MAKE "$T/base.json" <<'EOF2'
[{"b": "org.ex.Chunk.load", "m": "avgt", "u": "us/op", "s": 100,
  "sec": {"gc.alloc.rate.norm": {"s": 100, "u": "B/op"}}},
 {"b": "org.ex.Region.save", "m": "avgt", "u": "us/op", "s": 100, "params": {"size": "1000"}},
 {"b": "org.ex.Tick.run", "m": "thrpt", "u": "ops/s", "s": 20},
 {"b": "org.ex.Cache.hit", "m": "thrpt", "u": "ops/s", "s": 50},
 {"b": "org.ex.Stable.x", "m": "thrpt", "u": "ops/s", "s": 10}]
EOF2
$MAKE "$T/cur.json" <<'EOF2'
[{"b": "org.ex.Chunk.load", "m": "avgt", "u": "us/op", "s": 108,
  "sec": {"gc.alloc.rate.norm": {"s": 130, "u": "B/op"}}},
 {"b": "org.ex.Region.save", "m": "avgt", "u": "us/op", "s": 115, "params": {"size": "1000"}},
 {"b": "org.ex.Tick.run", "m": "thrpt", "u": "ops/s", "s": 12},
 {"b": "org.ex.Cache.hit", "m": "thrpt", "u": "ops/s", "s": 60},
 {"b": "org.ex.Stable.x", "m": "thrpt", "u": "ops/s", "s": 10.1}]
EOF2
github_start --repo octo/app
export GITHUB_REPOSITORY=octo/app

pipe() {   # pipe RESPOND-OPTION...: perf compare --format json | perf respond
	run_gh 0 sh -c 'a=$1 b=$2; shift 2; "$PERF" compare --format json "$a" "$b" | "$PERF" respond --from - "$@"' \
		sh "$T/base.json" "$T/cur.json" "$@"
}

test_begin "a pipe from perf compare: one response per regression"
pipe --format json
json_is '[["org.ex.Chunk.load", "medium", 1], ["org.ex.Chunk.load:gc.alloc.rate.norm", "critical", 2], ["org.ex.Region.save(size=1000)", "high", 3], ["org.ex.Tick.run", "critical", 4]]' '[[x["type"], x["severity"], x["issue_number"]] for x in d]'
json_is '["created", "created", "created", "created"]' '[x["action"] for x in d]'
json_is '["skipped", "skipped", "skipped", "skipped"]' '[x["rollback"] for x in d]'
gh_state_is '["Performance Regression in org.ex.Chunk.load", "CRITICAL: Performance Regression in org.ex.Chunk.load:gc.alloc.rate.norm", "HIGH: Performance Regression in org.ex.Region.save(size=1000)", "CRITICAL: Performance Regression in org.ex.Tick.run"]' '[i["title"] for i in s["octo/app"]["issues"]]'
gh_state_is true '"| Baseline | 20 |" in s["octo/app"]["issues"][3]["body"] and "| Current | 12 |" in s["octo/app"]["issues"][3]["body"] and "| Change | -40.00% |" in s["octo/app"]["issues"][3]["body"]'
check "the open issues were listed once" [ "$(count_requests github 'r["method"] == "GET"')" = 1 ]
check "four events in the history" [ "$(wc -l <"$PERF_HISTORY")" = 4 ]
sed -n 3p "$PERF_HISTORY" >"$T/ev"
json_is '{"timestamp": "2026-11-23T10:00:00Z", "event": "regression", "type": "org.ex.Region.save(size=1000)", "severity": "high", "current": 115, "baseline": 100, "issue_url": "https://github.com/octo/app/issues/3"}' 'd' "$T/ev"

test_begin "again: comments, no new issues; thresholds from the options"
: >"$T/github.log"
pipe -f json --critical-above 50 --high-above 5
json_is '[["org.ex.Chunk.load", "high"], ["org.ex.Chunk.load:gc.alloc.rate.norm", "high"], ["org.ex.Region.save(size=1000)", "high"], ["org.ex.Tick.run", "high"]]' '[[x["type"], x["severity"]] for x in d]'
json_is '["commented", "commented", "commented", "commented"]' '[x["action"] for x in d]'
json_is '[1, 2, 3, 4]' '[x["issue_number"] for x in d]'
gh_state_is 4 'len(s["octo/app"]["issues"])'
check "four comments sent one at a time" [ "$(count_requests github 'r["path"].endswith("/comments")')" = 4 ]

test_begin "critical regressions in production: one rollback for the run"
stop_server github
github_start --repo octo/app
ENVIRONMENT=production pipe --format json --critical-above 10
json_is '["dispatched", "dispatched", "dispatched"]' '[x["rollback"] for x in d if x["severity"] == "critical"]'
json_is '["skipped"]' '[x["rollback"] for x in d if x["severity"] != "critical"]'
gh_state_is 1 'len(s["octo/app"]["dispatches"])'

test_begin "text report for several regressions"
stop_server github
github_start --repo octo/app
pipe --no-history
expect_out '^Type: org.ex.Tick.run$'
expect_out '^Type: org.ex.Region.save\(size=1000\)$'
check "four blocks" [ "$(grep -c '^Performance regression detected:$' "$T/out")" = 4 ]

test_begin "no regressions: nothing sent"
: >"$T/github.log"
run_gh 0 sh -c '"$PERF" compare --format json "$1" "$1" | "$PERF" respond --from - -f json' sh "$T/base.json"
json_is '[]' 'd'
run_gh 0 sh -c '"$PERF" compare --format json "$1" "$1" >"$2" ; "$PERF" respond --from "$2"' sh "$T/base.json" "$T/same.json"
expect_out '^No regressions in .*same.json$'
check "no request" [ "$(count_requests github)" = 0 ]
test_done
