#!/bin/sh
# perf respond against the stand-in GitHub API: each severity, in and out
# of production; titles, labels, body, headers, outputs, the history event.
. "$top_srcdir/tests/cli/lib.sh"
. "$top_srcdir/tests/cli/lib-github.sh"
github_start --repo octo/app:trunk --branch release
export GITHUB_REPOSITORY=octo/app

test_begin "medium: the original's title and labels"
run_gh 0 perf respond chunk_loading medium 13 12
expect_out '^Performance regression detected:$'
expect_out '^Type: chunk_loading$'
expect_out '^Severity: medium$'
expect_out '^Current: 13$'
expect_out '^Baseline: 12$'
expect_out '^Change: \+8\.33%$'
expect_out '^Issue: created #1 https://github.com/octo/app/issues/1$'
expect_not_out 'Rollback'
gh_state_is '"Performance Regression in chunk_loading"' 's["octo/app"]["issues"][0]["title"]'
gh_state_is '["performance", "regression"]' '[l["name"] for l in s["octo/app"]["issues"][0]["labels"]]'
check "one request to list, one to create" [ "$(count_requests github)" = 2 ]

test_begin "the request: method, path, headers"
requests github 'r["method"] == "POST"' >"$T/post"
json_is '"/repos/octo/app/issues"' 'd["path"]' "$T/post"
json_is '"application/vnd.github+json"' 'd["headers"]["Accept"]' "$T/post"
json_is '"2022-11-28"' 'd["headers"]["X-GitHub-Api-Version"]' "$T/post"
json_is '"Bearer '"$TOKEN"'"' 'd["headers"]["Authorization"]' "$T/post"
json_is true 'd["headers"]["User-Agent"].startswith("perfsuite/")' "$T/post"
json_is true 'd["headers"]["Content-Type"].startswith("application/json")' "$T/post"
requests github 'r["method"] == "GET"' >"$T/get"
json_is '{"state": "open", "labels": "performance,regression", "per_page": "100"}' 'd["query"]' "$T/get"

test_begin "the body: everything a person needs to act"
gh_state 's["octo/app"]["issues"][0]["body"]' >"$T/body.json"
json 'd' "$T/body.json" >/dev/null
"${PYTHON3:-python3}" -c 'import json,sys; print(json.load(open(sys.argv[1])))' "$T/body.json" >"$T/body"
check "metric" grep -q '| Metric | `chunk_loading` |' "$T/body"
check "baseline" grep -q '| Baseline | 12 |' "$T/body"
check "current" grep -q '| Current | 13 |' "$T/body"
check "change" grep -q '| Change | +8.33% |' "$T/body"
check "severity" grep -q '| Severity | medium |' "$T/body"
check "time" grep -q '| Detected | 2026-11-23T10:00:00Z |' "$T/body"
check "no CI run without the variables" sh -c "! grep -q 'CI run' '$T/body'"
check "the marker" grep -qx '<!-- perfsuite:regression type=chunk_loading -->' "$T/body"

test_begin "the history event"
check "one line" [ "$(wc -l <"$PERF_HISTORY")" = 1 ]
json_is '{"timestamp": "2026-11-23T10:00:00Z", "event": "regression", "type": "chunk_loading", "severity": "medium", "current": 13, "baseline": 12, "issue_url": "https://github.com/octo/app/issues/1"}' 'd' "$PERF_HISTORY"

test_begin "high: title, labels, json output"
run_gh 0 perf respond --format json --history "$T/h2.jsonl" memory_usage HIGH 2600 2150.5
json_is '{"action": "created", "issue_number": 2, "issue_url": "https://github.com/octo/app/issues/2", "rollback": "skipped"}' 'd'
gh_state_is '"HIGH: Performance Regression in memory_usage"' 's["octo/app"]["issues"][1]["title"]'
gh_state_is '["high-priority", "performance", "regression"]' '[l["name"] for l in s["octo/app"]["issues"][1]["labels"]]'
json_is '"high"' 'd["severity"]' "$T/h2.jsonl"
json_is 2150.5 'd["baseline"]' "$T/h2.jsonl"
check "--history wins over PERF_HISTORY" [ "$(wc -l <"$PERF_HISTORY")" = 1 ]

