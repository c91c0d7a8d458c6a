#!/bin/sh
# perf alert --watch: the monitor.  Each cycle polls the sources, merges
# them into one timestamped sample, appends it to the history, evaluates,
# prints the trends and notifies; a failing or non-JSON source is logged
# and the loop goes on; SIGTERM ends it after the current cycle.
. "$top_srcdir/tests/cli/lib.sh"
. "$top_srcdir/tests/cli/alert-lib.sh"
cat >"$T/plan.json" <<'EOF2'
{"/metrics": [{"status": 200, "body": "{\"tps\": {\"average\": 17.0}, \"timestamp\": \"ignored\"}"},
              {"status": 500, "body": "down"},
              {"status": 200, "body": "<html>not json</html>"},
              {"status": 200, "body": "{\"tps\": {\"average\": 19.5}}"}]}
EOF2
start_hooks
cat >"$T/chunks.json" <<'EOF2'
{"chunk_loading": {"average_ms": 13.0, "p95_ms": 31.0},
 "memory": {"heap_used_mb": 2150, "gc_count": 2}}
EOF2
cat >"$T/rules.yml" <<EOF2
alert_rules:
  tps_degradation:
    metric: tps.average
    threshold_value: 18
    comparison: less_than
    severity: critical
    notification_channels: [webhook]
  chunk_slow:
    metric: chunk_loading.average_ms
    threshold_value: 20
    comparison: greater_than
    severity: high
notification_channels:
  webhook:
    url: "$HOOKS/am"
EOF2
cat >"$T/chunk-rules.yml" <<EOF2
alert_rules:
  chunk_slow:
    metric: chunk_loading.average_ms
    threshold_value: 20
    comparison: greater_than
EOF2
H="$T/history.jsonl"
i=0
while [ $i -lt 10 ]; do
	printf '{"timestamp": "2026-11-22T00:%02d:00Z", "chunk_loading": {"average_ms": 10.0}, "tps": {"average": 20.0}}\n' $i >>"$H"
	i=$((i + 1))
done

test_begin "four cycles: history appended, a source failing mid-way survived"
PERF_NOW=2026-11-23T00:00:00Z run 0 perf alert --rules "$T/rules.yml" --watch 1 --cycles 4 \
	--source "$T/chunks.json" --source "$HOOKS/metrics" --history "$H" --state "$T/state.json" --retries 0
check "four samples appended" [ "$(wc -l <"$H")" = 14 ]
sed -n 11p "$H" >"$T/s1.json"
json_is '{"timestamp": "2026-11-23T00:00:00Z", "chunk_loading": {"average_ms": 13, "p95_ms": 31}, "memory": {"heap_used_mb": 2150, "gc_count": 2}, "tps": {"average": 17}}' 'd' "$T/s1.json"
sed -n 12p "$H" >"$T/s2.json"
json_is '["chunk_loading", "memory", "timestamp"]' 'sorted(d)' "$T/s2.json"
sed -n 14p "$H" >"$T/s4.json"
json_is 19.5 'd["tps"]["average"]' "$T/s4.json"
expect_out '^== cycle 1 at 2026-11-23T00:00:00Z$'
expect_out '^== cycle 4 at '
expect_out '^firing   tps_degradation: tps\.average = 17; alert on less than 18 \[critical\] -> webhook \(notified\)$'
expect_err "^perf alert: cannot fetch metrics from http://127\.0\.0\.1:[0-9]+/\*\*\*: HTTP 500"
expect_err "rule 'tps_degradation': metric 'tps\.average' is not in the metrics the sample; rule skipped this cycle"
expect_err "^perf alert: metrics from http://127\.0\.0\.1:[0-9]+/\*\*\* are not JSON: "
expect_out '^resolved tps_degradation: '
check "one firing and one resolved message" [ "$(requests /am)" = 2 ]
hook_is '["firing", "resolved"]' '[x["json"]["status"] for x in r if x["path"] == "/am"]'

