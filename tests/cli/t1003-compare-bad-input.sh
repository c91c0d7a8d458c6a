#!/bin/sh
# Bad input of every kind: a clear message naming the file and the place,
# exit 2, nothing on stdout.  Odd but valid input: defined behaviour.
. "$top_srcdir/tests/cli/lib.sh"
J="$FIXTURES/jmh"
MAKE="${PYTHON3:-python3} $top_srcdir/tests/cli/jmhtool.py make"

bad() {   # bad DESCRIPTION STDERR-PATTERN ARGS...
	test_begin "$1"
	pat=$2
	shift 2
	run 2 perf compare "$@"
	expect_no_out
	expect_err "$pat"
}

bad "a missing file" "^perf compare: cannot read 'nope.json': No such file or directory$" nope.json "$J/fs2.json"
bad "a directory" "^perf compare: cannot read '/': Is a directory$" / "$J/fs2.json"
if [ "$(id -u)" != 0 ]; then
	printf '[]' >"$T/locked.json"; chmod 000 "$T/locked.json"
	bad "an unreadable file" "cannot read '.*locked.json': Permission denied" "$T/locked.json" "$J/fs2.json"
fi

printf '[\n  {"benchmark": "a", "mode": "thrpt",\n   "primaryMetric": {"score": 1.0 "scoreUnit": "ops/s"}}\n]\n' >"$T/malformed.json"
bad "malformed JSON: file, line and column" "^perf compare: $T/malformed.json:3:35: " "$J/fs2.json" "$T/malformed.json"

printf '[{"benchmark": "a", "mode": "thrpt", "primaryMetric": {"score": 1.0, "scoreUnit": "ops/s"}}' >"$T/truncated.json"
bad "truncated JSON" "^perf compare: $T/truncated.json:1:[0-9]+: .*(end|closed)" "$T/truncated.json" "$J/fs2.json"

printf '{"result": "not jmh"}\n' >"$T/object.json"
bad "a JSON document that is not JMH output" "^perf compare: $T/object.json:1:1: not JMH output: expected an array of benchmark results$" "$T/object.json" "$J/fs2.json"

printf '[1, 2]\n' >"$T/numbers.json"
bad "an array of numbers" "^perf compare: $T/numbers.json:1:2: not JMH output: expected a benchmark result object$" "$T/numbers.json" "$J/fs2.json"

printf '[{"benchmark": "a", "mode": "thrpt"}]\n' >"$T/noprimary.json"
bad "a result without primaryMetric" 'noprimary.json:1:2: not JMH output: result has no "primaryMetric"' "$T/noprimary.json" "$J/fs2.json"

printf '[{"benchmark": "a", "mode": "thrpt", "primaryMetric": {"score": "fast", "scoreUnit": "ops/s"}}]\n' >"$T/badscore.json"
bad "a score that is not a number" 'badscore.json:1:[0-9]+: not JMH output: the score of .primary. is not a number' "$T/badscore.json" "$J/fs2.json"

printf '[{"benchmark": "a", "mode": "thrpt", "primaryMetric": {"score": 1, "scoreUnit": "ops/s", "rawData": [[1, "x"]]}}]\n' >"$T/badraw.json"
bad "raw data that is not numbers" 'badraw.json:1:[0-9]+: not JMH output: "rawData" holds a value that is not a number' "$T/badraw.json" "$J/fs2.json"

printf '' >"$T/empty-file.json"
bad "an empty file" 'empty-file.json:1:1: not JMH output: the file is empty' "$T/empty-file.json" "$J/fs2.json"

printf '[{"benchmark": "a\\x"}]' >"$T/escape.json"
bad "a bad escape" 'escape.json:1:[0-9]+: .*escape' "$T/escape.json" "$J/fs2.json"

