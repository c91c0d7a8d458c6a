#!/usr/bin/env bash
# accuracy.sh -- accuracy bench of `perf compare` (not a test).
#
# Usage: bench/accuracy.sh [--keep DIR] [--benchmarks N] [--reference all|null|none]
#                          [--help]
#
#   --keep DIR        generate the JMH files into DIR and keep them (with the
#                     perf outputs); files from an identical earlier run are
#                     reused
#   --benchmarks N    benchmarks per file (default 20000; the targets below
#                     are meant for 20000)
#   --reference WHAT  reference counts computed in Python from the raw
#                     samples (Welch and Mann-Whitney, uncorrected, Bonferroni,
#                     Benjamini-Hochberg): for all scenarios (default), only
#                     the null one, or none
#
# Environment:
#   PERF   the perfsuite binary (else ./perf, else `command -v perf`); it must
#          answer `perf --list` with a line `compare` (Linux's profiler, also
#          called perf, is refused)
#
# Runs `perf compare --format json --level release BASE CUR` (threshold 0:
# significance alone) on generated avgt runs of N benchmarks, 1 fork x 10
# iterations, 1% gaussian noise, no secondary metrics:
#   a. null: same true values, fresh noise          target: <= 20 alarms
#   b. 200 benchmarks 3% slower                     target: >= 180 found,
#                                                   false alarms < 10% of alarms
#   c. as b, and every sample of both runs slowed   target: >= 130 found,
#      10-30% with probability 0.1                  false alarms < 10% of alarms
# An alarm is a primary-metric row with status regression or improvement;
# found = regressions among the shifted benchmarks; everything else alarmed
# is a false alarm.  Prints the counts and PASS/FAIL per target.  Exit 0
# whatever the verdicts, 2 when the bench itself could not run (perf exit
# status other than 0 or 1, output that is not JSON, ...).

set -euo pipefail

prog=accuracy.sh
bench_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

say() { printf '%s: %s\n' "$prog" "$*" >&2; }
die() { say "$*"; exit 2; }
usage() { sed -n '2,/^$/{s/^# \{0,1\}//;p;}' "${BASH_SOURCE[0]}"; }

