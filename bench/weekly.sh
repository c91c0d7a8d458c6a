#!/usr/bin/env bash
# weekly.sh -- speed and memory bench of `perf weekly` (not a test).
#
# Usage: bench/weekly.sh [--runs N] [--keep DIR] [--help]
#
#   --runs N    timed repetitions of each report (default 5); the median
#               wall time and the largest peak RSS are reported
#   --keep DIR  generate the histories into DIR and keep them; histories
#               already there are reused
#
# Environment:
#   PERF      the perfsuite binary (else ./perf, else `command -v perf`); it
#             must answer `perf --list` with a line `weekly`
#
# Generates (tests/cli/histgen.py) one history of a year of minute samples
# (525,600 lines, 2025-12-01 to 2026-11-30) and one of its last month only
# (the same samples), times `perf weekly --format json` and `--format html`
# for the last week (2026-11-23) on each with bench/measure.py, and prints
# wall time, peak RSS and the ratio 12 months / 1 month.  Targets (issue 6):
#   the report for the last week of a year   < 1 s, peak RSS < 64 MB
#   time does not grow with the history before the two weeks: ratio ~1
# Peak RSS comes from /usr/bin/time -f %M when it is installed (exact),
# else from measure.py (never below measure.py's own floor, see there).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
runs=5
keep=
while [ $# -gt 0 ]; do
	case $1 in
	--runs) runs=$2; shift 2 ;;
	--keep) keep=$2; shift 2 ;;
	--help|-h) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) echo "weekly.sh: unknown option $1" >&2; exit 2 ;;
	esac
done

PERF=${PERF:-}
if [ -z "$PERF" ]; then
	if [ -x ./perf ]; then PERF=./perf; else PERF=$(command -v perf || true); fi
fi
if [ -z "$PERF" ] || ! "$PERF" --list 2>/dev/null | grep -qx weekly; then
	echo "weekly.sh: no perfsuite binary with the weekly applet (set PERF)" >&2
	exit 2
fi

if [ -n "$keep" ]; then
	dir=$keep
	mkdir -p "$dir"
else
	dir=$(mktemp -d "${TMPDIR:-/tmp}/perf-bench-weekly.XXXXXX")
	trap 'rm -rf "$dir"' EXIT
fi

year=$dir/year.jsonl
month=$dir/month.jsonl
if [ ! -s "$year" ]; then
	echo "generating a year of minute samples into $year ..." >&2
	python3 "$top/tests/cli/histgen.py" gen --start 2025-12-01 --days 365 --seed 1 \
		--extra cache.hit_ratio --extra io.read_time_ms >"$year"
fi
if [ ! -s "$month" ]; then
	# The last 30 days: the same lines as the year's tail.
	tail -n $((30 * 1440)) "$year" >"$month"
fi
printf '%-8s %10s lines %8s MB\n' year "$(wc -l <"$year")" "$(( $(stat -c %s "$year") / 1048576 ))"
printf '%-8s %10s lines %8s MB\n' month "$(wc -l <"$month")" "$(( $(stat -c %s "$month") / 1048576 ))"

# Warm-up and check: both histories give the same report.
"$PERF" weekly --history "$year" -w 2026-11-23 -f json >"$dir/year.json" || [ $? = 1 ]
"$PERF" weekly --history "$month" -w 2026-11-23 -f json >"$dir/month.json" || [ $? = 1 ]
cmp -s "$dir/year.json" "$dir/month.json" || { echo "weekly.sh: the two histories gave different reports" >&2; exit 1; }

measure() {   # measure FORMAT HISTORY -> "median_wall_s max_rss_kb"
	python3 - "$here/measure.py" "$runs" "$PERF" "$@" <<'EOF'
import json, os, shutil, statistics, subprocess, sys
measure, runs, perf, fmt, hist = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
cmd = [perf, "weekly", "--history", hist, "-w", "2026-11-23", "-f", fmt]
walls, rss = [], []
for _ in range(runs):
    r = json.loads(subprocess.run([sys.executable, measure, "--", *cmd],
                                  capture_output=True, text=True, check=True).stdout)
    walls.append(r["wall_s"])
    rss.append(r["maxrss_kb"])
exact = None
if os.access("/usr/bin/time", os.X_OK):
    p = subprocess.run(["/usr/bin/time", "-f", "%M", *cmd], stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, text=True)
    exact = int(p.stderr.strip().splitlines()[-1])
print(statistics.median(walls), exact if exact is not None else max(rss))
EOF
}

printf '\n%-6s %-6s %12s %14s\n' format history "wall (s)" "peak RSS (MB)"
for fmt in json html; do
	read -r wy ry < <(measure "$fmt" "$year")
	read -r wm rm < <(measure "$fmt" "$month")
	printf '%-6s %-6s %12.4f %14.1f\n' "$fmt" year "$wy" "$(echo "$ry / 1024" | bc -l)"
	printf '%-6s %-6s %12.4f %14.1f\n' "$fmt" month "$wm" "$(echo "$rm / 1024" | bc -l)"
	printf '%-6s ratio 12 months / 1 month: %.2f (time); target ~1\n' "$fmt" "$(echo "$wy / $wm" | bc -l)"
	ok_t=$(echo "$wy < 1" | bc -l)
	ok_m=$(echo "$ry < 65536" | bc -l)
	printf '%-6s targets: year < 1 s: %s; peak RSS < 64 MB: %s\n' "$fmt" \
		"$([ "$ok_t" = 1 ] && echo met || echo MISSED)" "$([ "$ok_m" = 1 ] && echo met || echo MISSED)"
done
