#!/bin/sh
# perf alert notifications on the wire: the exact Slack, PagerDuty,
# Alertmanager-webhook and SMTP payloads received by loopback stand-ins,
# dedup across runs through the state file, repeat_interval, resolve
# messages, send_resolved and for: pending.
. "$top_srcdir/tests/cli/lib.sh"
. "$top_srcdir/tests/cli/alert-lib.sh"
printf '{}\n' >"$T/plan.json"
start_hooks
start_smtp --auth mailbot:plantedmailsecret
export SLACK_WEBHOOK_URL="$HOOKS/services/T000/B000/plantedslacksecret"
export PAGERDUTY_INTEGRATION_KEY=plantedpdsecret0123
export SMTP_PASSWORD=plantedmailsecret

cat >"$T/rules.yml" <<EOF2
repeat_interval: 4h
alert_rules:
  tps_degradation:
    metric: "tps.average"
    threshold_value: 18.0
    comparison: "less_than"
    severity: "critical"
    notification_channels: ["slack", "email", "pagerduty", "webhook"]
    labels:
      team: perf
    description: "TPS fell below 18"
notification_channels:
  slack:
    webhook_url: "\${SLACK_WEBHOOK_URL}"
    channel: "#performance-alerts"
  email:
    smtp_server: "127.0.0.1:$SMTP_PORT"
    from: "perf-alert@example.org"
    recipients: ["qa-team@company.com", "devops@company.com"]
    username: mailbot
    password: "\${SMTP_PASSWORD}"
  pagerduty:
    integration_key: "\${PAGERDUTY_INTEGRATION_KEY}"
    events_url: "$HOOKS/v2/enqueue"
    source: "mc-server-1"
  webhook:
    url: "$HOOKS/alertmanager"
    receiver: "perf-team"
EOF2
printf '{"tps": {"average": 17.5}}\n' >"$T/low.json"
printf '{"tps": {"average": 19.9}}\n' >"$T/ok.json"
S="$T/state.json"
SL=/services/T000/B000/plantedslacksecret

test_begin "a firing alert goes to every channel at once"
PERF_NOW=2026-11-23T10:00:00Z run 1 perf alert --rules "$T/rules.yml" --metrics "$T/low.json" --state "$S" --format json
json_is '"firing"' 'd["alerts"][0]["state"]'
json_is true 'd["alerts"][0]["notified"]'
hook_is '["/alertmanager", "/services/T000/B000/plantedslacksecret", "/v2/enqueue"]' 'sorted(x["path"] for x in r)'
hook_is '["POST"]' 'sorted(set(x["method"] for x in r))'
hook_is '["application/json"]' 'sorted(set(x["headers"]["content-type"] for x in r))'
hook_is true 'all(x["headers"]["user-agent"].startswith("perfsuite/") for x in r)'

test_begin "the Slack payload: text plus blocks"
hook_is '"#performance-alerts"' '[x for x in r if x["path"] == "'$SL'"][0]["json"]["channel"]'
hook_is '"FIRING tps_degradation: tps.average is 17.5, alert on less than 18 [critical]"' '[x for x in r if x["path"] == "'$SL'"][0]["json"]["text"]'
hook_is '["header", "section", "context"]' '[b["type"] for b in [x for x in r if x["path"] == "'$SL'"][0]["json"]["blocks"]]'
hook_is '"Performance alert: tps_degradation"' '[x for x in r if x["path"] == "'$SL'"][0]["json"]["blocks"][0]["text"]["text"]'
hook_is '["*Metric:*\ntps.average", "*Value:*\n17.5", "*Baseline:*\nnone", "*Condition:*\nless than 18", "*Severity:*\ncritical", "*State:*\nfiring"]' '[f["text"] for f in [x for x in r if x["path"] == "'$SL'"][0]["json"]["blocks"][1]["fields"]]'

test_begin "the PagerDuty Events API v2 trigger"
hook_is '{"routing_key": "plantedpdsecret0123", "event_action": "trigger", "dedup_key": "perfsuite-tps_degradation", "payload": {"summary": "FIRING tps_degradation: tps.average is 17.5, alert on less than 18 [critical]", "source": "mc-server-1", "severity": "critical", "timestamp": "2026-11-23T10:00:00Z", "component": "tps.average", "class": "performance", "custom_details": {"rule": "tps_degradation", "metric": "tps.average", "value": 17.5, "baseline": null, "threshold": 18, "condition": "less than 18", "change_percent": null, "severity": "critical", "team": "perf"}}, "client": "perfsuite"}' '[x for x in r if x["path"] == "/v2/enqueue"][0]["json"]'