bad "a wrong option" "^perf compare: unknown option '--frobnicate'" --frobnicate a b
bad "a wrong short option" "^perf compare: unknown option '-Z'" -Z a b
bad "an option without its value" "^perf compare: option '--format' needs a value" a b --format
bad "an unknown format" "^perf compare: unknown format 'xml'" --format xml "$J/fs2.json" "$J/fs2.json"
bad "an unknown level" "^perf compare: unknown level 'nightly'" --level nightly "$J/fs2.json" "$J/fs2.json"
bad "a bad threshold" "^perf compare: invalid threshold 'five'" --threshold five "$J/fs2.json" "$J/fs2.json"
bad "a negative threshold" "^perf compare: invalid threshold '-1'" --threshold -1 "$J/fs2.json" "$J/fs2.json"
bad "a bad alpha" "^perf compare: invalid alpha '0'" --alpha 0 "$J/fs2.json" "$J/fs2.json"
bad "a bad regex" "^perf compare: invalid --filter regular expression '\('" --filter '(' "$J/fs2.json" "$J/fs2.json"
bad "one file only" "^perf compare: expected BASELINE and CURRENT files, got 1 argument" "$J/fs2.json"
bad "three files" "^perf compare: expected BASELINE and CURRENT files, got 3 arguments" a b c
bad "both on stdin" "^perf compare: only one of BASELINE, CURRENT and --config can be standard input" - -
bad "config and a file on stdin" "^perf compare: only one of BASELINE, CURRENT and --config can be standard input" --config - - "$J/fs2.json"

printf 'thresholds:\n  foo: [1, 2]\n' >"$T/cfg-bad.yml"
bad "a config with a wrong type" "^perf compare: $T/cfg-bad.yml:2:8: threshold for 'foo' must be a percentage" --config "$T/cfg-bad.yml" "$J/fs2.json" "$J/fs2.json"
printf 'treshold: 5\n' >"$T/cfg-typo.yml"
bad "a config with an unknown key" "^perf compare: $T/cfg-typo.yml:1:1: unknown key 'treshold'" --config "$T/cfg-typo.yml" "$J/fs2.json" "$J/fs2.json"
printf 'a: &x 1\nb: *x\n' >"$T/cfg-alias.yml"
bad "a config with an alias" "cfg-alias.yml:2:4: .*alias" --config "$T/cfg-alias.yml" "$J/fs2.json" "$J/fs2.json"
printf 'alpha: [\n' >"$T/cfg-syntax.yml"
bad "a config with a syntax error" "cfg-syntax.yml:[0-9]+:[0-9]+: " --config "$T/cfg-syntax.yml" "$J/fs2.json" "$J/fs2.json"
bad "a missing config" "cannot read 'nope.yml'" --config nope.yml "$J/fs2.json" "$J/fs2.json"
printf 'direction:\n  x: sideways\n' >"$T/cfg-dir.yml"
bad "a bad direction" "cfg-dir.yml:2:6: direction for 'x' must be 'lower' or 'higher'" --config "$T/cfg-dir.yml" "$J/fs2.json" "$J/fs2.json"

test_begin "the -o target is untouched when the input is bad"
printf 'previous report\n' >"$T/report.txt"
run 2 perf compare -o "$T/report.txt" "$T/object.json" "$J/fs2.json"
check "report kept" grep -qx 'previous report' "$T/report.txt"
check "no temporary left" sh -c "[ \$(ls -A '$T' | grep -c report) = 1 ]"
bad "an -o path in a missing directory" "cannot create '$T/no/dir/r.txt'" -o "$T/no/dir/r.txt" "$J/fs2.json" "$J/fs2.json"

test_begin "an empty array: a warning, no crash"
printf '[]\n' >"$T/empty.json"
run 0 perf compare --format json "$T/empty.json" "$J/fs2.json"
expect_err "warning: $T/empty.json: no benchmark results"
json_is 9 'd["summary"]["new"]'
run 0 perf compare --format json "$T/empty.json" "$T/empty.json"
json_is '[]' 'd["benchmarks"]'

test_begin "zero and negative baselines: defined, warned"
$MAKE "$T/zb.json" <<'EOF2'
[{"b": "z.Zero.run", "m": "thrpt", "u": "ops/s", "s": 0.0},
 {"b": "z.Neg.run", "m": "thrpt", "u": "ops/s", "s": -10.0}]
