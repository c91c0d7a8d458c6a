#!/bin/sh
# Faults: the disk fills while writing a report or the history, a torn
# append, a server that resets, trickles or sends too much, a corrupt
# repository.  Nothing is lost or half-written; each fails with a message
# and the documented status.
. "$top_srcdir/tests/cli/lib.sh"
. "$top_srcdir/tests/cli/lib-github.sh"
J="$FIXTURES/jmh"

# A full disk, for the files perf writes: RLIMIT_FSIZE (set in bytes, so
# the shell's ulimit units do not matter) makes writes past the limit fail
# (EFBIG) the way ENOSPC does; SIGXFSZ is ignored so the write returns an
# error instead of killing the process.
full_disk() {   # full_disk BYTES CMD...: stdout, stderr to $T/out, $T/err
	bytes=$1
	shift
	"${PYTHON3:-python3}" -c 'import resource, signal, subprocess, sys
n = int(sys.argv[1])
def limit():
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (n, n))
# Pipes, not files, for the output: the limit would cut those too.
p = subprocess.run(sys.argv[4:], stdin=subprocess.DEVNULL, capture_output=True, preexec_fn=limit)
open(sys.argv[2], "wb").write(p.stdout)
open(sys.argv[3], "wb").write(p.stderr)
sys.exit(p.returncode if p.returncode >= 0 else 128 - p.returncode)' "$bytes" "$T/out" "$T/err" "$@"
}

test_begin "compare -o on a full disk: the old report stays, exit 2"
printf 'the previous report\n' >"$T/report.json"
full_disk 4096 "$PERF" compare --format json -o "$T/report.json" "$J/collections-linux.json" "$J/collections-mac.json"
code=$?
check "exit 2 (got $code)" [ "$code" = 2 ]
expect_err "^perf compare: cannot write '$T/report.json': File too large$"
check "target untouched" grep -qx 'the previous report' "$T/report.json"
check "no temporary left" sh -c "! ls -A '$T' | grep -q 'report.json.tmp'"

test_begin "compare to a full stdout: exit 2, message"
if [ -w /dev/full ]; then
	"$PERF" compare --format markdown "$J/fs2.json" "$J/fs2.json" >/dev/full 2>"$T/err"
	code=$?
	check "exit 2 (got $code)" [ "$code" = 2 ]
	expect_err 'write error on standard output: No space left on device'
fi

test_begin "weekly -o on a full disk: the old report stays, exit 2"
"${PYTHON3:-python3}" "$top_srcdir/tests/cli/histgen.py" --help >/dev/null 2>&1
"${PYTHON3:-python3}" - "$T/hist.jsonl" <<'PY'
import json, sys
with open(sys.argv[1], "w") as f:
    t0 = 1795392000  # 2026-11-23T00:00:00Z, a Monday
    for i in range(0, 7 * 24 * 60, 10):
        ts = t0 + i * 60
        f.write(json.dumps({"timestamp": __import__("time").strftime("%Y-%m-%dT%H:%M:%SZ", __import__("time").gmtime(ts)),
                            "chunk_loading": {"average_ms": 12.0 + (i % 7) / 10, "p95_ms": 30.0},
                            "memory": {"heap_used_mb": 2100, "peak_mb": 2600, "gc_count": 1},
                            "tps": {"average": 19.9}}) + "\n")
PY
printf 'the previous weekly\n' >"$T/weekly.html"
full_disk 2048 "$PERF" weekly --history "$T/hist.jsonl" --week-start 2026-11-23 -o "$T/weekly.html"
code=$?
check "exit 2 (got $code)" [ "$code" = 2 ]
expect_err "^perf weekly: .*weekly.html"
check "target untouched" grep -qx 'the previous weekly' "$T/weekly.html"

test_begin "a torn last line in the history is skipped with a warning"
cp "$T/hist.jsonl" "$T/torn.jsonl"
printf '{"timestamp": "2026-11-29T23:59:00Z", "tps": {"aver' >>"$T/torn.jsonl"
run 0 perf weekly --history "$T/torn.jsonl" --week-start 2026-11-23 --format json
expect_err 'warning: .*torn.jsonl: skipped 1 unreadable line'
json_is true 'd["metrics_summary"]["tps"]["average"] is not None'

test_begin "respond: the history append fails on a full disk, exit 2, the file stays whole"
github_start
cp "$T/hist.jsonl" "$T/resp.jsonl"
size=$(wc -c <"$T/resp.jsonl")
full_disk "$size" "$PERF" respond --repo octo/app --history "$T/resp.jsonl" chunk_loading high 14 12
code=$?
check "exit 2 (got $code)" [ "$code" = 2 ]
expect_err "^perf respond: .*resp.jsonl"
"${PYTHON3:-python3}" -c 'import json,sys
for l in open(sys.argv[1]): json.loads(l)' "$T/resp.jsonl"
check "every history line still parses" [ $? = 0 ]
check "no partial line appended" [ "$(wc -c <"$T/resp.jsonl")" = "$size" ]
no_secret "$T/out" "$T/err"

test_begin "respond: the server resets the connection every time: exit 3, no secret"
faults github '[{"path": "/issues", "drop": true, "times": -1}]'
run 3 perf respond --repo octo/app --retries 1 --no-history chunk_loading high 14 12
expect_err '^perf respond: '
no_secret "$T/out" "$T/err"

