#!/bin/sh
# perf compare on real JMH files from public projects (tests/fixtures/jmh,
# see SOURCES.md there): identity, direction, modes, params, secondaries.
. "$top_srcdir/tests/cli/lib.sh"
J="$FIXTURES/jmh"
TOOL="${PYTHON3:-python3} $top_srcdir/tests/cli/jmhtool.py"

test_begin "a file against itself: all stable, exit 0"
for f in "$J"/*.json; do
	run 0 perf compare --format json "$f" "$f"
	json_is '"ok"' 'd["result"]'
	json_is 0 'd["summary"]["regressions"]+d["summary"]["improvements"]+d["summary"]["missing"]+d["summary"]["new"]'
done

test_begin "params are part of the identity (arraycopy: one name, 196 results)"
run 0 perf compare --format json --no-secondary "$J/arraycopy.json" "$J/arraycopy.json"
json_is 196 'len(d["benchmarks"])'
json_is 196 'len({(b["benchmark"], b["mode"], json.dumps(b["params"], sort_keys=True)) for b in d["benchmarks"]})'
json_is '{"destinationOffset": "0", "size": "1024", "sourceOffset": "0"}' 'd["benchmarks"][0]["params"]'

test_begin "arraycopy laptop vs xeon: every result matched, none missing or new"
run 1 perf compare --format json "$J/arraycopy.json" "$J/arraycopy-xeon.json"
json_is 196 'sum(d["summary"].values())'
json_is 0 'd["summary"]["missing"] + d["summary"]["new"]'
json_is '["lower"]' 'sorted({b["better"] for b in d["benchmarks"]})'

test_begin "ss mode (ms/op): lower is better, so a slower current is a regression"
$TOOL scale "$J/collections-linux.json" "$T/slower.json" 1.25
run 1 perf compare --format json "$J/collections-linux.json" "$T/slower.json"
json_is 666 'd["summary"]["regressions"]'
json_is '["ss"]' 'sorted({b["mode"] for b in d["benchmarks"]})'
json_is '["lower"]' 'sorted({b["better"] for b in d["benchmarks"]})'
$TOOL scale "$J/collections-linux.json" "$T/faster.json" 0.75
run 0 perf compare --format json "$J/collections-linux.json" "$T/faster.json"
json_is 666 'd["summary"]["improvements"]'
json_is 0 'd["summary"]["regressions"]'

test_begin "avgt (us/op): lower is better; secondary gc metrics with the old middle-dot spelling"
$TOOL scale "$J/blake3-intel.json" "$T/b3-slow.json" 1.5
run 1 perf compare --format json "$J/blake3-intel.json" "$T/b3-slow.json"
json_is 24 'len([b for b in d["benchmarks"] if b["metric"] == "primary" and b["status"] == "regression"])'
json_is '"us/op"' 'd["benchmarks"][0]["unit"]'
json_is true 'any(b["metric"] == "\u00b7gc.alloc.rate.norm" for b in d["benchmarks"])'
json_is '"lower"' '[b for b in d["benchmarks"] if b["metric"] == "\u00b7gc.alloc.rate.norm"][0]["better"]'

test_begin "thrpt (ops/s): higher is better"
$TOOL scale "$J/fs2.json" "$T/fs2-slow.json" 0.8
run 1 perf compare --format json "$J/fs2.json" "$T/fs2-slow.json"
json_is 9 'd["summary"]["regressions"]'
json_is '["higher"]' 'sorted({b["better"] for b in d["benchmarks"]})'
json_is '[25, 25]' 'd["benchmarks"][0]["samples"]'

test_begin "secondary metrics: both spellings are matched"
"${PYTHON3:-python3}" - "$J/template-jdk8.json" "$T/nodot.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for e in d:
    e["secondaryMetrics"] = {k.lstrip("\u00b7"): v for k, v in e["secondaryMetrics"].items()}
json.dump(d, open(sys.argv[2], "w"))
PY
run 0 perf compare --format json "$J/template-jdk8.json" "$T/nodot.json"
json_is 0 'd["summary"]["regressions"] + d["summary"]["improvements"]'
json_is true 'len([b for b in d["benchmarks"] if b["metric"] != "primary"]) > 54'
run 0 perf compare --format json --no-secondary "$J/template-jdk8.json" "$T/nodot.json"
json_is 54 'len(d["benchmarks"])'

test_begin "JDK 8 vs JDK 11 (real pair): some change, counts add up"
run 1 perf compare --format json --no-secondary "$J/template-jdk8.json" "$J/template-jdk11.json"
json_is 54 'sum(d["summary"].values())'

test_begin "group benchmarks, params on some results only"
run 0 perf compare --format json "$J/java-benchmarks-all.json" "$J/java-benchmarks-all.json"
json_is 232 'len([b for b in d["benchmarks"] if b["metric"] == "primary"])'
json_is true 'any(b["params"] == {} for b in d["benchmarks"]) and any(b["params"] != {} for b in d["benchmarks"])'

test_begin "old files without jmhVersion load"
check "arraycopy.json has no jmhVersion" sh -c "! grep -q jmhVersion '$J/arraycopy.json'"
run 0 perf compare "$J/arraycopy.json" "$J/arraycopy.json"
expect_out 'RESULT: NO REGRESSIONS DETECTED'

test_begin "NaN strings in the files (blake3 scoreError) are read"
check "blake3 has NaN strings" grep -q '"NaN"' "$J/blake3-m1.json"
run 1 perf compare "$J/blake3-intel.json" "$J/blake3-m1.json"
expect_out 'RESULT: (NO )?REGRESSIONS? DETECTED'

test_done
