#!/bin/sh
# perf compare's report formats, -o, --filter, colour and the GitHub step
# summary.
. "$top_srcdir/tests/cli/lib.sh"
J="$FIXTURES/jmh"
TOOL="${PYTHON3:-python3} $top_srcdir/tests/cli/jmhtool.py"
MAKE="$TOOL make"

$MAKE "$T/base.json" <<'EOF2'
[{"b": "org.ex.Chunk.load", "m": "avgt", "u": "us/op", "s": 100.0, "params": {"size": "1000"},
  "raw": [[100.1, 99.8, 100.3, 99.9, 100.0, 100.2, 99.7, 100.4, 99.6, 100.0]]},
 {"b": "org.ex.Cache.get", "m": "thrpt", "u": "ops/s", "s": 5000.0},
 {"b": "org.ex.Same.run", "m": "thrpt", "u": "ops/s", "s": 10.0},
 {"b": "org.ex.Gone.run", "m": "thrpt", "u": "ops/s", "s": 10.0},
 {"b": "org.ex.Weird|<b>&*name*", "m": "thrpt", "u": "ops/s", "s": 10.0}]
EOF2
$MAKE "$T/cur.json" <<'EOF2'
[{"b": "org.ex.Chunk.load", "m": "avgt", "u": "us/op", "s": 108.0, "params": {"size": "1000"},
  "raw": [[108.1, 107.8, 108.3, 107.9, 108.0, 108.2, 107.7, 108.4, 107.6, 108.0]]},
 {"b": "org.ex.Cache.get", "m": "thrpt", "u": "ops/s", "s": 6000.0},
 {"b": "org.ex.Same.run", "m": "thrpt", "u": "ops/s", "s": 10.0},
 {"b": "org.ex.Fresh.run", "m": "thrpt", "u": "ops/s", "s": 10.0},
 {"b": "org.ex.Weird|<b>&*name*", "m": "thrpt", "u": "ops/s", "s": 8.0}]
EOF2

test_begin "text: sections, markers, RESULT line last"
run 1 perf compare "$T/base.json" "$T/cur.json"
expect_out '^=== PERFORMANCE REGRESSION ANALYSIS ===$'
expect_out '^SUMMARY: 4 compared: 2 regressions, 1 improvement, 1 stable; 1 missing, 1 new$'
expect_out '^REGRESSIONS \(2\)$'
expect_out '^  org\.ex\.Chunk\.load\(size=1000\) \[avgt\] +100\.000 +108\.000 +\+8\.00% +0\.000[0-9] +us/op$'
expect_out '^IMPROVEMENTS \(1\)$'
expect_out '^MISSING \(in baseline, not in current\) \(1\)$'
expect_out '^NEW \(in current, not in baseline\) \(1\)$'
check "RESULT is the last line" sh -c "tail -n 1 '$T/out' | grep -qx 'RESULT: REGRESSION DETECTED'"
expect_not_out 'STABLE'
expect_not_out "$(printf '\033')"
run 1 perf compare --show-stable "$T/base.json" "$T/cur.json"
expect_out '^STABLE \(1\)$'
expect_out 'org\.ex\.Same\.run'

test_begin "text: no regression"
run 0 perf compare "$T/base.json" "$T/base.json"
check "RESULT is the last line" sh -c "tail -n 1 '$T/out' | grep -qx 'RESULT: NO REGRESSIONS DETECTED'"

test_begin "colour: never into a pipe or with NO_COLOR; --color=always forces it"
run 1 perf compare --color=always "$T/base.json" "$T/cur.json"
expect_out "$(printf '\033')\[1;31mREGRESSIONS"
run 1 env -u NO_COLOR "$PERF" compare "$T/base.json" "$T/cur.json"
expect_not_out "$(printf '\033')"
if command -v script >/dev/null 2>&1; then
	env -u NO_COLOR script -qec "$PERF compare '$T/base.json' '$T/cur.json'" /dev/null >"$T/tty" 2>&1
	check "colour on a terminal" grep -q "$(printf '\033')\[1;31m" "$T/tty"
	env NO_COLOR=1 script -qec "$PERF compare '$T/base.json' '$T/cur.json'" /dev/null >"$T/tty" 2>&1
	check "no colour on a terminal with NO_COLOR" sh -c "! grep -q '$(printf '\033')\[' '$T/tty'"
fi

test_begin "markdown: summary, changed rows worst first, stable folded, data escaped"
run 1 perf compare --format markdown "$T/base.json" "$T/cur.json"
expect_out '^### .* Performance: 2 regressions detected$'
expect_out '^\*\*2\*\* regressions, \*\*1\*\* improvement, \*\*1\*\* stable, \*\*1\*\* missing, \*\*1\*\* new\.'
expect_out '^<details><summary>1 stable</summary>$'
expect_out 'org\.ex\.Weird\\\|&lt;b&gt;&amp;\\\*name\\\*'
grep -n 'org\.ex\.' "$T/out" | head -3 | sed 's/:.*|  *\([^|]*\) *|[^|]*|[^|]*|[^|]*|[^|]*|[^|]*| *\([^ |]*\) *|.*/ \1 \2/' >"$T/order"
check "worst regression first" sh -c "head -n 1 '$T/out' >/dev/null; grep -m1 -n 'Weird' '$T/out' | cut -d: -f1 | { read w; grep -m1 -n 'Chunk' '$T/out' | cut -d: -f1 | { read c; [ \$w -lt \$c ]; }; }"
expect_not_out 'RESULT:'

