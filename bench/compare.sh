#!/usr/bin/env bash
# compare.sh -- speed and memory bench of `perf compare` (not a test).
#
# Usage: bench/compare.sh [--runs N] [--keep DIR] [--benchmarks N] [--scale K]
#                         [--gc] [--python-4x] [--reference-only] [--help]
#
#   --runs N          timed repetitions of each command (default 3); the
#                     median wall time and the largest peak RSS are reported
#   --keep DIR        generate the JMH files into DIR and keep them; files
#                     already there from an identical earlier run are reused
#   --benchmarks N    entries in the 1x files (default 20000, ~42 MB a file)
#   --scale K         size of the big files in multiples of N (default 4)
#   --gc              add -prof gc secondary metrics (files ~3.3x larger)
#   --python-4x       also time the Python reference on the big pair
#   --reference-only  time only the Python reference (no perf needed)
#
# Environment:
#   PERF      the perfsuite binary (else ./perf, else `command -v perf`); it
#             must answer `perf --list` with a line `compare` (Linux's
#             profiler, also called perf, is refused)
#   SEED_DIR  where sketches/compare_performance.py lives (default
#             ../shared/seed relative to the repository top)
#
# Generates a baseline and a current JMH file of N benchmarks (1% of them 10%
# slower in the current one) and a pair of K*N, runs
# `python3 compare_performance.py BASE CUR` and `perf compare --format json
# BASE CUR` on them (one untimed warm-up run that also checks the output,
# then --runs timed runs; stdout to /dev/null), measures wall time and peak
# RSS with bench/measure.py and prints a table and the targets:
#   speed    python time / perf time (1x)            >= 10
#   memory   perf peak RSS / python peak RSS (1x)    <= 0.5
#   scaling  perf time (Kx) / perf time (1x)         <= 1.1*K (4.4 for K=4)
# Exit status of a compared command 0 or 1 (regression found) is success;
# anything else breaks the bench.  Exit 0 whatever the verdicts, 2 when the
# bench itself could not run.

set -euo pipefail

prog=compare.sh
bench_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_top=$(dirname "$bench_dir")

say() { printf '%s: %s\n' "$prog" "$*" >&2; }
die() { say "$*"; exit 2; }
usage() { sed -n '2,/^$/{s/^# \{0,1\}//;p;}' "${BASH_SOURCE[0]}"; }