test_begin "the Alertmanager-compatible webhook"
hook_is '"4"' '[x for x in r if x["path"] == "/alertmanager"][0]["json"]["version"]'
hook_is '["version", "groupKey", "truncatedAlerts", "status", "receiver", "groupLabels", "commonLabels", "commonAnnotations", "externalURL", "alerts"]' 'list([x for x in r if x["path"] == "/alertmanager"][0]["json"].keys())'
hook_is '"perf-team"' '[x for x in r if x["path"] == "/alertmanager"][0]["json"]["receiver"]'
hook_is '"{}:{alertname=\"tps_degradation\"}"' '[x for x in r if x["path"] == "/alertmanager"][0]["json"]["groupKey"]'
hook_is '{"status": "firing", "labels": {"alertname": "tps_degradation", "metric": "tps.average", "severity": "critical", "team": "perf"}, "startsAt": "2026-11-23T10:00:00Z", "endsAt": "0001-01-01T00:00:00Z", "generatorURL": ""}' '{k: v for k, v in [x for x in r if x["path"] == "/alertmanager"][0]["json"]["alerts"][0].items() if k not in ("annotations", "fingerprint")}'
hook_is '"TPS fell below 18"' '[x for x in r if x["path"] == "/alertmanager"][0]["json"]["alerts"][0]["annotations"]["description"]'
hook_is true 'len([x for x in r if x["path"] == "/alertmanager"][0]["json"]["alerts"][0]["fingerprint"]) == 16'

test_begin "the mail: SMTP envelope, AUTH, RFC 5322 headers"
mail_is 1 'len(m)'
mail_is '"perf-alert@example.org"' 'm[0]["mail_from"]'
mail_is '["qa-team@company.com", "devops@company.com"]' 'm[0]["rcpt"]'
mail_is '"mailbot"' 'm[0]["auth"]'
mail_is '"Mon, 23 Nov 2026 10:00:00 +0000"' 'm[0]["msg"]["Date"]'
mail_is '"perf-alert@example.org"' 'm[0]["msg"]["From"]'
mail_is '"qa-team@company.com,\r\n devops@company.com"' 'm[0]["msg"]["To"]'
mail_is '"[FIRING] tps_degradation: tps.average (critical)"' 'm[0]["msg"]["Subject"]'
mail_is true 'm[0]["msg"]["Message-ID"].startswith("<perfsuite.") and m[0]["msg"]["Message-ID"].endswith("@example.org>")'
mail_is '"1.0"' 'm[0]["msg"]["MIME-Version"]'
mail_is '"text/plain; charset=utf-8"' 'm[0]["msg"]["Content-Type"]'
mail_is '"8bit"' 'm[0]["msg"]["Content-Transfer-Encoding"]'
mail_is true '"Metric:    tps.average\r\n" in m[0]["data"] and "Label:     team=perf" in m[0]["data"]'
mail_is true 'all(l.endswith("\r") or l == "" for l in m[0]["data"].split("\n"))'

test_begin "the state file: no repeat within repeat_interval"
check "state written" test -s "$S"
json_is '"2026-11-23T10:00:00Z"' 'd["alerts"]["tps_degradation"]["firing_since"]' "$S"
PERF_NOW=2026-11-23T12:00:00Z run 1 perf alert --rules "$T/rules.yml" --metrics "$T/low.json" --state "$S" --format json
json_is false 'd["alerts"][0]["notified"]'
hook_is 3 'len(r)'
mail_is 1 'len(m)'
check "no temporary or stray file beside the state" sh -c "[ \$(ls -A '$T' | grep -c '^state.json') = 2 ]"

test_begin "again after repeat_interval"
PERF_NOW=2026-11-23T14:00:01Z run 1 perf alert --rules "$T/rules.yml" --metrics "$T/low.json" --state "$S"
expect_out 'slack,email,pagerduty,webhook \(notified\)'
hook_is 6 'len(r)'
mail_is 2 'len(m)'
hook_is '"2026-11-23T10:00:00Z"' '[x for x in r if x["path"] == "/alertmanager"][-1]["json"]["alerts"][0]["startsAt"]'