test_begin "json: only the document on stdout, the contract's fields"
run 1 perf compare --format json "$T/base.json" "$T/cur.json"
json_is '"regression"' 'd["result"]'
json_is '{"regressions": 2, "improvements": 1, "stable": 1, "missing": 1, "new": 1}' 'd["summary"]'
json_is '["baseline", "benchmark", "better", "change_percent", "current", "metric", "mode", "p_value", "params", "significant", "status", "threshold_percent", "unit"]' 'sorted(set(d["benchmarks"][0]) & {"benchmark","mode","params","metric","unit","better","baseline","current","change_percent","threshold_percent","p_value","significant","status"})'
json_is '"missing"' '[b for b in d["benchmarks"] if b["benchmark"] == "org.ex.Gone.run"][0]["status"]'
json_is null '[b for b in d["benchmarks"] if b["benchmark"] == "org.ex.Gone.run"][0]["current"]'
json_is null '[b for b in d["benchmarks"] if b["benchmark"] == "org.ex.Fresh.run"][0]["baseline"]'
json_is '{}' '[b for b in d["benchmarks"] if b["benchmark"] == "org.ex.Fresh.run"][0]["params"]'
json_is '"primary"' 'd["benchmarks"][0]["metric"]'

test_begin "junit: one testcase per benchmark, regressions as failures"
run 1 perf compare --format junit "$T/base.json" "$T/cur.json"
"${PYTHON3:-python3}" - "$T/out" >"$T/junit" <<'PY'
import sys, xml.etree.ElementTree as ET
r = ET.parse(sys.argv[1]).getroot()
s = r.find("testsuite")
cases = s.findall("testcase")
print(len(cases), s.get("failures"), s.get("skipped"), sum(1 for c in cases if c.find("failure") is not None))
print(cases[0].get("classname"), cases[0].get("name"))
PY
check "valid XML with 6 cases, 2 failures, 1 skipped" grep -qx '6 2 1 2' "$T/junit"
check "classname and name" grep -qx 'org.ex.Chunk load(size=1000) \[avgt\]' "$T/junit"

test_begin "github: annotations, and the markdown appended to GITHUB_STEP_SUMMARY"
printf 'earlier step\n' >"$T/summary.md"
run 1 env GITHUB_STEP_SUMMARY="$T/summary.md" "$PERF" compare --format github "$T/base.json" "$T/cur.json"
expect_out '^::error title=Performance regression::org\.ex\.Chunk\.load\(size=1000\) \[avgt\]: \+8\.00%25 '
expect_out '^::notice title=Performance improvement::org\.ex\.Cache\.get \[thrpt\]: \+20\.00%'
expect_out '^::warning title=Benchmark missing::org\.ex\.Gone\.run \[thrpt\] is in the baseline'
expect_out '%25'
check "summary kept the earlier step" grep -qx 'earlier step' "$T/summary.md"
check "summary got the markdown" grep -q 'Performance: 2 regressions detected' "$T/summary.md"
run 0 perf compare --format github "$T/base.json" "$T/base.json"
expect_not_out '::error'

test_begin "-o writes the report atomically; stdout stays empty"
run 1 perf compare --format json -o "$T/r.json" "$T/base.json" "$T/cur.json"
expect_no_out
json_is '"regression"' 'd["result"]' "$T/r.json"
check "no temporary left" sh -c "! ls -A '$T' | grep -q tmp"

test_begin "--filter REGEX on the label"
run 0 perf compare --format json --filter 'Cache|Same' "$T/base.json" "$T/cur.json"
json_is '["org.ex.Cache.get", "org.ex.Same.run"]' 'sorted(b["benchmark"] for b in d["benchmarks"])'
run 1 perf compare --format json --filter 'size=1000' "$T/base.json" "$T/cur.json"
json_is '["org.ex.Chunk.load"]' '[b["benchmark"] for b in d["benchmarks"]]'

test_begin "config ignore patterns"
printf 'ignore:\n  - Chunk\n  - "*Weird*"\n' >"$T/ign.yml"
run 0 perf compare --format json --config "$T/ign.yml" "$T/base.json" "$T/cur.json"
json_is 0 'd["summary"]["regressions"]'
json_is 4 'len(d["benchmarks"])'

test_begin "--quiet silences warnings, not errors"
run 1 perf compare --quiet "$T/base.json" "$T/cur.json"
expect_no_err
run 2 perf compare --quiet nope.json "$T/cur.json"
expect_err 'cannot read'

test_done