keep=
benchmarks=20000
reference=all
while (($#)); do
    case $1 in
        --keep) (($# >= 2)) || die "--keep needs a value"; keep=$2; shift 2 ;;
        --keep=*) keep=${1#*=}; shift ;;
        --benchmarks) (($# >= 2)) || die "--benchmarks needs a value"
            benchmarks=$2; shift 2 ;;
        --benchmarks=*) benchmarks=${1#*=}; shift ;;
        --reference) (($# >= 2)) || die "--reference needs a value"
            reference=$2; shift 2 ;;
        --reference=*) reference=${1#*=}; shift ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; die "unknown argument: $1" ;;
    esac
done
[[ $benchmarks =~ ^[1-9][0-9]*$ ]] || die "not a positive integer: $benchmarks"
((benchmarks >= 200)) || die "--benchmarks must be at least 200"
case $reference in all|null|none) ;; *) die "--reference: all, null or none" ;; esac
command -v python3 >/dev/null || die "python3 not found"

# The perfsuite binary: $PERF, else ./perf, else the one on PATH.  Refuse
# anything that does not list the compare applet (Linux's perf profiler).
is_perfsuite() {
    local out
    out=$(timeout 10 "$1" --list </dev/null 2>/dev/null) || return 1
    grep -qx 'compare' <<<"$out"
}
if [[ -n ${PERF:-} ]]; then
    cand=$PERF
    [[ $cand == */* ]] || cand=$(command -v "$cand" || true)
    [[ -n $cand && -x $cand ]] || die "PERF=$PERF is not an executable"
    is_perfsuite "$cand" ||
        die "PERF=$PERF does not answer 'perf --list' with 'compare' (Linux's profiler?)"
    perf_bin=$cand
elif [[ -x ./perf ]] && is_perfsuite ./perf; then
    perf_bin=./perf
elif cand=$(command -v perf) && is_perfsuite "$cand"; then
    perf_bin=$cand
else
    die "no perfsuite perf found: set PERF=/path/to/build/perf (a 'perf' that does not list 'compare' is Linux's profiler)"
fi
[[ $perf_bin == /* ]] || perf_bin=$PWD/$perf_bin
say "perf: $perf_bin"

if [[ -n $keep ]]; then
    mkdir -p "$keep" || die "cannot create $keep"
    work=$(cd "$keep" && pwd)
    trap - EXIT
else
    work=$(mktemp -d "${TMPDIR:-/tmp}/perf-accuracy-bench.XXXXXX")
    trap 'rm -rf "$work"' EXIT
fi
trap 'exit 130' INT
trap 'exit 143' TERM

gen=$bench_dir/gen_jmh.py
common=(--benchmarks "$benchmarks" --forks 1 --iterations 10 --noise 1
        --mode avgt --base-seed 2024 --changed-seed 7)
shifted=(--changed 200 --shift 3 --truth "$work/truth.json")
outliers=(--outlier-rate 0.1 --outlier-min 10 --outlier-max 30)

# generate NAME ARGS...: $work/NAME.json, reused when the stamp (arguments +
# generator checksum) matches an earlier --keep run.
generate() {
    local name=$1 stamp t0 t1
    shift
    stamp="$(cksum <"$gen") ${common[*]} $*"
    if [[ -s $work/$name.json && -f $work/$name.stamp &&
          $(<"$work/$name.stamp") == "$stamp" ]]; then
        say "reusing $work/$name.json"
        return
    fi
    rm -f "$work/$name.stamp"
    t0=$(date +%s.%N)
    python3 "$gen" "${common[@]}" "$@" -o "$work/$name.json" ||
        die "gen_jmh.py failed for $name"
    t1=$(date +%s.%N)
    printf '%s\n' "$stamp" >"$work/$name.stamp"
    say "$(awk -v name="$name" -v bytes="$(wc -c <"$work/$name.json")" \
        -v t0="$t0" -v t1="$t1" 'BEGIN {
            printf "generated %s.json: %.1f MB, %.1f s", name, bytes / 1e6, t1 - t0 }')"
}

say "generating into $work"
generate base --seed 11
generate null --seed 12
generate shift --seed 13 "${shifted[@]}"
generate outl-base --seed 14 "${outliers[@]}"
generate outl-cur --seed 15 "${outliers[@]}" "${shifted[@]}"
[[ -s $work/truth.json ]] || die "no truth file"

# compare SCENARIO BASE CUR: perf's JSON into $work/SCENARIO.perf.json, and
# links SCENARIO.base.json / SCENARIO.cur.json for the evaluation.
compare() {
    local name=$1 base=$2 cur=$3 rc=0
    say "scenario $name: perf compare --format json --level release $base.json $cur.json"
    "$perf_bin" compare --format json --level release \
        "$work/$base.json" "$work/$cur.json" \
        >"$work/$name.perf.json" 2>"$work/$name.perf.err" || rc=$?
    if ((rc != 0 && rc != 1)); then
        tail -n 20 "$work/$name.perf.err" >&2 || true
        die "perf compare exited with status $rc on scenario $name (neither 0 nor 1)"
    fi
    if [[ -s $work/$name.perf.err ]]; then
        say "perf's stderr on scenario $name:"
        head -n 5 "$work/$name.perf.err" >&2
    fi
    ln -sf "$base.json" "$work/$name.base.json"
    ln -sf "$cur.json" "$work/$name.cur.json"
}

compare null base null
compare shift base shift
compare outl outl-base outl-cur

python3 "$bench_dir/accuracy_eval.py" --dir "$work" --reference "$reference" \
    --benchmarks "$benchmarks" --changed 200 ||
    die "evaluation failed (see above)"
