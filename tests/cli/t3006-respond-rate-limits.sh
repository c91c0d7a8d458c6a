#!/bin/sh
# Rate limits: a secondary limit's retry-after is honoured; a primary limit
# (x-ratelimit-remaining: 0) is waited out when its reset is near and fails
# clearly when it is not.
. "$top_srcdir/tests/cli/lib.sh"
. "$top_srcdir/tests/cli/lib-github.sh"
github_start --repo octo/app
export GITHUB_REPOSITORY=octo/app

test_begin "secondary limit (403 + retry-after): waited out"
faults github '[{"method": "POST", "path": "/issues$", "status": 403, "headers": {"Retry-After": "1"}, "json": {"message": "You have exceeded a secondary rate limit and have been temporarily blocked from content creation. Please retry your request again later.", "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"}}]'
run_gh 0 perf respond -v -f json a high 14 12
json_is '"created"' 'd["action"]'
expect_err '^perf respond: rate limited \(HTTP 403\): waiting 1 s$'
check "the create sent twice" [ "$(count_requests github 'r["method"] == "POST"')" = 2 ]
: >"$T/github.log"

test_begin "429 + retry-after: waited out"
faults github '[{"method": "GET", "path": "/issues$", "status": 429, "headers": {"Retry-After": "1"}}]'
run_gh 0 perf respond -f json a high 14 12
json_is '"commented"' 'd["action"]'
: >"$T/github.log"

test_begin "primary limit with a near reset: waited out"
faults github '[{"method": "GET", "path": "/issues$", "status": 403, "headers": {"X-RateLimit-Limit": "5000", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "{now+1}"}, "json": {"message": "API rate limit exceeded for user ID 1."}}]'
run_gh 0 perf respond -f json b medium 14 12
json_is '"created"' 'd["action"]'
check "the list asked twice" [ "$(count_requests github 'r["method"] == "GET"')" = 2 ]
: >"$T/github.log"

test_begin "primary limit with a far reset: fails at once"
faults github '[{"method": "GET", "path": "/issues$", "status": 403, "times": -1, "headers": {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "{now+3600}"}, "json": {"message": "API rate limit exceeded for user ID 1."}}]'
run_gh 3 perf respond c medium 14 12
expect_err "^perf respond: cannot list the open issues of octo/app: GitHub's rate limit is exhausted until [0-9T:-]+Z, 3[0-9]{3} s away, more than the 60 s allowed \(--rate-limit-wait\)$"
check "asked once" [ "$(count_requests github)" = 1 ]
: >"$T/github.log"

test_begin "--rate-limit-wait bounds a secondary limit too"
faults github '[{"path": "/issues$", "status": 429, "times": -1, "headers": {"Retry-After": "5"}}]'
run_gh 3 perf respond --rate-limit-wait 2 c medium 14 12
expect_err "GitHub's secondary rate limit asks to wait 5 s, more than the 2 s allowed \(--rate-limit-wait\)$"
check "asked once" [ "$(count_requests github)" = 1 ]
: >"$T/github.log"

test_begin "a secondary limit without a time: a minute, beyond a small bound"
faults github '[{"path": "/issues$", "status": 403, "times": -1, "json": {"message": "You have exceeded a secondary rate limit."}}]'
run_gh 3 perf respond --rate-limit-wait 5 c medium 14 12
expect_err "secondary rate limit asks to wait a minute, more than the 5 s allowed"
: >"$T/github.log"

test_begin "a primary limit without a reset time"
faults github '[{"path": "/issues$", "status": 403, "times": -1, "headers": {"X-RateLimit-Remaining": "0"}, "json": {"message": "API rate limit exceeded"}}]'
run_gh 3 perf respond c medium 14 12
expect_err "rate limit is exhausted and its reset time is unknown$"
test_done
