#!/bin/sh
# Bad input: a clear message, exit 2, no request sent.  GitHub failures:
# GitHub's own message, exit 3; 5xx, hangs and dropped connections retried.
. "$top_srcdir/tests/cli/lib.sh"
. "$top_srcdir/tests/cli/lib-github.sh"
github_start --repo octo/app
export GITHUB_REPOSITORY=octo/app

bad() {   # bad DESCRIPTION STDERR-PATTERN ARGS...
	test_begin "$1"
	pat=$2
	shift 2
	run_gh 2 perf respond "$@"
	expect_no_out
	expect_err "$pat"
	check "no request sent" [ "$(count_requests github)" = 0 ]
}

bad "an unknown severity" "^perf respond: unknown severity 'low' \(expected critical, high or medium\)$" x low 1 2
bad "a CURRENT that is not a number" "^perf respond: invalid CURRENT value 'fast': expected a number$" x high fast 2
bad "a BASELINE that is not a number" "^perf respond: invalid BASELINE value '12ms': expected a number$" x high 1 12ms
bad "a value that is not finite" "^perf respond: invalid CURRENT value 'nan': expected a number$" x high nan 2
bad "too few arguments" "^perf respond: expected TYPE SEVERITY CURRENT BASELINE, got 3 arguments" x high 1
bad "an empty type" "^perf respond: the regression TYPE is empty$" '' high 1 2
bad "an unknown option" "^perf respond: unknown option '--frobnicate'" --frobnicate x high 1 2
bad "an option without its value" "^perf respond: option '--repo' needs a value" x high 1 2 --repo
bad "an unknown format" "^perf respond: unknown format 'xml' \(expected text or json\)$" -f xml x high 1 2
bad "a bad --timeout" "^perf respond: invalid --timeout '0'" --timeout 0 x high 1 2
bad "a bad --retries" "^perf respond: invalid --retries 'many'" --retries many x high 1 2
bad "a bad --rate-limit-wait" "^perf respond: invalid --rate-limit-wait '-1'" --rate-limit-wait -1 x high 1 2
bad "a bad --critical-above" "^perf respond: invalid --critical-above 'big'" --critical-above big --from - x
bad "thresholds the wrong way round" "^perf respond: --high-above \(30\) is above --critical-above \(20\)$" --high-above 30 --critical-above 20 x high 1 2
bad "a bad workflow name" "^perf respond: invalid --rollback-workflow '../x'" --rollback-workflow ../x x high 1 2
bad "a bad repository" "^perf respond: invalid repository 'octo': expected OWNER/NAME$" -R octo x high 1 2
bad "a repository with a path" "^perf respond: invalid repository 'o/r/issues'" -R o/r/issues x high 1 2
GITHUB_REPOSITORY= bad "no repository" "^perf respond: no repository: give --repo OWNER/NAME or set GITHUB_REPOSITORY$" x high 1 2
GITHUB_TOKEN= bad "no token" "^perf respond: no GitHub token: set GITHUB_TOKEN \(or GH_TOKEN\)$" x high 1 2
GITHUB_TOKEN="a b" bad "a token with a space" "^perf respond: the token in GITHUB_TOKEN holds spaces" x high 1 2
GITHUB_API_URL=ftp://x bad "an API URL that is not http" "^perf respond: invalid GITHUB_API_URL: expected an http:// or https:// URL$" x high 1 2
bad "--from and arguments" "^perf respond: --from takes no TYPE SEVERITY CURRENT BASELINE arguments" --from x.json x high 1 2
bad "an unreadable --from" "^perf respond: cannot read 'nope.json': No such file or directory$" --from nope.json
printf '{"benchmarks": [\n  {"status": "regression", "benchmark": "a" "current": 1}]}\n' >"$T/malformed.json"
bad "malformed --from JSON" "^perf respond: $T/malformed.json:2:[0-9]+: " --from "$T/malformed.json"
bad "JMH output instead of compare output" "^perf respond: .*arraycopy.json:1:1: not perf compare output: expected an object with \"benchmarks\"$" --from "$FIXTURES/jmh/arraycopy.json"
printf '{"benchmarks": [{"status": "regression", "benchmark": "a", "baseline": 1, "current": "x"}]}' >"$T/badnum.json"
bad "a regression without a numeric current" "badnum.json:1:[0-9]+: not perf compare output: \"current\" of a regression is not a number$" --from "$T/badnum.json"
: >"$T/empty.json"
bad "an empty --from" "empty.json:1:1: not perf compare output: the input is empty$" --from "$T/empty.json"

test_begin "--help"
run 0 perf respond --help
expect_out '^Usage: perf respond \[OPTION\]\.\.\. TYPE SEVERITY CURRENT BASELINE$'

test_begin "401: bad credentials, GitHub's message, exit 3"
GITHUB_TOKEN=ghp_wrong run 3 perf respond -f json x high 14 12
expect_err "^perf respond: cannot list the open issues of octo/app: GitHub answered HTTP 401: Bad credentials$"
json_is '{"action": "failed", "issue_number": null, "issue_url": null, "rollback": "skipped"}' 'd'
check "not retried" [ "$(count_requests github)" = 1 ]
check "the event is recorded without an issue" grep -q '"type":"x","severity":"high","current":14,"baseline":12,"issue_url":null' "$PERF_HISTORY"
: >"$T/github.log"