test_begin "respond: a reset, then an answer: retried, done"
faults github '[{"method": "GET", "path": "/issues$", "drop": true, "times": 1}]'
run 0 perf respond --repo octo/app --no-history chunk_loading medium 14 12

test_begin "respond: an answer that trickles past the timeout: exit 3"
faults github '[{"path": "/issues", "delay": 5, "times": -1}]'
run 3 perf respond --repo octo/app --timeout 1 --retries 0 --no-history chunk_loading high 14 12
expect_err 'perf respond: .*(time|Timeout)'
no_secret "$T/out" "$T/err"

test_begin "respond: a body larger than any sane answer is capped, exit 3"
big=$("${PYTHON3:-python3}" -c 'print("x" * (6 << 20))')
printf '[{"method": "GET", "path": "/issues$", "status": 200, "body": "%s", "times": -1}]\n' "$big" >"$T/github.faults.tmp"
mv "$T/github.faults.tmp" "$T/github.faults"
run 3 perf respond --repo octo/app --retries 0 --no-history chunk_loading high 14 12
expect_err 'larger than [0-9]+ bytes'
faults github '[]'

test_begin "bisect: a corrupt repository fails with libgit2's message, exit 3"
git init -q "$T/repo"
(cd "$T/repo" && git config user.name T && git config user.email t@example.com &&
	printf 'a\n' >cache.c && git add cache.c &&
	GIT_COMMITTER_DATE=2026-10-29T10:00:00Z GIT_AUTHOR_DATE=2026-10-29T10:00:00Z git commit -qm "Cache chunks")
obj=$(cd "$T/repo" && git rev-parse HEAD^{tree})
f="$T/repo/.git/objects/$(echo "$obj" | cut -c1-2)/$(echo "$obj" | cut -c3-)"
chmod u+w "$f" && printf 'garbage' >"$f"
run 3 perf bisect --repo "$T/repo" --date 2026-10-30 --format json
expect_err '^perf bisect: '
expect_no_out

test_begin "bisect: a repository with a stale index.lock is still read"
git init -q "$T/repo2"
(cd "$T/repo2" && git config user.name T && git config user.email t@example.com &&
	printf 'a\n' >cache.c && git add cache.c &&
	GIT_COMMITTER_DATE=2026-10-29T10:00:00Z GIT_AUTHOR_DATE=2026-10-29T10:00:00Z git commit -qm "Cache chunks" &&
	touch .git/index.lock)
run 0 perf bisect --repo "$T/repo2" --date 2026-10-30 --format json
json_is 1 'len(d["suspects"])'

test_begin "alert: a corrupt state file is refused and left as it was, exit 2"
cat >"$T/rules.yml" <<'EOF2'
alert_rules:
  tps_degradation:
    metric: tps.average
    threshold_value: 18.0
    comparison: less_than
    severity: critical
    notification_channels: [webhook]
notification_channels:
  webhook:
    url: "http://127.0.0.1:9/hook/${HOOK_SECRET}"
EOF2
export HOOK_SECRET=planted-hook-secret-0123
printf '{"tps": {"average": 17.0}}\n' >"$T/metrics.json"
printf '{"alerts": {"tps_degradation": {"firing_since": "2026-11' >"$T/state.json"
cp "$T/state.json" "$T/state.before"
run 2 perf alert --rules "$T/rules.yml" --metrics "$T/metrics.json" --state "$T/state.json" --dry-run
expect_err "^perf alert: $T/state.json:1:[0-9]+: "
check "state untouched" cmp -s "$T/state.json" "$T/state.before"

test_begin "alert: a state file from a newer version is refused and left alone, exit 2"
printf '{"version": 7, "alerts": {}}\n' >"$T/state.json"
run 2 perf alert --rules "$T/rules.yml" --metrics "$T/metrics.json" --state "$T/state.json" --dry-run
expect_err 'written by a newer perfsuite \(state version 7'
check "state untouched" grep -q '"version": 7' "$T/state.json"

test_begin "alert --watch: a full disk for the history: logged, the loop goes on, the history stays whole"
printf '{"timestamp": "2026-11-23T00:00:00Z", "tps": {"average": 19.9}}\n' >"$T/watch.jsonl"
size=$(wc -c <"$T/watch.jsonl")
full_disk "$size" "$PERF" alert --rules "$T/rules.yml" --watch 1 --cycles 2 --source "$T/metrics.json" \
	--history "$T/watch.jsonl" --dry-run
code=$?
check "the loop ran its cycles and ended (exit $code)" [ "$code" -le 3 ]
expect_err 'perf alert: .*watch.jsonl'
check "no partial line" [ "$(wc -c <"$T/watch.jsonl")" = "$size" ]
check "no secret in the output" sh -c "! grep -q planted-hook-secret '$T/out' '$T/err'"

test_begin "alert: a webhook that resets every connection: the others still go, exit 3"
run 3 perf alert --rules "$T/rules.yml" --metrics "$T/metrics.json" --retries 0 --timeout 2
expect_err '^perf alert: '
check "no secret in the output" sh -c "! grep -q planted-hook-secret '$T/out' '$T/err'"

test_done
