#!/bin/sh
# perf alert rules and one-shot evaluation: the original rules file as
# written, threshold semantics, text and json reports, the baseline from a
# file or a window of the history, and bad input of every kind (exit 2).
. "$top_srcdir/tests/cli/lib.sh"
ORIG="$top_srcdir/tests/fixtures/alert/performance_alerts.yml"
export SLACK_WEBHOOK_URL=https://hooks.slack.com/services/T000/B000/plantedslacksecret
export PAGERDUTY_INTEGRATION_KEY=plantedpdsecret0123

cat >"$T/m.json" <<'EOF2'
{"chunk_loading_time_ms": 13.5, "memory_usage_mb": 2000, "tps_average": 19.9, "cache_hit_ratio": 0.80}
EOF2
cat >"$T/b.json" <<'EOF2'
{"chunk_loading_time_ms": 12.0, "memory_usage_mb": 1900, "tps_average": 20.0, "cache_hit_ratio": 0.95}
EOF2

test_begin "the original rules file, unchanged, evaluates (dry run)"
run 1 perf alert --rules "$ORIG" --metrics "$T/m.json" --baseline "$T/b.json" --dry-run --format json
json_is '["chunk_loading_regression", "memory_usage_increase", "tps_degradation", "cache_efficiency_drop"]' '[a["rule"] for a in d["alerts"]]'
json_is '["firing", "ok", "ok", "firing"]' '[a["state"] for a in d["alerts"]]'
json_is '{"rule": "chunk_loading_regression", "metric": "chunk_loading_time_ms", "value": 13.5, "baseline": 12.0, "threshold": 10, "severity": "high", "state": "firing", "channels": ["slack", "email"], "notified": false}' 'd["alerts"][0]'
json_is '["rule", "metric", "value", "baseline", "threshold", "severity", "state", "channels", "notified"]' 'list(d["alerts"][2].keys())'
json_is -10 'd["alerts"][3]["threshold"]'
expect_err '^--- would send alert slack to https://hooks.slack.com/\*\*\*$'
expect_not_err 'plantedslacksecret|plantedpdsecret'

test_begin "threshold_percent: positive N fires above +N%, negative N below -N%"
cat >"$T/pct.yml" <<'EOF2'
alert_rules:
  up:   {metric: a, threshold_percent: 10, severity: low}
  down: {metric: b, threshold_percent: -10, severity: low}
  upx:  {metric: c, threshold_percent: 10, severity: low}
  downx: {metric: d, threshold_percent: -10, severity: low}
EOF2
printf '{"a": 100, "b": 100, "c": 100, "d": 100}\n' >"$T/pb.json"
printf '{"a": 111, "b": 89, "c": 110, "d": 111}\n' >"$T/pm.json"
run 1 perf alert --rules "$T/pct.yml" --metrics "$T/pm.json" --baseline "$T/pb.json" --format json
json_is '["firing", "firing", "ok", "ok"]' '[a["state"] for a in d["alerts"]]'
printf '{"a": 90, "b": 120, "c": 100, "d": 100}\n' >"$T/pm2.json"
run 0 perf alert --rules "$T/pct.yml" --metrics "$T/pm2.json" --baseline "$T/pb.json" --format json
json_is '["ok", "ok", "ok", "ok"]' '[a["state"] for a in d["alerts"]]'

test_begin "threshold_value with each comparison; dotted paths; the text report"
cat >"$T/cmp.yml" <<'EOF2'
alert_rules:
  gt: {metric: m.x, threshold_value: 5, comparison: greater_than, severity: info}
  ge: {metric: m.x, threshold_value: 5, comparison: greater_equal, severity: info}
  lt: {metric: m.x, threshold_value: 5, comparison: less_than, severity: info}
  le: {metric: m.x, threshold_value: 5, comparison: less_equal, severity: info}
  flat: {metric: "y.z", threshold_value: 1, comparison: greater_than, severity: critical}
EOF2
printf '{"m": {"x": 5}, "y.z": 2}\n' >"$T/c.json"
run 1 perf alert --rules "$T/cmp.yml" --metrics "$T/c.json" --format json
json_is '["ok", "firing", "ok", "firing", "firing"]' '[a["state"] for a in d["alerts"]]'
json_is null 'd["alerts"][0]["baseline"]'
run 1 perf alert --rules "$T/cmp.yml" --metrics "$T/c.json"
expect_out '^firing   ge: m\.x = 5; alert on at least 5 \[info\]$'
expect_out '^ok       gt: m\.x = 5; alert on greater than 5 \[info\]$'
expect_out '^3 firing, 0 pending, 0 resolved, 2 ok$'
printf '{"m": {"x": 6}, "y.z": 0}\n' >"$T/c2.json"
run_stdin 1 "$T/c2.json" perf alert --rules "$T/cmp.yml" --metrics - --format json
json_is '["firing", "firing", "ok", "ok", "ok"]' '[a["state"] for a in d["alerts"]]'
printf '{"m": {"x": 4}, "y.z": 0}\n' >"$T/c3.json"
run 1 perf alert --rules "$T/cmp.yml" --metrics "$T/c3.json" --format json
json_is '["ok", "ok", "firing", "firing", "ok"]' '[a["state"] for a in d["alerts"]]'

