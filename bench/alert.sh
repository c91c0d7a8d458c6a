#!/usr/bin/env bash
# alert.sh -- speed bench of `perf alert` (not a test).
#
# Usage: bench/alert.sh [--runs N] [--rules N]
#
#   --runs N    timed repetitions (default 5); the median is reported
#   --rules N   rules and metrics in the evaluation bench (default 10000)
#
# Environment: PERF, the perfsuite binary (else ./perf).
#
# 1. Evaluation: N rules (half threshold_value with each comparison, half
#    threshold_percent, positive and negative) against an N-metric nested
#    snapshot and baseline, no channels; the whole run of
#    `perf alert --format json` is timed.  Target: under 100 ms.
# 2. Delivery: five notifications (Slack, PagerDuty, webhook, email, and a
#    second Slack alert) to loopback stand-ins that each answer after one
#    second.  perf sends them at once; the reference is the original
#    sketch's way, one after another (python3 urllib and smtplib, the same
#    payload sizes).  Target: perf under 1.5 s.
# Exit 0 whatever the verdicts, 2 when the bench itself could not run.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(dirname "$here")
runs=5
nrules=10000
while [ $# -gt 0 ]; do
	case $1 in
	--runs) runs=$2; shift 2 ;;
	--rules) nrules=$2; shift 2 ;;
	--help|-h) sed -n '2,/^set /p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) echo "alert.sh: unknown option $1" >&2; exit 2 ;;
	esac
done
PERF=${PERF:-./perf}
[ -x "$PERF" ] && "$PERF" --list | grep -qx alert || { echo "alert.sh: PERF=$PERF is not perfsuite's perf" >&2; exit 2; }
W=$(mktemp -d "${TMPDIR:-/tmp}/alert-bench.XXXXXX")
pids=""
trap 'for p in $pids; do kill $p 2>/dev/null || true; done; rm -rf "$W"' EXIT

# Wall clock in ms without starting a process (bash 5's EPOCHREALTIME).
now_ms() { local t=${EPOCHREALTIME/[.,]/}; echo $((t / 1000)); }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

python3 - "$W" "$nrules" <<'EOF2'
import json, random, sys
w, n = sys.argv[1], int(sys.argv[2])
random.seed(7)
cmps = ["greater_than", "less_than", "greater_equal", "less_equal"]
snap, base = {}, {}
with open(w + "/rules.yml", "w") as f:
    f.write("alert_rules:\n")
    for i in range(n):
        group, name = "g%d" % (i % 100), "m%d" % i
        v = random.uniform(10, 100)
        snap.setdefault(group, {})[name] = round(v * random.uniform(0.8, 1.2), 3)
        base.setdefault(group, {})[name] = round(v, 3)
        if i % 2:
            f.write("  r%d: {metric: %s.%s, threshold_value: %.2f, comparison: %s, severity: low}\n"
                    % (i, group, name, v, cmps[i % 4]))
        else:
            f.write("  r%d: {metric: %s.%s, threshold_percent: %d, severity: medium}\n"
                    % (i, group, name, 10 if i % 4 else -10))
json.dump(snap, open(w + "/metrics.json", "w"))
json.dump(base, open(w + "/baseline.json", "w"))
EOF2

"$PERF" alert --rules "$W/rules.yml" --metrics "$W/metrics.json" --baseline "$W/baseline.json" --format json >"$W/out.json" || [ $? = 1 ]
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert len(d["alerts"]) == int(sys.argv[2])' "$W/out.json" "$nrules"
times=""
for i in $(seq "$runs"); do
	t0=$(now_ms)
	"$PERF" alert --rules "$W/rules.yml" --metrics "$W/metrics.json" --baseline "$W/baseline.json" --format json >/dev/null || [ $? = 1 ]
	t1=$(now_ms)
	times="$times $((t1 - t0))"
done
eval_ms=$(printf '%s\n' $times | median)
firing=$(python3 -c 'import json,sys; print(sum(a["state"] == "firing" for a in json.load(open(sys.argv[1]))["alerts"]))' "$W/out.json")