EOF2
$MAKE "$T/zc.json" <<'EOF2'
[{"b": "z.Zero.run", "m": "thrpt", "u": "ops/s", "s": 5.0},
 {"b": "z.Neg.run", "m": "thrpt", "u": "ops/s", "s": -12.0}]
EOF2
run 1 perf compare --format json "$T/zb.json" "$T/zc.json"
json_is null 'd["benchmarks"][0]["change_percent"]'
json_is '"stable"' 'd["benchmarks"][0]["status"]'
json_is -20.0 'round(d["benchmarks"][1]["change_percent"], 6)'
json_is '"regression"' 'd["benchmarks"][1]["status"]'
expect_err 'baseline of 0'

test_begin "NaN scores: not compared, warned"
$MAKE "$T/nb.json" <<'EOF2'
[{"b": "n.Nan.run", "m": "thrpt", "u": "ops/s", "s": "NaN"},
 {"b": "n.Inf.run", "m": "avgt", "u": "us/op", "s": 1.0}]
EOF2
$MAKE "$T/nc.json" <<'EOF2'
[{"b": "n.Nan.run", "m": "thrpt", "u": "ops/s", "s": 3.0},
 {"b": "n.Inf.run", "m": "avgt", "u": "us/op", "s": "+INF"}]
EOF2
run 1 perf compare --format json "$T/nb.json" "$T/nc.json"
json_is '"stable"' 'd["benchmarks"][0]["status"]'
json_is null 'd["benchmarks"][0]["baseline"]'
expect_err 'n.Nan.run: baseline score is NaN; not compared'
json_is '"regression"' 'd["benchmarks"][1]["status"]'

test_begin "duplicate identities within one file: the later wins, with a warning"
$MAKE "$T/db.json" <<'EOF2'
[{"b": "d.Dup.run", "m": "thrpt", "u": "ops/s", "s": 50.0, "params": {"n": "1"}},
 {"b": "d.Dup.run", "m": "thrpt", "u": "ops/s", "s": 100.0, "params": {"n": "1"}},
 {"b": "d.Dup.run", "m": "thrpt", "u": "ops/s", "s": 100.0, "params": {"n": "2"}}]
EOF2
run 0 perf compare --format json "$T/db.json" "$T/db.json"
json_is 2 'len(d["benchmarks"])'
json_is 100.0 'd["benchmarks"][0]["baseline"]'
expect_err "db.json:[0-9]+:[0-9]+: duplicate result for d.Dup.run\(n=1\) \[thrpt\]"

test_begin "params in another order are the same benchmark; another mode is not"
$MAKE "$T/p1.json" <<'EOF2'
[{"b": "p.P.run", "m": "thrpt", "u": "ops/s", "s": 100.0, "params": {"a": "1", "b": "2"}}]
EOF2
$MAKE "$T/p2.json" <<'EOF2'
[{"b": "p.P.run", "m": "thrpt", "u": "ops/s", "s": 100.0, "params": {"b": "2", "a": "1"}},
 {"b": "p.P.run", "m": "avgt", "u": "us/op", "s": 1.0, "params": {"b": "2", "a": "1"}}]
EOF2
run 0 perf compare --format json "$T/p1.json" "$T/p2.json"
json_is '["stable", "new"]' '[b["status"] for b in d["benchmarks"]]'
run 0 perf compare --format json "$T/p2.json" "$T/p1.json"
json_is '["stable", "missing"]' '[b["status"] for b in d["benchmarks"]]'
expect_err "1 benchmark in .*p2.json missing from .*p1.json"

test_begin "standard input as either file"
run_stdin 0 "$J/fs2.json" perf compare --format json - "$J/fs2.json"
json_is 9 'd["summary"]["stable"]'
run_stdin 2 "$T/object.json" perf compare - "$J/fs2.json"
expect_err '^perf compare: <stdin>:1:1: not JMH output'

test_done
