#!/bin/sh
# No secret ever appears in perf alert's output: dry run (text and json),
# verbose delivery, failed deliveries, failed metrics fetches and bad input.
# The secrets are planted in environment variables the rules file uses.
. "$top_srcdir/tests/cli/lib.sh"
. "$top_srcdir/tests/cli/alert-lib.sh"
printf '{"/fail/plantedhooksecret": [{"status": 400, "body": "no such hook plantedhooksecret"}]}\n' >"$T/plan.json"
start_hooks
start_smtp --auth mailbot:plantedmailsecret
export SLACK_WEBHOOK_URL="$HOOKS/services/T000/B000/plantedslacksecret"
export PAGERDUTY_INTEGRATION_KEY=plantedpdsecret0123
export SMTP_PASSWORD=plantedmailsecret
export HOOK_URL="$HOOKS/fail/plantedhooksecret?token=plantedtokensecret"
cat >"$T/rules.yml" <<EOF2
alert_rules:
  tps_degradation:
    metric: tps
    threshold_value: 18.0
    comparison: less_than
    severity: critical
    notification_channels: [slack, email, pagerduty, webhook]
notification_channels:
  slack:
    webhook_url: "\${SLACK_WEBHOOK_URL}"
  email:
    smtp_server: "127.0.0.1:$SMTP_PORT"
    from: perf@example.org
    recipients: [ops@example.org]
    username: mailbot
    password: "\${SMTP_PASSWORD}"
  pagerduty:
    integration_key: "\${PAGERDUTY_INTEGRATION_KEY}"
    events_url: "$HOOKS/pd"
  webhook:
    url: "\${HOOK_URL}"
EOF2
printf '{"tps": 17}\n' >"$T/low.json"
n=0
clean() {   # clean: neither the last stdout nor stderr holds a planted secret
	n=$((n + 1))
	cp "$T/out" "$T/all-out.$n"
	cp "$T/err" "$T/all-err.$n"
	if grep -E 'planted[a-z]*secret' "$T/out" "$T/err" >"$T/leak"; then
		fail "a secret leaked: $(head -1 "$T/leak")"
	else
		pass "no secret in stdout or stderr"
	fi
}

test_begin "dry run, text: what would be sent, redacted"
run 1 perf alert --rules "$T/rules.yml" --metrics "$T/low.json" --dry-run -v
clean
expect_out "^--- would send alert slack to http://127\.0\.0\.1:[0-9]+/\*\*\*$"
expect_out "^--- would send alert webhook to http://127\.0\.0\.1:[0-9]+/\*\*\*$"
expect_out '"routing_key":"\*\*\*"'
expect_out '^MAIL FROM:<perf@example.org>$'
check "nothing sent" [ ! -s "$HOOKS_LOG" ]
check "no mail sent" [ ! -s "$SMTP_LOG" ]

test_begin "dry run, json: previews on stderr, the document alone on stdout"
run 1 perf alert --rules "$T/rules.yml" --metrics "$T/low.json" --dry-run --format json
clean
json_is false 'd["alerts"][0]["notified"]'
expect_err '^--- would send alert pagerduty to '

test_begin "real delivery, verbose, one channel failing"
run 3 perf alert --rules "$T/rules.yml" --metrics "$T/low.json" -v -v
clean
expect_err "^perf alert: notified email of firing 'tps_degradation' via smtp://127\.0\.0\.1:[0-9]+/\*\*\*$"
expect_err "^perf alert: cannot notify webhook of 'tps_degradation': HTTP 400 from POST http://127\.0\.0\.1:[0-9]+/\*\*\* after 1 attempt$"
mail_is '"mailbot"' 'm[0]["auth"]'
hook_is true 'any(x["json"] and x["json"].get("routing_key") == "plantedpdsecret0123" for x in r)'

test_begin "a wrong SMTP password: refused, no secret shown"
sed 's/\${SMTP_PASSWORD}/\${SMTP_PASSWORD}x/' "$T/rules.yml" >"$T/rules-badpw.yml"
run 3 perf alert --rules "$T/rules-badpw.yml" --metrics "$T/low.json" -v
clean
expect_err "cannot notify email of 'tps_degradation': SMTP smtp://127\.0\.0\.1:[0-9]+/\*\*\*: Login denied"

test_begin "a metrics URL with a token in it"
run 3 perf alert --rules "$T/rules.yml" --metrics "http://127.0.0.1:9/metrics?token=plantedtokensecret" --retries 0
clean
expect_err "^perf alert: cannot fetch metrics from http://127\.0\.0\.1:9/\*\*\*: "
run 3 perf alert --rules "$T/rules.yml" --watch 1 --cycles 1 --source "$HOOKS/fail/plantedhooksecret?token=plantedtokensecret" --retries 0 --history "$T/h.jsonl"
clean
expect_err "cannot fetch metrics from http://127\.0\.0\.1:[0-9]+/\*\*\*: HTTP 400"

test_begin "bad input names the variable, never a value"
unset SMTP_PASSWORD
run 2 perf alert --rules "$T/rules.yml" --metrics "$T/low.json"
clean
expect_err "uses the environment variable 'SMTP_PASSWORD', which is not set$"

test_done