# Delivery: stand-ins answering after one second.
printf '{"/slack": [{"delay": 1, "status": 200, "body": "ok"}], "/pd": [{"delay": 1, "status": 202, "body": "{}"}], "/hook": [{"delay": 1, "status": 200}]}\n' >"$W/plan.json"
python3 "$top/tests/servers/hooks.py" --port-file "$W/h.port" --log "$W/h.log" --plan "$W/plan.json" --lifetime 600 &
pids="$pids $!"
python3 "$top/tests/servers/smtp.py" --port-file "$W/s.port" --log "$W/s.log" --delay 1 --lifetime 600 &
pids="$pids $!"
for f in h.port s.port; do i=0; while [ ! -s "$W/$f" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done; done
H="http://127.0.0.1:$(cat "$W/h.port")"
SP=$(cat "$W/s.port")
cat >"$W/deliver.yml" <<EOF2
alert_rules:
  tps_degradation: {metric: tps, threshold_value: 18, comparison: less_than, severity: critical,
                    notification_channels: [slack, pagerduty, webhook, email]}
  tps_floor: {metric: tps, threshold_value: 19, comparison: less_than, severity: high,
              notification_channels: [slack]}
notification_channels:
  slack: {webhook_url: "$H/slack"}
  pagerduty: {integration_key: benchkey0123, events_url: "$H/pd"}
  webhook: {url: "$H/hook"}
  email: {smtp_server: "127.0.0.1:$SP", from: perf@example.org, recipients: [ops@example.org]}
EOF2
printf '{"tps": 17}\n' >"$W/low.json"
"$PERF" alert --rules "$W/deliver.yml" --metrics "$W/low.json" --dry-run >"$W/preview.txt" || [ $? = 1 ]
times=""
for i in $(seq "$runs"); do
	t0=$(now_ms)
	"$PERF" alert --rules "$W/deliver.yml" --metrics "$W/low.json" >/dev/null || [ $? = 1 ]
	t1=$(now_ms)
	times="$times $((t1 - t0))"
done
deliver_ms=$(printf '%s\n' $times | median)
sent=$(wc -l <"$W/h.log")
mails=$(wc -l <"$W/s.log")

# The reference: the sketch's loop, one channel after another.
ref_ms=$(python3 - "$H" "$SP" <<'EOF2'
import smtplib, sys, time, urllib.request
h, sp = sys.argv[1], int(sys.argv[2])
body = b'{"text": "x"}' * 40
t0 = time.monotonic()
for path in ("/slack", "/pd", "/hook", "/slack"):
    req = urllib.request.Request(h + path, data=body, headers={"Content-Type": "application/json"})
    urllib.request.urlopen(req).read()
s = smtplib.SMTP("127.0.0.1", sp)
s.sendmail("perf@example.org", ["ops@example.org"], "Subject: x\r\n\r\nbody\r\n")
s.quit()
print(int((time.monotonic() - t0) * 1000))
EOF2
)

verdict() { if [ "$1" -lt "$2" ]; then echo "met"; else echo "MISSED"; fi; }
printf '\nperf alert bench (%d runs, median wall time)\n' "$runs"
printf '  evaluation: %d rules x %d metrics, %d firing: %d ms   (target < 100 ms: %s)\n' \
	"$nrules" "$nrules" "$firing" "$eval_ms" "$(verdict "$eval_ms" 100)"
printf '  delivery: 5 notifications, each answered after 1 s: %d ms   (target < 1500 ms: %s)\n' \
	"$deliver_ms" "$(verdict "$deliver_ms" 1500)"
printf '  reference (one after another, as the sketch): %d ms; ratio %.1fx\n' \
	"$ref_ms" "$(python3 -c "print($ref_ms / max($deliver_ms, 1))")"
printf '  requests seen by the stand-ins: %d HTTP, %d mail\n' "$sent" "$mails"
