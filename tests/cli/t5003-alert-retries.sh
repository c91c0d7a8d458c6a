#!/bin/sh
# perf alert delivery failures: retries with backoff for 5xx, 429 with
# Retry-After and timeouts; none for other 4xx; a channel that still fails
# is reported (exit 3) while the others are delivered, and it is tried
# again on the next run.  SMTP transient (4xx) and permanent (5xx) replies.
. "$top_srcdir/tests/cli/lib.sh"
. "$top_srcdir/tests/cli/alert-lib.sh"
cat >"$T/plan.json" <<'EOF2'
{"/flaky": [{"status": 500}, {"status": 503}, {"status": 200, "body": "ok"}],
 "/limited": [{"status": 429, "headers": {"Retry-After": "1"}, "body": "rate limited"}, {"status": 200, "body": "ok"}],
 "/bad": [{"status": 400, "body": "invalid_payload"}],
 "/down": [{"status": 500, "body": "down"}],
 "/hang": [{"hang": 20}, {"status": 200, "body": "ok"}]}
EOF2
start_hooks
printf '{"x": 1}\n' >"$T/m.json"

rules() {   # rules FILE SLACK-PATH WEBHOOK-PATH [PAGERDUTY-PATH]
	cat >"$1" <<EOF2
alert_rules:
  r:
    metric: x
    threshold_value: 0
    comparison: greater_than
    severity: low
    notification_channels: [slack, webhook${4:+, pagerduty}]
notification_channels:
  slack:
    webhook_url: "$HOOKS$2"
  webhook:
    url: "$HOOKS$3"
  pagerduty:
    integration_key: plantedpdsecret0123
    events_url: "$HOOKS${4:-/pd}"
EOF2
}

test_begin "500, 503 then 200: delivered on the third attempt"
rules "$T/r1.yml" /flaky /limited
run 1 perf alert --rules "$T/r1.yml" --metrics "$T/m.json" --format json
json_is true 'd["alerts"][0]["notified"]'
check "three attempts at /flaky" [ "$(requests /flaky)" = 3 ]
check "429 honoured, then delivered" [ "$(requests /limited)" = 2 ]
hook_is true '[x for x in r if x["path"] == "/limited"][1]["time"] - [x for x in r if x["path"] == "/limited"][0]["time"] >= 0.9'
hook_is true '[x["body"] for x in r if x["path"] == "/flaky"][0] == [x["body"] for x in r if x["path"] == "/flaky"][2]'

test_begin "400: no retry; the others are still delivered; exit 3"
rules "$T/r2.yml" /bad /ok2 /pd2
run 3 perf alert --rules "$T/r2.yml" --metrics "$T/m.json" --state "$T/s2.json" --format json
json_is false 'd["alerts"][0]["notified"]'
check "one attempt at /bad" [ "$(requests /bad)" = 1 ]
check "webhook delivered" [ "$(requests /ok2)" = 1 ]
check "pagerduty delivered" [ "$(requests /pd2)" = 1 ]
expect_err "^perf alert: cannot notify slack of 'r': HTTP 400 from POST http://127\.0\.0\.1:[0-9]+/\*\*\* after 1 attempt$"

test_begin "the next run retries only the channel that failed"
run 3 perf alert --rules "$T/r2.yml" --metrics "$T/m.json" --state "$T/s2.json"
check "slack tried again" [ "$(requests /bad)" = 2 ]
check "webhook not repeated" [ "$(requests /ok2)" = 1 ]
check "pagerduty not repeated" [ "$(requests /pd2)" = 1 ]
expect_out 'r: x = 1; alert on greater than 0 \[low\] -> slack \(not delivered\)$'

test_begin "5xx every time: retries exhausted (--retries), exit 3"
rules "$T/r3.yml" /down /ok3
run 3 perf alert --rules "$T/r3.yml" --metrics "$T/m.json" --retries 2
check "three attempts in all" [ "$(requests /down)" = 3 ]
check "webhook delivered" [ "$(requests /ok3)" = 1 ]
expect_err "cannot notify slack of 'r': HTTP 500 from POST http://127\.0\.0\.1:[0-9]+/\*\*\* after 3 attempts$"

test_begin "a server that hangs: timed out (--timeout), retried"
rules "$T/r4.yml" /hang /ok4
run 1 perf alert --rules "$T/r4.yml" --metrics "$T/m.json" --timeout 1 --format json
json_is true 'd["alerts"][0]["notified"]'
check "hung once, then answered" [ "$(requests /hang)" = 2 ]

test_begin "a refused connection: retried, then exit 3"
cat >"$T/r5.yml" <<EOF2
alert_rules:
  r: {metric: x, threshold_value: 0, comparison: greater_than, notification_channels: [webhook]}
notification_channels:
  webhook: {url: "http://127.0.0.1:9/hook"}
EOF2
run 3 perf alert --rules "$T/r5.yml" --metrics "$T/m.json" --retries 1
expect_err "cannot notify webhook of 'r': POST http://127\.0\.0\.1:9/\*\*\*: Couldn't connect to server .* after 2 attempts$"

test_begin "SMTP: a 451 is retried, a 550 is not"
start_smtp --tempfail 1 --reject-rcpt nobody@example.org
cat >"$T/r6.yml" <<EOF2
alert_rules:
  r: {metric: x, threshold_value: 0, comparison: greater_than, notification_channels: [email]}
notification_channels:
  email:
    smtp_server: "smtp://127.0.0.1:$SMTP_PORT"
    from: perf@example.org
    recipients: [ops@example.org]
EOF2
run 1 perf alert --rules "$T/r6.yml" --metrics "$T/m.json" --format json
json_is true 'd["alerts"][0]["notified"]'
mail_is 1 'len(m)'
mail_is '["ops@example.org"]' 'm[0]["rcpt"]'
sed 's/\[ops@example.org\]/[ops@example.org, nobody@example.org]/' "$T/r6.yml" >"$T/r7.yml"
run 3 perf alert --rules "$T/r7.yml" --metrics "$T/m.json"
expect_err "cannot notify email of 'r': SMTP smtp://127\.0\.0\.1:[0-9]+/\*\*\*: .*server replied 550 after 1 attempt$"
mail_is 1 'len(m)'

test_begin "no secret in any output"
check "clean" sh -c "! grep -q 'plantedpdsecret' '$T/out' '$T/err'"

test_done