test_begin "--baseline-window: the median of the window of the history file"
cat >"$T/h.jsonl" <<'EOF2'
{"timestamp": "2026-11-01T00:00:00Z", "a": 1000}
{"timestamp": "2026-11-20T00:00:00Z", "a": 100}
{"timestamp": "2026-11-21T00:00:00Z", "a": 104}
{"timestamp": "2026-11-22T00:00:00Z", "event": "regression", "a": 5000}
{"timestamp": "2026-11-22T12:00:00Z", "a": 96}
not json at all
{"timestamp": "2026-11-22T13:00:00Z", "b": 1}
{"timestamp": "2026-11-2
EOF2
cat >"$T/w.yml" <<'EOF2'
alert_rules:
  up: {metric: a, threshold_percent: 5, severity: low}
EOF2
printf '{"a": 106}\n' >"$T/w.json"
PERF_NOW=2026-11-23T00:00:00Z run 1 perf alert --rules "$T/w.yml" --metrics "$T/w.json" --baseline-window 7d --history "$T/h.jsonl" --format json
json_is 100 'd["alerts"][0]["baseline"]'
expect_err "h.jsonl: skipped 2 unreadable lines \(first at "
PERF_HISTORY="$T/h.jsonl" PERF_NOW=2026-11-23T00:00:00Z run 0 perf alert --rules "$T/w.yml" --metrics "$T/w.json" --baseline-window 30d --format json
json_is 102 'd["alerts"][0]["baseline"]'

bad() {   # bad DESCRIPTION STDERR-PATTERN ARGS...
	test_begin "$1"
	pat=$2
	shift 2
	run 2 perf alert "$@"
	expect_no_out
	expect_err "$pat"
}

printf 'alert_rules:\n  r: {metric: a, threshold_value: 1, comparison: less_than\n' >"$T/syntax.yml"
bad "malformed YAML: file, line and column" "^perf alert: $T/syntax.yml:[0-9]+:[0-9]+: " --rules "$T/syntax.yml" --metrics "$T/m.json"
printf 'alert_rules:\n  r:\n    metric: a\n    severity: low\n' >"$T/nothr.yml"
bad "a rule with neither threshold" "^perf alert: $T/nothr.yml:3:5: rule 'r' has neither threshold_percent nor threshold_value$" --rules "$T/nothr.yml" --metrics "$T/m.json"
printf 'alert_rules:\n  r:\n    metric: a\n    threshold_value: 1\n    comparison: sideways\n' >"$T/cmpbad.yml"
bad "an unknown comparison" "^perf alert: $T/cmpbad.yml:5:17: rule 'r' has an unknown comparison 'sideways'" --rules "$T/cmpbad.yml" --metrics "$T/m.json"
printf 'alert_rules:\n  r:\n    metric: a\n    threshold_value: 1\n' >"$T/nocmp.yml"
bad "threshold_value without comparison" "nocmp.yml:3:5: rule 'r' has threshold_value but no comparison" --rules "$T/nocmp.yml" --metrics "$T/m.json"
printf 'alert_rules:\n  r:\n    metric: a\n    threshold_percent: 1\n    notification_channels: [sms]\n' >"$T/chbad.yml"
bad "an unknown channel" "^perf alert: $T/chbad.yml:5:29: rule 'r' names an unknown channel 'sms'" --rules "$T/chbad.yml" --metrics "$T/m.json"
printf 'alert_rules:\n  r:\n    metric: a\n    threshold_percent: 1\n    notification_channels: [slack]\n' >"$T/chnone.yml"
bad "a channel that is not configured" "chnone.yml:2:3: rule 'r' uses channel 'slack', which notification_channels does not configure" --rules "$T/chnone.yml" --metrics "$T/m.json"
printf 'alert_rules: {}\nnotification_channels:\n  pigeon: {}\n' >"$T/chunk.yml"
bad "an unknown channel section" "chunk.yml:3:3: unknown notification channel 'pigeon'" --rules "$T/chunk.yml" --metrics "$T/m.json"
printf 'alert_rules:\n  r: {metric: nope, threshold_value: 1, comparison: less_than}\n' >"$T/miss.yml"
bad "a metric missing from the snapshot" "^perf alert: $T/miss.yml:2:3: rule 'r': metric 'nope' is not in the metrics $T/m.json$" --rules "$T/miss.yml" --metrics "$T/m.json"
printf '{"nope": "high"}\n' >"$T/str.json"
bad "a metric that is not a number" "rule 'r': metric 'nope' in $T/str.json is not a number" --rules "$T/miss.yml" --metrics "$T/str.json"
bad "a percent rule without a baseline" "^perf alert: $ORIG:3:3: rule 'chunk_loading_regression' has threshold_percent but there is no baseline" --rules "$ORIG" --metrics "$T/m.json"
printf '{"chunk_loading_time_ms": 12.0}\n' >"$T/b-short.json"
bad "a metric missing from the baseline" "rule 'memory_usage_increase': metric 'memory_usage_mb' is not in the baseline $T/b-short.json" --rules "$ORIG" --metrics "$T/m.json" --baseline "$T/b-short.json"
printf '{"a": 1,}\n' >"$T/notjson.json"
bad "metrics that are not JSON" "^perf alert: $T/notjson.json:1:[0-9]+: " --rules "$T/miss.yml" --metrics "$T/notjson.json"
printf '[1, 2]\n' >"$T/arr.json"
bad "metrics that are not an object" "arr.json:1:1: metrics must be a JSON object" --rules "$T/miss.yml" --metrics "$T/arr.json"
bad "a missing metrics file" "^perf alert: cannot read 'nope.json': No such file or directory$" --rules "$T/miss.yml" --metrics nope.json
bad "a missing rules file" "cannot read 'nope.yml'" --rules nope.yml --metrics "$T/m.json"
bad "no --rules" "^perf alert: no rules: give --rules FILE" --metrics "$T/m.json"
bad "no metrics" "^perf alert: no metrics: give --metrics" --rules "$ORIG"
unset SLACK_WEBHOOK_URL
bad "an unset environment variable is named, never a value" "performance_alerts.yml:30:18: slack webhook_url uses the environment variable 'SLACK_WEBHOOK_URL', which is not set$" --rules "$ORIG" --metrics "$T/m.json"
export SLACK_WEBHOOK_URL=https://hooks.slack.com/services/T000/B000/plantedslacksecret
bad "an unknown format" "^perf alert: unknown format 'xml' \(expected text or json\)$" --rules "$ORIG" --metrics "$T/m.json" --format xml
bad "a bad --watch" "^perf alert: invalid --watch 'soon'" --rules "$ORIG" --metrics "$T/m.json" --watch soon
bad "a bad --baseline-window" "^perf alert: invalid --baseline-window 'week'" --rules "$ORIG" --metrics "$T/m.json" --baseline-window week
bad "--cycles without --watch" "^perf alert: --cycles needs --watch$" --rules "$ORIG" --metrics "$T/m.json" --cycles 2
bad "--baseline and --baseline-window" "not both" --rules "$ORIG" --metrics "$T/m.json" --baseline "$T/b.json" --baseline-window 7d
bad "an unknown option" "^perf alert: unknown option '--frobnicate'" --frobnicate
bad "an option without its value" "^perf alert: option '--rules' needs a value" --rules
bad "a stray argument" "^perf alert: unexpected argument 'extra'" --rules "$ORIG" extra
bad "a bad --retries" "^perf alert: invalid --retries '-1'" --rules "$ORIG" --metrics "$T/m.json" --retries -1
bad "a bad --timeout" "^perf alert: invalid --timeout '0'" --rules "$ORIG" --metrics "$T/m.json" --timeout 0
printf 'alert_rules:\n  r: {metric: a, threshold_value: 1, comparison: less_than, for: soon}\n' >"$T/for.yml"
bad "a bad for: duration" "for.yml:2:[0-9]+: rule 'r' for must be a duration" --rules "$T/for.yml" --metrics "$T/m.json"
printf 'alert_rules:\n  r: {metric: a, threshold_value: 1, comparison: less_than, severity: urgent}\n' >"$T/sev.yml"
bad "an unknown severity" "sev.yml:2:[0-9]+: rule 'r' has an unknown severity 'urgent'" --rules "$T/sev.yml" --metrics "$T/m.json"

test_begin "unknown keys are warnings with line and column"
cat >"$T/typo.yml" <<'EOF2'
alert_rules:
  r:
    metric: a
    treshold: 3
    threshold_value: 1
    comparison: greater_than
notification_channels:
  slack:
    webhook_url: https://hooks.slack.com/services/x
    colour: red
send_resolved: false
repeat_every: 1h
EOF2
printf '{"a": 0}\n' >"$T/a0.json"
run 0 perf alert --rules "$T/typo.yml" --metrics "$T/a0.json"
expect_err "^perf alert: warning: $T/typo.yml:4:5: unknown key 'treshold' in rule 'r'"
expect_err "^perf alert: warning: $T/typo.yml:10:5: unknown key 'colour' in notification channel 'slack'"
expect_err "^perf alert: warning: $T/typo.yml:12:1: unknown key 'repeat_every' in the rules file"
run 0 perf alert -q --rules "$T/typo.yml" --metrics "$T/a0.json"
expect_no_err

test_done