test_begin "404: no such repository"
run_gh 3 perf respond -R octo/nope x high 14 12
expect_err "^perf respond: cannot list the open issues of octo/nope: GitHub answered HTTP 404: Not Found$"
expect_out '^Issue: failed$'
: >"$T/github.log"

test_begin "422 on create: GitHub's message and the error's detail"
faults github '[{"method": "POST", "path": "/issues$", "status": 422, "json": {"message": "Validation Failed", "errors": [{"resource": "Label", "code": "invalid", "field": "labels", "message": "label does not exist"}], "documentation_url": "https://docs.github.com/rest"}}]'
run_gh 3 perf respond x high 14 12
expect_err "^perf respond: cannot create an issue in octo/app: GitHub answered HTTP 422: Validation Failed \(label does not exist\)$"
check "one POST" [ "$(count_requests github 'r["method"] == "POST"')" = 1 ]
: >"$T/github.log"

test_begin "410 and 403 are not retried"
faults github '[{"method": "GET", "path": "/issues$", "status": 410, "json": {"message": "Issues are disabled for this repo"}}]'
run_gh 3 perf respond x high 14 12
expect_err "GitHub answered HTTP 410: Issues are disabled for this repo$"
faults github '[{"method": "GET", "path": "/issues$", "status": 403, "json": {"message": "Resource not accessible by integration"}}]'
run_gh 3 perf respond x high 14 12
expect_err "GitHub answered HTTP 403: Resource not accessible by integration$"
check "one request each" [ "$(count_requests github)" = 2 ]
: >"$T/github.log"

test_begin "500 then 200: retried and done"
faults github '[{"method": "POST", "path": "/issues$", "status": 500, "times": 1}, {"method": "GET", "path": "/issues$", "status": 502, "times": 1}]'
run_gh 0 perf respond -f json x high 14 12
json_is '"created"' 'd["action"]'
check "the list asked twice" [ "$(count_requests github 'r["method"] == "GET"')" = 2 ]
check "the create sent twice" [ "$(count_requests github 'r["method"] == "POST"')" = 2 ]
gh_state_is 1 'len(s["octo/app"]["issues"])'
: >"$T/github.log"

test_begin "5xx that does not stop: the retries run out"
faults github '[{"path": "/issues$", "status": 503, "times": -1}]'
run_gh 3 perf respond --retries 1 y high 14 12
expect_err "^perf respond: cannot list the open issues of octo/app: GitHub answered HTTP 503: Service Unavailable$"
check "two attempts" [ "$(count_requests github)" = 2 ]
: >"$T/github.log"

test_begin "a hang: the timeout, then a retry that works"
faults github '[{"path": "/issues$", "delay": 3, "times": 1}]'
run_gh 0 perf respond --timeout 1 -f json y high 14 12
json_is '"created"' 'd["action"]'
: >"$T/github.log"

test_begin "a dropped connection: retried"
faults github '[{"path": "/issues$", "method": "GET", "drop": true, "times": 1}]'
run_gh 0 perf respond -f json y high 15 12
json_is '"commented"' 'd["action"]'
faults github '[]'
: >"$T/github.log"

test_begin "rollback fails: the issue says so, exit 3"
ENVIRONMENT=production run_gh 3 perf respond --rollback-workflow missing.yml -f json z critical 30 10
json_is '{"action": "created", "issue_number": 3, "issue_url": "https://github.com/octo/app/issues/3", "rollback": "failed"}' 'd'
expect_err "^perf respond: cannot dispatch the rollback workflow missing.yml on main: GitHub answered HTTP 404: Not Found$"
gh_state_is true '"**Rollback failed:** dispatching the `missing.yml` workflow did not work (GitHub answered HTTP 404: Not Found). Roll back by hand." in s["octo/app"]["issues"][2]["body"]'
ENVIRONMENT=production run_gh 3 perf respond --ref no-such-branch -f json z critical 30 10
json_is '"failed"' 'd["rollback"]'
expect_err "GitHub answered HTTP 422: No ref found for: no-such-branch$"

test_begin "GitHub unreachable: exit 3, the address redacted"
stop_server github
run_gh 3 perf respond --retries 1 w high 14 12
expect_err "^perf respond: cannot list the open issues of octo/app: GET http://127.0.0.1:[0-9]+/\*\*\*: Couldn't connect to server"
expect_err "after 2 attempts$"

test_begin "a history file that cannot be written: exit 2"
github_start --repo octo/app
run_gh 2 perf respond --history "$T/no/such/dir/h.jsonl" w high 14 12
expect_err "^perf respond: cannot append to the history file '$T/no/such/dir/h.jsonl': No such file or directory$"
test_begin "bad input is named before a missing repository or token"
run 2 env -u GITHUB_REPOSITORY -u GITHUB_TOKEN -u GH_TOKEN "$PERF" respond chunk urgent 1 2
expect_err "^perf respond: unknown severity 'urgent'"
run 2 env -u GITHUB_REPOSITORY -u GITHUB_TOKEN -u GH_TOKEN "$PERF" respond chunk high abc 2
expect_err "^perf respond: invalid CURRENT value 'abc'"

test_done
