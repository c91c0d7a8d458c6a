#!/bin/sh
# perf weekly --format json on generated histories with known answers: the
# contract's figures (computed independently by histgen.py expect) bit for
# bit, week boundaries in UTC, the default week, changes and their
# direction, regression events, missing families, an empty week, the
# generic table, records out of order.
. "$top_srcdir/tests/cli/lib.sh"
PY="${PYTHON3:-python3}"
GEN="$PY $top_srcdir/tests/cli/histgen.py"

# same_figures EXPECTED ACTUAL: every figure and change of EXPECTED equals
# the one in ACTUAL exactly (null for null).
same_figures() {
	if got=$("$PY" - "$1" "$2" <<'EOF' 2>&1
import json, sys
e = json.load(open(sys.argv[1])); a = json.load(open(sys.argv[2]))
bad = []
for fam, vals in e["metrics_summary"].items():
    for k, v in vals.items():
        g = a["metrics_summary"][fam][k]
        if g != v:
            bad.append("%s.%s: expected %r, got %r" % (fam, k, v, g))
ch = {c["metric"]: c for c in a["performance_changes"] if "event" not in c}
if set(ch) != set(e["changes"]):
    bad.append("changes: expected %s, got %s" % (sorted(e["changes"]), sorted(ch)))
for m, c in e["changes"].items():
    if m in ch and (ch[m]["type"], ch[m]["impact_percent"]) != (c["type"], c["impact_percent"]):
        bad.append("%s: expected %r, got %r" % (m, c, ch[m]))
om = {o["metric"]: o for o in a["other_metrics"]}
for m, o in e["other_metrics"].items():
    for k, v in o.items():
        if om.get(m, {}).get(k) != v:
            bad.append("other %s.%s: expected %r, got %r" % (m, k, v, om.get(m, {}).get(k)))
if a["samples"] != e["samples"]:
    bad.append("samples: expected %r, got %r" % (e["samples"], a["samples"]))
print("\n".join(bad))
sys.exit(1 if bad else 0)
EOF
); then pass "figures as computed independently"; else fail "figures differ: $got"; fi
}

test_begin "two weeks of minute samples: every figure exactly"
$GEN gen --start 2026-11-16 --days 14 --seed 3 --extra cache.hit_ratio --extra io.read_time >"$T/h.jsonl"
$GEN expect "$T/h.jsonl" 2026-11-23 >"$T/expected.json"
run 0 perf weekly --history "$T/h.jsonl" --week-start 2026-11-23 --format json
same_figures "$T/expected.json" "$T/out"
json_is '"2026-11-23"' 'd["week_start"]'
json_is '"2026-11-30"' 'd["week_end"]'
json_is '{"week": 10080, "previous_week": 10080}' 'd["samples"]'
json_is '[]' 'd["missing"]'
json_is '0' 'len([c for c in d["performance_changes"] if c["type"] != "stable"])'
json_is 'true' 'all(isinstance(r, str) and r for r in d["recommendations"])'
json_is 'true' '"No action needed" in d["recommendations"][-1]'
expect_no_err

test_begin "an 8% drift: regressions and an improvement, exit 1"
$GEN gen --start 2026-11-16 --days 14 --seed 4 --drift 8 --extra cache.hit_ratio --extra render.latency >"$T/drift.jsonl"
$GEN expect "$T/drift.jsonl" 2026-11-23 >"$T/expected.json"
run 1 perf weekly --history "$T/drift.jsonl" -w 2026-11-23 -f json
same_figures "$T/expected.json" "$T/out"
json_is '"regression"' '[c for c in d["performance_changes"] if c["metric"] == "chunk_loading.average_ms"][0]["type"]'
json_is '"regression"' '[c for c in d["performance_changes"] if c["metric"] == "memory.heap_used_mb"][0]["type"]'
json_is '"regression"' '[c for c in d["performance_changes"] if c["metric"] == "render.latency"][0]["type"]'
json_is '"improvement"' '[c for c in d["performance_changes"] if c["metric"] == "cache.hit_ratio"][0]["type"]'
json_is '"lower"' '[c for c in d["performance_changes"] if c["metric"] == "memory.heap_used_mb"][0]["better"]'
json_is 'true' 'd["performance_changes"][0]["type"] == "regression"'
json_is 'true' 'any("chunk_loading" in r.lower() or "Chunk loading" in r for r in d["recommendations"])'
json_is 'true' 'any("week_over_week_change" in r for r in d["recommendations"])'
json_is 'true' 'any("Average heap grew" in r for r in d["recommendations"])'

test_begin "--threshold 10: the same drift is stable"
run 0 perf weekly --history "$T/drift.jsonl" -w 2026-11-23 -f json --threshold 10
$GEN expect "$T/drift.jsonl" 2026-11-23 10 >"$T/expected.json"
same_figures "$T/expected.json" "$T/out"
json_is '0' 'len([c for c in d["performance_changes"] if c["type"] != "stable"])'
run 0 perf weekly --history "$T/drift.jsonl" -w 2026-11-23 -f json -t 10
json_is '0' 'len([c for c in d["performance_changes"] if c["type"] != "stable"])'