runs=3
keep=
benchmarks=20000
scale=4
gc_args=()
python_big=
reference_only=
while (($#)); do
    case $1 in
        --runs) (($# >= 2)) || die "--runs needs a value"; runs=$2; shift 2 ;;
        --runs=*) runs=${1#*=}; shift ;;
        --keep) (($# >= 2)) || die "--keep needs a value"; keep=$2; shift 2 ;;
        --keep=*) keep=${1#*=}; shift ;;
        --benchmarks) (($# >= 2)) || die "--benchmarks needs a value"
            benchmarks=$2; shift 2 ;;
        --benchmarks=*) benchmarks=${1#*=}; shift ;;
        --scale) (($# >= 2)) || die "--scale needs a value"; scale=$2; shift 2 ;;
        --scale=*) scale=${1#*=}; shift ;;
        --gc) gc_args=(--gc); shift ;;
        --python-4x) python_big=1; shift ;;
        --reference-only) reference_only=1; shift ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; die "unknown argument: $1" ;;
    esac
done
for v in "$runs" "$benchmarks" "$scale"; do
    [[ $v =~ ^[1-9][0-9]*$ ]] || die "not a positive integer: $v"
done

seed_dir=${SEED_DIR:-$repo_top/../shared/seed}
reference=$seed_dir/sketches/compare_performance.py
[[ -f $reference ]] || die "no Python reference at $reference (set SEED_DIR)"
command -v python3 >/dev/null || die "python3 not found"

# The perfsuite binary: $PERF, else ./perf, else the one on PATH.  Refuse
# anything that does not list the compare applet (Linux's perf profiler).
is_perfsuite() {
    local out
    out=$(timeout 10 "$1" --list </dev/null 2>/dev/null) || return 1
    grep -qx 'compare' <<<"$out"
}
perf_bin=
if [[ -z $reference_only ]]; then
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
        die "no perfsuite perf found: set PERF=/path/to/build/perf (a 'perf' that does not list 'compare' is Linux's profiler), or use --reference-only"
    fi
    [[ $perf_bin == /* ]] || perf_bin=$PWD/$perf_bin
    say "perf: $perf_bin"
fi

if [[ -n $keep ]]; then
    mkdir -p "$keep" || die "cannot create $keep"
    work=$(cd "$keep" && pwd)
    scratch=$(mktemp -d "${TMPDIR:-/tmp}/perf-compare-bench.XXXXXX")
    trap 'rm -rf "$scratch"' EXIT
else
    work=$(mktemp -d "${TMPDIR:-/tmp}/perf-compare-bench.XXXXXX")
    scratch=$work
    trap 'rm -rf "$work"' EXIT
fi
trap 'exit 130' INT
trap 'exit 143' TERM

gen=$bench_dir/gen_jmh.py
measure=$bench_dir/measure.py
big=$((benchmarks * scale))
changed=$((benchmarks / 100))
changed_big=$((big / 100))

# generate NAME BENCHMARKS ARGS...: $work/NAME.json, reused when the stamp
# (arguments + generator checksum) matches an earlier --keep run.
generate() {
    local name=$1 n=$2 stamp t0 t1
    shift 2
    stamp="$(cksum <"$gen") $n $*"
    if [[ -s $work/$name.json && -f $work/$name.stamp &&
          $(<"$work/$name.stamp") == "$stamp" ]]; then
        say "reusing $work/$name.json"
        return
    fi
    rm -f "$work/$name.stamp"
    t0=$(date +%s.%N)
    python3 "$gen" --benchmarks "$n" "$@" -o "$work/$name.json" ||
        die "gen_jmh.py failed for $name"
    t1=$(date +%s.%N)
    printf '%s\n' "$stamp" >"$work/$name.stamp"
    say "$(awk -v name="$name" -v n="$n" -v bytes="$(wc -c <"$work/$name.json")" \
        -v t0="$t0" -v t1="$t1" 'BEGIN {
            printf "generated %s.json: %d benchmarks, %.1f MB, %.1f s",
                name, n, bytes / 1e6, t1 - t0 }')"
}

say "generating into $work"
generate base1 "$benchmarks" --base-seed 42 --seed 1 "${gc_args[@]}"
generate cur1 "$benchmarks" --base-seed 42 --seed 2 "${gc_args[@]}" \
    --changed "$changed" --shift 10 --truth "$work/truth1.json"
if [[ -z $reference_only || -n $python_big ]]; then
    generate "base$scale" "$big" --base-seed 42 --seed 3 "${gc_args[@]}"
    generate "cur$scale" "$big" --base-seed 42 --seed 4 "${gc_args[@]}" \
        --changed "$changed_big" --shift 10 --truth "$work/truth$scale.json"
fi

# Page cache: read every file once so that no command pays for the disk.
cat "$work"/*.json >/dev/null

results=$scratch/results.jsonl
: >"$results"

# run LABEL TIMED(0|1) CMD...: measure CMD; exit 0/1 of CMD is fine.
run() {
    local label=$1 timed=$2 line code out=/dev/null
    shift 2
    [[ $timed == 1 ]] || out=$scratch/$label.out
    line=$(python3 "$measure" --label "$label" --stdout "$out" \
        --stderr "$scratch/$label.err" -- "$@") ||
        die "cannot run $1"
    code=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["exit"])' "$line")
    if [[ $code != 0 && $code != 1 ]]; then
        say "$label exited with status $code: $*"
        tail -n 20 "$scratch/$label.err" >&2 || true
        die "the bench is broken (exit status $code is neither 0 nor 1)"
    fi
    if [[ $timed == 1 ]]; then
        printf '%s\n' "$line" >>"$results"
    fi
}

commands=(ref1)
[[ -n $python_big ]] && commands+=("ref$scale")
[[ -n $reference_only ]] || commands+=(perf1 "perf$scale")

cmd_for() {
    case $1 in
        ref*) cmd=(python3 "$reference" "$work/base${1#ref}.json" "$work/cur${1#ref}.json") ;;
        perf*) cmd=("$perf_bin" compare --format json "$work/base${1#perf}.json" "$work/cur${1#perf}.json") ;;
    esac
}

say "warm-up and output check"
for c in "${commands[@]}"; do
    cmd_for "$c"
    run "$c" 0 "${cmd[@]}"
done
# The warm-up outputs must be what the commands promise.
python3 - "$scratch" "$work" "$scale" "${commands[@]}" <<'EOF' || die "output check failed"
import json, os, sys
scratch, work, scale, cmds = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
ok = True
for c in cmds:
    text = open(os.path.join(scratch, c + ".out"), encoding="utf-8",
                errors="replace").read()
    if c.startswith("ref"):
        if "RESULT:" not in text:
            print("compare.sh: %s: no RESULT line in the reference's output"
                  % c, file=sys.stderr)
            ok = False
        continue
    try:
        doc = json.loads(text)
        rows = doc["benchmarks"]
        summary = doc["summary"]
    except (ValueError, KeyError, TypeError) as e:
        print("compare.sh: %s: perf's output is not the JSON document of "
              "CONTRACTS.md: %s" % (c, e), file=sys.stderr)
        ok = False
        continue
    size = c[len("perf"):]
    truth = json.load(open(os.path.join(work, "truth%s.json" % size)))
    want = {(t["benchmark"], json.dumps(t["params"], sort_keys=True))
            for t in truth}
    got = {(r.get("benchmark"), json.dumps(r.get("params"), sort_keys=True))
           for r in rows
           if r.get("metric") == "primary" and r.get("status") == "regression"}
    prim = sum(1 for r in rows if r.get("metric") == "primary")
    print("compare.sh: %s: result %s, %d rows (%d primary), summary %s; "
          "%d of the %d shifted benchmarks reported as regressions"
          % (c, doc.get("result"), len(rows), prim, json.dumps(summary),
             len(want & got), len(want)), file=sys.stderr)
sys.exit(0 if ok else 1)
EOF

for ((r = 1; r <= runs; r++)); do
    say "run $r of $runs"
    for c in "${commands[@]}"; do
        cmd_for "$c"
        run "$c" 1 "${cmd[@]}"
    done
done

python3 - "$results" "$work" "$scale" "$runs" <<'EOF' || die "summary failed"
import json, os, statistics, sys
results, work, scale, runs = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
by = {}
for line in open(results):
    m = json.loads(line)
    by.setdefault(m["label"], []).append(m)

def size(n):
    b = os.path.getsize(os.path.join(work, "base%s.json" % n)) + \
        os.path.getsize(os.path.join(work, "cur%s.json" % n))
    return "%dx (%.0f MB)" % (n, b / 1e6)

names = {"ref": "python3 compare_performance.py", "perf": "perf compare --format json"}
stat = {}
print("%-32s %-14s %10s %10s %10s %12s" % ("command", "input", "median s",
                                            "min s", "max s", "peak RSS MB"))
for label in sorted(by, key=lambda l: (not l.startswith("ref"), len(l), l)):
    ms = by[label]
    kind = "ref" if label.startswith("ref") else "perf"
    n = int(label[len(kind):])
    walls = [m["wall_s"] for m in ms]
    rss = max(m["maxrss_kb"] for m in ms)
    floor = max(m["floor_kb"] for m in ms)
    stat[label] = (statistics.median(walls), rss)
    print("%-32s %-14s %10.3f %10.3f %10.3f %12s" % (
        names[kind], size(n), statistics.median(walls), min(walls),
        max(walls), ("%.1f" % (rss / 1024)) + ("*" if rss <= floor else "")))
if any(max(m["maxrss_kb"] for m in ms) <= max(m["floor_kb"] for m in ms)
       for ms in by.values()):
    print("* at most: the measuring process's own peak RSS is charged to "
          "the child at exec")
print()
big = "%d" % scale
checks = []
if "perf1" in stat:
    t_ref, m_ref = stat["ref1"]
    t_perf, m_perf = stat["perf1"]
    sp = t_ref / t_perf if t_perf > 0 else float("inf")
    mr = m_perf / m_ref
    checks.append(("speed    python/perf wall time (1x)     %7.2f  (target >= 10)" % sp, sp >= 10))
    checks.append(("memory   perf/python peak RSS (1x)      %7.3f  (target <= 0.5)" % mr, mr <= 0.5))
    if "perf" + big in stat:
        t_big = stat["perf" + big][0]
        sc = t_big / t_perf if t_perf > 0 else float("inf")
        limit = 1.1 * scale
        checks.append(("scaling  perf time %sx / perf time 1x   %7.2f  (target <= %.1f)"
                       % (big, sc, limit), sc <= limit))
for text, ok in checks:
    print("%s  %s" % ("PASS" if ok else "FAIL", text))
if not checks:
    t_ref, m_ref = stat["ref1"]
    print("perf budget on the 1x pair: wall time <= %.3f s (python / 10), "
          "peak RSS <= %.1f MB (python / 2)" % (t_ref / 10, m_ref / 2048))
print("(%d timed runs each; median wall time, largest peak RSS)" % runs)
EOF