test_begin "critical, not production: no rollback"
ENVIRONMENT=staging run_gh 0 perf respond -R octo/app tps_stability critical 15.2 19.9
expect_out '^Rollback: skipped \(ENVIRONMENT is not production\)$'
expect_out '^Change: -23\.62%$'
gh_state_is '"CRITICAL: Performance Regression in tps_stability"' 's["octo/app"]["issues"][2]["title"]'
gh_state_is '["critical", "performance", "regression"]' '[l["name"] for l in s["octo/app"]["issues"][2]["labels"]]'
gh_state_is '[]' 's["octo/app"]["dispatches"]'
gh_state_is true '"No automatic rollback" in s["octo/app"]["issues"][2]["body"]'

test_begin "critical in production: rollback on the default branch"
: >"$T/github.log"
ENVIRONMENT=production GITHUB_SERVER_URL=https://github.com GITHUB_RUN_ID=4242 \
	run_gh 0 perf respond -f json gc_pause critical 80 20
json_is '{"action": "created", "issue_number": 4, "issue_url": "https://github.com/octo/app/issues/4", "rollback": "dispatched"}' 'd'
gh_state_is '[{"workflow": "emergency-rollback.yml", "ref": "trunk", "inputs": null}]' 's["octo/app"]["dispatches"]'
gh_state_is true '"**Rollback dispatched:** the `emergency-rollback.yml` workflow was started on `trunk`" in s["octo/app"]["issues"][3]["body"]'
gh_state_is true '"| CI run | https://github.com/octo/app/actions/runs/4242 |" in s["octo/app"]["issues"][3]["body"]'
requests github >"$T/seq"
check "request order: list, repository, dispatch, issue" [ "$("${PYTHON3:-python3}" -c 'import json,sys
print(" ".join(r["method"] + " " + r["path"] for r in map(json.loads, open(sys.argv[1]))))' "$T/seq")" = "GET /repos/octo/app/issues GET /repos/octo/app POST /repos/octo/app/actions/workflows/emergency-rollback.yml/dispatches POST /repos/octo/app/issues" ]

test_begin "critical in production: --ref and --rollback-workflow"
stop_server github
github_start --repo octo/app --branch release --workflow rollback.yaml
: >"$T/github.log"
lines=$(wc -l <"$PERF_HISTORY")
ENVIRONMENT=production run_gh 0 perf respond --ref release --rollback-workflow rollback.yaml \
	--no-history heap critical 3000 1000
expect_out '^Rollback: dispatched$'
gh_state_is '[{"workflow": "rollback.yaml", "ref": "release", "inputs": null}]' 's["octo/app"]["dispatches"]'
check "no repository lookup with --ref" [ "$(count_requests github 'r["path"] == "/repos/octo/app"')" = 0 ]
check "--no-history: nothing recorded" [ "$(wc -l <"$PERF_HISTORY")" = "$lines" ]

test_begin "GH_TOKEN when GITHUB_TOKEN is unset"
GITHUB_TOKEN= GH_TOKEN=$TOKEN run_gh 0 perf respond -q --no-history other medium 2 1
expect_out '^Issue: created #2 '

test_begin "GitHub Enterprise: an API base with a path"
stop_server github
start_server ghe github.py --token "$TOKEN" --repo octo/app --prefix /api/v3 --seed 120
GITHUB_API_URL="http://127.0.0.1:$SERVER_PORT/api/v3/" run_gh 0 perf respond --no-history x medium 2 1
expect_out '^Issue: created #121 '
check "the path prefix is kept, pages too" [ "$(count_requests ghe 'r["path"] == "/api/v3/repos/octo/app/issues"')" = 3 ]
stop_server ghe
test_done