test_begin "a TPS dip: stability and the worst 5-minute window"
$GEN gen --start 2026-11-16 --days 14 --seed 5 --dip 9:14 >"$T/dip.jsonl"
$GEN expect "$T/dip.jsonl" 2026-11-23 >"$T/expected.json"
run 0 perf weekly --history "$T/dip.jsonl" -w 2026-11-23 -f json
same_figures "$T/expected.json" "$T/out"
json_is 'true' 'd["metrics_summary"]["tps"]["worst_5min"] < 14'
json_is 'true' 'any("worst_5min" in r and "2026-11-25T14:0" in r for r in d["recommendations"])'

test_begin "hand-made samples: figures by hand"
cat >"$T/small.jsonl" <<'EOF'
{"timestamp": "2026-11-16T00:00:00Z", "chunk_loading": {"average_ms": 10}}
{"timestamp": "2026-11-22T23:59:59Z", "chunk_loading": {"average_ms": 10}}
{"timestamp": "2026-11-23T00:00:00Z", "chunk_loading": {"average_ms": 10}, "memory": {"heap_used_mb": 100, "peak_mb": 150, "gc_count": 3}, "tps": {"average": 20}}
{"timestamp": "2026-11-23T00:01:00Z", "chunk_loading": {"average_ms": 12}, "memory": {"heap_used_mb": 200, "peak_mb": 300, "gc_count": 1}, "tps": {"average": 19}}
{"timestamp": "2026-11-23T00:04:59Z", "chunk_loading": {"average_ms": 14}, "tps": {"average": 18}}
{"timestamp": "2026-11-23T00:05:00Z", "tps": {"average": 17}}
{"timestamp": "2026-11-23T02:00:00Z", "chunk_loading": {"average_ms": 20}, "memory": {"gc_count": 4}, "tps": {"average": 19.5}}
{"timestamp": "2026-11-24T10:00:00Z", "event": "regression", "type": "chunk_loading", "severity": "high", "current": 14.0, "baseline": 12.0, "issue_url": "https://github.example/o/r/issues/7"}
{"timestamp": "2026-11-30T00:00:00Z", "chunk_loading": {"average_ms": 1000}, "tps": {"average": 1}}
EOF
run 1 perf weekly --history "$T/small.jsonl" -w 2026-11-23 -f json
json_is '14' 'd["metrics_summary"]["chunk_loading"]["average_ms"]'
# sorted 10 12 14 20: h = 3 * 0.95 = 2.85 -> 14 + 0.85 * 6
json_is 'true' 'abs(d["metrics_summary"]["chunk_loading"]["p95_ms"] - 19.1) < 1e-12'
json_is '40' 'd["metrics_summary"]["chunk_loading"]["week_over_week_change"]'
json_is '150' 'd["metrics_summary"]["memory"]["average_heap_mb"]'
json_is '300' 'd["metrics_summary"]["memory"]["peak_mb"]'
json_is '4' 'd["metrics_summary"]["memory"]["gc_per_hour"]'
json_is '18.7' 'd["metrics_summary"]["tps"]["average"]'
json_is '20' 'd["metrics_summary"]["tps"]["stability_percent"]'
# windows: [00:00,00:05) 20 19 18 -> 19; from 00:01: 19 18 17 -> 18; 00:04:59: 17.5; 00:05: 17; 02:00: 19.5
json_is '17' 'd["metrics_summary"]["tps"]["worst_5min"]'
json_is '{"week": 5, "previous_week": 2}' 'd["samples"]'
json_is '"regression"' '[c for c in d["performance_changes"] if c.get("event")][0]["type"]'
json_is '"https://github.example/o/r/issues/7"' '[c for c in d["performance_changes"] if c.get("event")][0]["issue_url"]'
json_is '"chunk_loading"' '[c for c in d["performance_changes"] if c.get("event")][0]["metric"]'
json_is 'true' 'abs([c for c in d["performance_changes"] if c.get("event")][0]["impact_percent"] - 100 * 2 / 12) < 1e-12'
json_is '"high"' '[c for c in d["performance_changes"] if c.get("event")][0]["severity"]'

test_begin "events outside the week are not listed"
run 0 perf weekly --history "$T/small.jsonl" -w 2026-11-16 -f json
json_is '0' 'len([c for c in d["performance_changes"] if c.get("event")])'
json_is '{"week": 2, "previous_week": 0}' 'd["samples"]'
json_is 'null' 'd["metrics_summary"]["chunk_loading"]["week_over_week_change"]'
json_is 'null' 'd["metrics_summary"]["memory"]["gc_per_hour"]'
json_is '["memory", "tps"]' 'd["missing"]'
json_is 'null' 'd["metrics_summary"]["tps"]["average"]'
json_is 'true' 'any("No tps.average samples" in r for r in d["recommendations"])'

test_begin "the default week: the last whole Monday-to-Sunday week before PERF_NOW"
for now in 2026-12-02T09:30:00Z 2026-11-30T00:00:00Z 2026-12-06T23:59:59Z; do
	PERF_NOW=$now run 1 perf weekly --history "$T/small.jsonl" -f json
	json_is '"2026-11-23"' 'd["week_start"]'