test_begin "once when it resolves"
PERF_NOW=2026-11-23T15:00:00Z run 0 perf alert --rules "$T/rules.yml" --metrics "$T/ok.json" --state "$S" --format json
json_is '"resolved"' 'd["alerts"][0]["state"]'
json_is true 'd["alerts"][0]["notified"]'
hook_is '{"routing_key": "plantedpdsecret0123", "event_action": "resolve", "dedup_key": "perfsuite-tps_degradation"}' '[x for x in r if x["path"] == "/v2/enqueue"][-1]["json"]'
hook_is '"resolved"' '[x for x in r if x["path"] == "/alertmanager"][-1]["json"]["status"]'
hook_is '{"status": "resolved", "startsAt": "2026-11-23T10:00:00Z", "endsAt": "2026-11-23T15:00:00Z"}' '{k: [x for x in r if x["path"] == "/alertmanager"][-1]["json"]["alerts"][0][k] for k in ("status", "startsAt", "endsAt")}'
hook_is true '[x for x in r if x["path"] == "'$SL'"][-1]["json"]["text"].startswith("RESOLVED tps_degradation")'
mail_is '"[RESOLVED] tps_degradation: tps.average (critical)"' 'm[-1]["msg"]["Subject"]'
json_is '{}' 'd["alerts"]' "$S"
PERF_NOW=2026-11-23T16:00:00Z run 0 perf alert --rules "$T/rules.yml" --metrics "$T/ok.json" --state "$S" --format json
json_is '"ok"' 'd["alerts"][0]["state"]'
hook_is 9 'len(r)'
mail_is 3 'len(m)'

test_begin "send_resolved: false and for: pending"
cat >"$T/for.yml" <<EOF2
send_resolved: false
alert_rules:
  slow:
    metric: "tps.average"
    threshold_value: 18.0
    comparison: "less_than"
    severity: "high"
    for: 10m
    notification_channels: ["webhook"]
notification_channels:
  webhook:
    url: "$HOOKS/for"
EOF2
S2="$T/state2.json"
PERF_NOW=2026-11-23T10:00:00Z run 0 perf alert --rules "$T/for.yml" --metrics "$T/low.json" --state "$S2"
expect_out '^pending  slow: '
PERF_NOW=2026-11-23T10:05:00Z run 0 perf alert --rules "$T/for.yml" --metrics "$T/low.json" --state "$S2" --format json
json_is '"ok"' 'd["alerts"][0]["state"]'
check "nothing sent while pending" [ "$(requests /for)" = 0 ]
PERF_NOW=2026-11-23T10:10:00Z run 1 perf alert --rules "$T/for.yml" --metrics "$T/low.json" --state "$S2" --format json
json_is '"firing"' 'd["alerts"][0]["state"]'
check "sent once it held for 10m" [ "$(requests /for)" = 1 ]
hook_is '"high"' '[x for x in r if x["path"] == "/for"][0]["json"]["alerts"][0]["labels"]["severity"]'
hook_is '"2026-11-23T10:10:00Z"' '[x for x in r if x["path"] == "/for"][0]["json"]["alerts"][0]["startsAt"]'
PERF_NOW=2026-11-23T10:20:00Z run 0 perf alert --rules "$T/for.yml" --metrics "$T/ok.json" --state "$S2" --format json
json_is '"resolved"' 'd["alerts"][0]["state"]'
check "no resolve message with send_resolved: false" [ "$(requests /for)" = 1 ]
PERF_NOW=2026-11-23T10:30:00Z run 0 perf alert --rules "$T/for.yml" --metrics "$T/low.json" --state "$S2"
PERF_NOW=2026-11-23T10:35:00Z run 0 perf alert --rules "$T/for.yml" --metrics "$T/ok.json" --state "$S2" --format json
json_is '"ok"' 'd["alerts"][0]["state"]'
check "a pending alert that clears says nothing" [ "$(requests /for)" = 1 ]

test_begin "a corrupt state file is bad input"
printf '{"alerts": ' >"$T/bad-state.json"
run 2 perf alert --rules "$T/for.yml" --metrics "$T/low.json" --state "$T/bad-state.json"
expect_err "^perf alert: $T/bad-state.json:1:[0-9]+: "
printf '[]' >"$T/bad-state2.json"
run 2 perf alert --rules "$T/for.yml" --metrics "$T/low.json" --state "$T/bad-state2.json"
expect_err "bad-state2.json:1:1: not a perf alert state file"

test_begin "a concurrent run waits for the lock"
"$PY" -c 'import fcntl,sys,time
f=open(sys.argv[1], "w"); fcntl.flock(f, fcntl.LOCK_EX); open(sys.argv[2], "w").close(); time.sleep(1.5)
open(sys.argv[3], "w").close()' "$S2.lock" "$T/locked" "$T/released" &
lockpid=$!
while [ ! -e "$T/locked" ]; do sleep 0.05; done
PERF_NOW=2026-11-23T11:00:00Z run 0 perf alert --rules "$T/for.yml" --metrics "$T/low.json" --state "$S2"
check "the locker had finished first" test -e "$T/released"
wait $lockpid

test_begin "no secret in any output"
for f in "$T"/out "$T"/err "$S" "$S2"; do
	check "$(basename "$f") is clean" sh -c "! grep -q 'plantedslacksecret\|plantedpdsecret\|plantedmailsecret' '$f'"
done

test_done
