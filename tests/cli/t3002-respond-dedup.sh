#!/bin/sh
# No duplicate issues: a second run for the same regression comments on the
# open issue, found by its marker (not its title), on any page of the list.
. "$top_srcdir/tests/cli/lib.sh"
. "$top_srcdir/tests/cli/lib-github.sh"
github_start --repo octo/app --pulls 3 --seed 130
export GITHUB_REPOSITORY=octo/app

test_begin "the first run opens an issue"
run_gh 0 perf respond -f json chunk_loading high 14 12
json_is '"created"' 'd["action"]'
num=$(json 'd["issue_number"]' "$T/out")
check "a new number ($num)" [ "$num" = 134 ]

test_begin "the second run comments on it"
: >"$T/github.log"
run_gh 0 perf respond -f json chunk_loading critical 18 12
json_is '{"action": "commented", "issue_number": 134, "issue_url": "https://github.com/octo/app/issues/134", "rollback": "skipped"}' 'd'
gh_state_is 134 'len(s["octo/app"]["issues"])'
gh_state_is '[134]' '[c["issue_number"] for c in s["octo/app"]["comments"]]'
gh_state_is true '"Detected again (severity critical)" in s["octo/app"]["comments"][0]["body"] and "| Current | 18 |" in s["octo/app"]["comments"][0]["body"]'
check "the list was read on both pages" [ "$(count_requests github 'r["method"] == "GET"')" = 2 ]
check "page 2 was asked for" [ "$(count_requests github 'r["query"].get("page") == "2"')" = 1 ]
sed -n 2p "$PERF_HISTORY" >"$T/event2"
json_is '"https://github.com/octo/app/issues/134"' 'd["issue_url"]' "$T/event2"
json_is '"critical"' 'd["severity"]' "$T/event2"

test_begin "the text report says so"
run_gh 0 perf respond chunk_loading high 15 12
expect_out '^Issue: commented on #134 https://github.com/octo/app/issues/134$'

test_begin "another type gets its own issue"
run_gh 0 perf respond -f json chunk_loading_p95 high 40 30
json_is '"created"' 'd["action"]'
json_is 135 'd["issue_number"]'

test_begin "the same title without the marker is not a match"
"${PYTHON3:-python3}" -c 'import json,sys,urllib.request
req = urllib.request.Request("http://127.0.0.1:%s/repos/octo/app/issues" % sys.argv[1], method="POST",
    data=json.dumps({"title": "Performance Regression in gc_time", "body": "by hand",
                     "labels": ["performance", "regression"]}).encode(),
    headers={"Authorization": "Bearer " + sys.argv[2], "Content-Type": "application/json"})
urllib.request.urlopen(req).read()' "$(server_port github)" "$TOKEN"
run_gh 0 perf respond -f json gc_time medium 5 4
json_is '"created"' 'd["action"]'
json_is 137 'd["issue_number"]'

test_begin "a type with odd characters: encoded in the marker, matched again"
run_gh 0 perf respond -f json 'org.ex.Chunk.load(size=10)--> <b>' medium 5 4
json_is 138 'd["issue_number"]'
gh_state_is true '"<!-- perfsuite:regression type=org.ex.Chunk.load(size=10)%2D%2D%3E%20%3Cb%3E -->" in s["octo/app"]["issues"][-1]["body"]'
run_gh 0 perf respond -f json 'org.ex.Chunk.load(size=10)--> <b>' medium 6 4
json_is '"commented"' 'd["action"]'
json_is 138 'd["issue_number"]'
test_done