done
PERF_NOW=2026-11-29T23:59:59Z run 0 perf weekly --history "$T/small.jsonl" -f json
json_is '"2026-11-16"' 'd["week_start"]'

test_begin "week boundaries are UTC whatever TZ says"
TZ=Pacific/Kiritimati run 1 perf weekly --history "$T/small.jsonl" -w 2026-11-23 -f json
json_is '5' 'd["samples"]["week"]'
TZ=America/Los_Angeles PERF_NOW=2026-12-01T02:00:00-08:00 run 1 perf weekly --history "$T/small.jsonl" -f json
json_is '"2026-11-23"' 'd["week_start"]'

test_begin "a week without samples still reports, exit 0"
run 0 perf weekly --history "$T/small.jsonl" -w 2027-03-01 -f json
json_is '{"week": 0, "previous_week": 0}' 'd["samples"]'
json_is '{"average_ms": null, "p95_ms": null, "week_over_week_change": null}' 'd["metrics_summary"]["chunk_loading"]'
json_is '{"average_heap_mb": null, "peak_mb": null, "gc_per_hour": null}' 'd["metrics_summary"]["memory"]'
json_is '{"average": null, "stability_percent": null, "worst_5min": null}' 'd["metrics_summary"]["tps"]'
json_is '[]' 'd["performance_changes"]'
json_is 'true' '"no samples" in d["recommendations"][0]'
expect_err "^perf weekly: warning: .*small.jsonl: no samples between 2027-03-01 and 2027-03-08$"
run 0 perf weekly --history "$T/small.jsonl" -w 2027-03-01 -f markdown
expect_out 'No samples this week'
run 0 perf weekly --history "$T/small.jsonl" -w 2027-03-01 -q
expect_out 'No samples this week'
expect_no_err

test_begin "only some families: the rest are null and named missing"
$GEN gen --start 2026-11-16 --days 14 --families tps --extra queue.depth >"$T/tps.jsonl"
$GEN expect "$T/tps.jsonl" 2026-11-23 >"$T/expected.json"
run 0 perf weekly --history "$T/tps.jsonl" -w 2026-11-23 -f json
same_figures "$T/expected.json" "$T/out"
json_is '["chunk_loading", "memory"]' 'd["missing"]'
json_is 'null' 'd["metrics_summary"]["chunk_loading"]["average_ms"]'
json_is '"queue.depth"' 'd["other_metrics"][0]["metric"]'
run 0 perf weekly --history "$T/tps.jsonl" -w 2026-11-23 -f markdown
expect_out 'Missing this week: chunk loading'
expect_out '^\| queue\\\.depth|^\| queue.depth'

test_begin "records a little out of order are still counted"
"$PY" - "$T/h.jsonl" >"$T/shuffled.jsonl" <<'EOF'
import sys
lines = open(sys.argv[1]).read().splitlines()
# swap neighbours in blocks of 10 (minutes out of order), everywhere
out = []
for i in range(0, len(lines), 10):
    out.extend(reversed(lines[i:i + 10]))
print("\n".join(out))
EOF
$GEN expect "$T/shuffled.jsonl" 2026-11-23 >"$T/expected.json"
run 0 perf weekly --history "$T/shuffled.jsonl" -w 2026-11-23 -f json
json_is '{"week": 10080, "previous_week": 10080}' 'd["samples"]'
same_figures "$T/expected.json" "$T/out"

test_begin "history from PERF_HISTORY, from standard input, and perf-history.jsonl"
PERF_HISTORY="$T/small.jsonl" run 1 perf weekly -w 2026-11-23 -f json
json_is '5' 'd["samples"]["week"]'
run_stdin 1 "$T/small.jsonl" perf weekly --history - -w 2026-11-23 -f json
json_is '5' 'd["samples"]["week"]'
mkdir "$T/cwd" && cp "$T/small.jsonl" "$T/cwd/perf-history.jsonl"
(cd "$T/cwd" && perf weekly -w 2026-11-23 -f json >"$T/out" 2>"$T/err")
check "perf-history.jsonl in the current directory (exit $?)" [ $? = 1 ]
json_is '5' 'd["samples"]["week"]'

test_begin "a year of history: the same answer as two weeks"
"$PY" - "$T/h.jsonl" >"$T/long.jsonl" <<'EOF'
import sys, json
from datetime import datetime, timedelta, timezone
t = datetime(2025, 11, 16, tzinfo=timezone.utc)
end = datetime(2026, 11, 16, tzinfo=timezone.utc)
w = sys.stdout.write
while t < end:
    w(json.dumps({"timestamp": t.strftime("%Y-%m-%dT%H:%M:%SZ"), "chunk_loading": {"average_ms": 99.0}}) + "\n")
    t += timedelta(minutes=30)
w(open(sys.argv[1]).read())
EOF
run 0 perf weekly --history "$T/h.jsonl" -w 2026-11-23 -f json
mv "$T/out" "$T/short.json"
run 0 perf weekly --history "$T/long.jsonl" -w 2026-11-23 -f json
test_cmp "$T/short.json" "$T/out"

test_done