test_begin "the trend per metric: recent five against the rest"
expect_out '^trend chunk_loading\.average_ms: deteriorating \(\+6\.0%, last 5 of 11 samples vs the rest\)$'
expect_out '^trend tps\.average: stable \(-3\.0%, last 5 of 11 samples vs the rest\)$'
expect_out '^trend chunk_loading\.average_ms: deteriorating \(\+18\.0%, last 5 of 13 samples vs the rest\)$'

test_begin "--format json in watch mode: one document a line per cycle"
PERF_NOW=2026-11-24T00:00:00Z run 0 perf alert --rules "$T/chunk-rules.yml" --watch 1 --cycles 2 \
	--source "$T/chunks.json" --metrics "$T/chunks.json" --history "$T/h2.jsonl" --format json
check "two lines" [ "$(wc -l <"$T/out")" = 2 ]
head -1 "$T/out" >"$T/j1.json"
json_is '"2026-11-24T00:00:00Z"' 'd["timestamp"]' "$T/j1.json"
json_is '["chunk_slow"]' '[a["rule"] for a in d["alerts"]]' "$T/j1.json"
json_is '{"chunk_loading.average_ms": "insufficient-data"}' 'd["trends"]' "$T/j1.json"
expect_err "'chunk_loading' is also in an earlier source; the earlier is kept"

test_begin "without --state the monitor remembers in memory: notified once"
printf '{"tps": {"average": 17.0}}\n' >"$T/low.json"
sed 's|/am"|/mem"|' "$T/rules.yml" >"$T/mem.yml"
run 1 perf alert --rules "$T/mem.yml" --watch 1 --cycles 3 --source "$T/low.json" --source "$T/chunks.json" --history "$T/hm.jsonl" -q
check "one notification in three cycles" [ "$(requests /mem)" = 1 ]

test_begin "PERF_HISTORY names the history file"
PERF_HISTORY="$T/h3.jsonl" run 0 perf alert --rules "$T/chunk-rules.yml" --watch 1 --cycles 1 --source "$T/chunks.json" -q
check "one sample" [ "$(wc -l <"$T/h3.jsonl")" = 1 ]

test_begin "no source answering: logged, the loop goes on"
run 2 perf alert --rules "$T/chunk-rules.yml" --watch 1 --cycles 2 --source "$T/missing.json" --history "$T/h4.jsonl"
expect_err "^perf alert: cannot read '$T/missing.json': No such file or directory$"
expect_err "^perf alert: cycle 2: no metrics source answered; trying again next cycle$"
check "nothing appended" [ ! -e "$T/h4.jsonl" ]

test_begin "SIGTERM ends the loop after the current cycle"
"$PERF" alert --rules "$T/chunk-rules.yml" --watch 1 --source "$T/chunks.json" --history "$T/h5.jsonl" >"$T/out" 2>"$T/err" &
pid=$!
i=0
while [ "$(cat "$T/h5.jsonl" 2>/dev/null | wc -l)" -lt 2 ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
kill -TERM $pid
wait $pid
code=$?
check "exit 0 after SIGTERM (got $code)" [ "$code" = 0 ]
check "whole lines only" "$PY" -c 'import json,sys
[json.loads(l) for l in open(sys.argv[1])]' "$T/h5.jsonl"
check "the last cycle's report is complete" sh -c "tail -1 '$T/out' | grep -q '^trend '"

test_begin "SIGINT too"
"$PERF" alert --rules "$T/chunk-rules.yml" --watch 30 --source "$T/chunks.json" --history "$T/h6.jsonl" >"$T/out" 2>"$T/err" &
pid=$!
i=0
while [ ! -s "$T/h6.jsonl" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
kill -INT $pid
wait $pid
code=$?
check "exit 0 after SIGINT, without waiting out the interval (got $code)" [ "$code" = 0 ]
check "one sample" [ "$(wc -l <"$T/h6.jsonl")" = 1 ]

test_done
