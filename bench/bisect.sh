#!/usr/bin/env bash
# bisect.sh -- speed bench of `perf bisect` scan mode (not a test).
#
# Usage: bench/bisect.sh [--runs N] [--commits N] [--keep DIR] [--date D] [--help]
#
#   --runs N      timed repetitions of each command (default 5); the median
#                 wall time is reported
#   --commits N   commits in the generated history (default 20000)
#   --keep DIR    build the repository in DIR and keep it (reused when it
#                 already holds a history of the same size)
#   --date D      the regression date (default 2026-01-15: the middle)
#
# Environment:
#   PERF      the perfsuite binary (else ./perf, else `command -v perf`); it
#             must list `bisect` in `perf --list`
#   PYTHON3   the Python with python3-git for the sketch (default: the first
#             of /usr/bin/python3 and python3 that can `import git`)
#
# Builds a repository of N commits with bench/gen_git_history.py and git
# fast-import (one commit every 30 minutes, merged side branches, skewed
# clocks, binary files), packs it with `git gc`, then times, for the same
# window [D - 7d, D + 1d] (UTC):
#   perf      perf bisect --repo R --date D --format json
#   git log   git log --since=D-7d --until=D+1d --numstat
#   sketch    bench/regression_analyzer.py R D memory_usage (the original
#             sketch on python3-git, its _analyze_commit_impact filled in)
# and prints the median times and the ratios against the targets:
#   git log time / perf time    >= 1
#   sketch time / perf time     >= 10
# The sketch is skipped, with a note, when no Python can import git
# (apt-get install python3-git).  Exit 0 whatever the verdicts, 2 when the
# bench itself could not run.

set -euo pipefail

prog=bisect.sh
bench_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
say() { printf '%s: %s\n' "$prog" "$*" >&2; }
die() { say "$*"; exit 2; }
usage() { sed -n '2,/^$/{s/^# \{0,1\}//;p;}' "${BASH_SOURCE[0]}"; }

runs=5
commits=20000
keep=
date=2026-01-15
while [ $# -gt 0 ]; do
	case $1 in
	--runs) runs=${2:?}; shift 2 ;;
	--commits) commits=${2:?}; shift 2 ;;
	--keep) keep=${2:?}; shift 2 ;;
	--date) date=${2:?}; shift 2 ;;
	--help|-h) usage; exit 0 ;;
	*) die "unknown option '$1'; see --help" ;;
	esac
done

perf=${PERF:-}
if [ -z "$perf" ]; then
	if [ -x ./perf ]; then perf=./perf; else perf=$(command -v perf || true); fi
fi
[ -n "$perf" ] && "$perf" --list 2>/dev/null | grep -qx bisect ||
	die "no perfsuite binary with bisect (set PERF=/path/to/perf)"
command -v git >/dev/null || die "git is not installed"

py=${PYTHON3:-}
if [ -z "$py" ]; then
	for c in /usr/bin/python3 python3; do
		if "$c" -c 'import git' 2>/dev/null; then py=$c; break; fi
	done
fi

if [ -n "$keep" ]; then
	work=$keep
	mkdir -p "$work"
else
	work=$(mktemp -d "${TMPDIR:-/tmp}/perf-bench-bisect.XXXXXX")
	trap 'rm -rf "$work"' EXIT
fi
repo=$work/repo
if [ "$(git -C "$repo" rev-list --count HEAD 2>/dev/null || echo 0)" != "$commits" ]; then
	rm -rf "$repo"
	git init -q -b main "$repo"
	say "generating $commits commits with git fast-import"
	python3 "$bench_dir/gen_git_history.py" --commits "$commits" |
		git -C "$repo" fast-import --quiet || die "fast-import failed"
	git -C "$repo" gc -q
fi

d0=$(date -u -d "$date" +%s) || die "bad --date '$date'"
since=$(date -u -d "@$((d0 - 7 * 86400))" +%Y-%m-%dT%H:%M:%SZ)
until=$(date -u -d "@$((d0 + 86400))" +%Y-%m-%dT%H:%M:%SZ)

# median_time CMD...: "WALL CPU", the median wall time and the median CPU
# time (user + sys) of $runs runs after one warm-up.  On a busy machine the
# CPU times are the steadier figure.
median_time() {
	"$@" >/dev/null 2>&1 || true
	local i
	for ((i = 0; i < runs; i++)); do
		python3 "$bench_dir/measure.py" -- "$@"
	done | python3 -c 'import json,statistics,sys
rows=[json.loads(l) for l in sys.stdin]
print("%.4f %.4f" % (statistics.median(r["wall_s"] for r in rows),
                     statistics.median(r["user_s"] + r["sys_s"] for r in rows)))'
}

say "window $since .. $until"
scanned=$("$perf" bisect --repo "$repo" --date "$date" --format json |
	python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["scanned"], len(d["suspects"]))') || true
gitn=$(git -C "$repo" log --since="$since" --until="$until" --format=%H | wc -l)
say "perf bisect scans ${scanned% *} commits (git log lists $gitn)"

t_perf=$(median_time "$perf" bisect --repo "$repo" --date "$date" --format json)
t_git=$(median_time git -C "$repo" log --since="$since" --until="$until" --numstat)
t_py=
if [ -n "$py" ]; then
	t_py=$(median_time "$py" "$bench_dir/regression_analyzer.py" "$repo" "$date" memory_usage)
else
	say "note: no Python with python3-git: the sketch is not timed (apt-get install python3-git)"
fi

printf '%-10s %10s %10s\n' command "wall s" "cpu s"
printf '%-10s %10s %10s\n' perf $t_perf git-log $t_git
[ -n "$t_py" ] && printf '%-10s %10s %10s\n' sketch $t_py
# verdict NAME REF TARGET: the ratios REF/perf, wall and CPU.
verdict() {
	python3 -c 'import sys
n, t = sys.argv[1], float(sys.argv[2])
pw, pc, rw, rc = map(float, sys.argv[3:7])
w, c = rw / pw, rc / pc
print("%s / perf = %.2f wall, %.2f cpu (target >= %g): %s" % (n, w, c, t,
      "met" if min(w, c) >= t else "met on %s only" % ("wall" if w >= t else "cpu") if max(w, c) >= t else "NOT met"))' \
		"$1" "$3" $t_perf $2
}
verdict "git log" "$t_git" 1
[ -n "$t_py" ] && verdict sketch "$t_py" 10
exit 0
