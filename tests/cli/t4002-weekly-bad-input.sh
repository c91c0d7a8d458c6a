#!/bin/sh
# perf weekly on bad input: options, dates, unreadable histories (exit 2,
# a clear message, nothing on stdout, -o left alone); unreadable lines
# (skipped with one warning that counts them, never fatal).
. "$top_srcdir/tests/cli/lib.sh"

cat >"$T/h.jsonl" <<'EOF'
{"timestamp": "2026-11-23T00:00:00Z", "tps": {"average": 20}}
{"timestamp": "2026-11-23T00:01:00Z", "tps": {"average": 19}}
EOF

bad() {   # bad DESCRIPTION STDERR-PATTERN ARGS...
	test_begin "$1"
	pat=$2
	shift 2
	run 2 perf weekly "$@"
	expect_no_out
	expect_err "$pat"
}

for d in 2026-11-31 2026-13-01 monday 2026-11-23T00:00:00Z 26-11-23 2026-1-23 '' ' 2026-11-23'; do
	bad "--week-start '$d' is not a date" "^perf weekly: invalid --week-start '$d': " --history "$T/h.jsonl" --week-start "$d"
done
bad "-w '2026-02-30'" "^perf weekly: invalid --week-start '2026-02-30': .*range" --history "$T/h.jsonl" -w 2026-02-30
bad "a missing history" "^perf weekly: cannot read '$T/nope.jsonl': No such file or directory$" --history "$T/nope.jsonl"
bad "a directory as history" "^perf weekly: cannot read '$T': Is a directory$" --history "$T"
(cd "$T" && mkdir -p empty && cd empty && perf weekly -f json >"$T/out" 2>"$T/err")
check "no history in the current directory: exit 2 (got $?)" [ $? = 2 ]
expect_err "^perf weekly: cannot read 'perf-history.jsonl': No such file or directory$"
PERF_HISTORY="$T/gone.jsonl" run 2 perf weekly
expect_err "^perf weekly: cannot read '$T/gone.jsonl': No such file or directory$"
if [ "$(id -u)" != 0 ]; then
	cp "$T/h.jsonl" "$T/locked.jsonl"; chmod 000 "$T/locked.jsonl"
	bad "an unreadable history" "cannot read '$T/locked.jsonl': Permission denied" --history "$T/locked.jsonl"
fi
bad "an unknown option" "^perf weekly: unknown option '--frobnicate'" --frobnicate
bad "an unknown short option" "^perf weekly: unknown option '-Z'" -Z
bad "an option without its value" "^perf weekly: option '--week-start' needs a value" --week-start
bad "an unknown format" "^perf weekly: unknown format 'pdf' \(expected html, markdown or json\)" --format pdf
bad "a bad threshold" "^perf weekly: invalid threshold 'lots'" --threshold lots
bad "a negative threshold" "^perf weekly: invalid threshold '-1'" -t -1
bad "an argument" "^perf weekly: unexpected argument 'extra'" --history "$T/h.jsonl" extra
bad "-o into a missing directory" "^perf weekly: cannot create '$T/no/dir/r.html'" --history "$T/h.jsonl" -o "$T/no/dir/r.html"

test_begin "-o is left alone on error and replaced whole on success"
printf 'old report\n' >"$T/r.html"
run 2 perf weekly --history "$T/nope.jsonl" -o "$T/r.html"
check "the old report is kept" grep -qx 'old report' "$T/r.html"
run 0 perf weekly --history "$T/h.jsonl" -w 2026-11-23 -o "$T/r.html"
expect_no_out
check "the new report is in place" grep -q '</html>' "$T/r.html"
check "no temporary file is left" [ "$(ls -a "$T" | grep -c '\.tmp')" = 0 ]
run 0 perf weekly --history "$T/h.jsonl" -w 2026-11-23 --output "$T/r.json" --format json
check "--output writes JSON" "${PYTHON3:-python3}" -c 'import json,sys; json.load(open(sys.argv[1]))' "$T/r.json"

test_begin "garbage and a torn last line: one warning that counts them"
{
	printf '{"timestamp": "2026-11-23T00:00:00Z", "tps": {"average": 20}}\n'
	printf 'not json\n'
	printf '{"timestamp": "2026-11-23T00:01:00Z", "tps": {"average": 19}}\r\n'
	printf '{"tps": {"average": 1}}\n'
	printf '{"timestamp": "last tuesday", "tps": {"average": 1}}\n'
	printf '\n'
	printf '{"timestamp": "2026-11-23T00:02:00Z", "tps": {"average": 18}}\n'
	printf '{"timestamp": "2026-11-23T00:03:00Z", "tps": {"aver'
} >"$T/garbage.jsonl"
run 0 perf weekly --history "$T/garbage.jsonl" -w 2026-11-23 -f json
json_is '19' 'd["metrics_summary"]["tps"]["average"]'
json_is '3' 'd["samples"]["week"]'
expect_err "^perf weekly: warning: $T/garbage.jsonl: skipped 4 unreadable lines \(first at line 2\)$"
check "exactly one warning" [ "$(wc -l <"$T/err")" = 1 ]
run 0 perf weekly --history "$T/garbage.jsonl" -w 2026-11-23 -f json -q
expect_no_err
run 0 perf weekly --history "$T/garbage.jsonl" -w 2026-11-23 -f json -v
expect_err "garbage.jsonl:2:1: skipped: "
expect_err "garbage.jsonl:4:1: skipped: no \"timestamp\""
expect_err "garbage.jsonl:5:[0-9]+: skipped: bad \"timestamp\""
expect_err "garbage.jsonl:8: skipped: torn last line"
expect_err "3 samples this week"
run_stdin 0 "$T/garbage.jsonl" perf weekly --history - -w 2026-11-23 -f json
expect_err "^perf weekly: warning: <stdin>: skipped 4 unreadable lines \(first at line 2\)$"

test_begin "a binary file is read as lines that cannot be read"
printf '{"timestamp": "2026-11-23T00:00:00Z", "tps": {"average": 20}}\n' >"$T/binary.jsonl"
head -c 20000 /dev/urandom | tr -d '\n' >>"$T/binary.jsonl"
printf '\n{"timestamp": "2026-11-23T00:01:00Z", "tps": {"average": 20}}\n' >>"$T/binary.jsonl"
run 0 perf weekly --history "$T/binary.jsonl" -w 2026-11-23 -f json
json_is '2' 'd["samples"]["week"]'
expect_err "skipped 1 unreadable line \(first at line 2\)$"

test_begin "--help"
run 0 perf weekly --help
expect_out '^Usage: perf weekly'
expect_no_err
run 0 perf weekly -h
expect_out '--week-start'

test_done
