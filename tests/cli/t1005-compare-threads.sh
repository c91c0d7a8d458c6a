#!/bin/sh
# perf compare on several threads: the same reports, warnings and exit
# statuses whatever the split (PERF_JOBS), on a pair big enough
# to be split by default too.
. "$top_srcdir/tests/cli/lib.sh"
J="$FIXTURES/jmh"
TOOL="${PYTHON3:-python3} $top_srcdir/tests/cli/jmhtool.py"
MAKE="$TOOL make"

# 5000 benchmarks: raw samples (some shifted), secondary metrics, a NaN
# score, params, a missing and a new one, a duplicate.
"${PYTHON3:-python3}" - "$T/base-spec.json" "$T/cur-spec.json" <<'EOF2'
import json, random, sys
rnd = random.Random(7)
base, cur = [], []
for i in range(5000):
    name = "org.ex.G%d.Bench.run%d" % (i % 37, i)
    raw = [[round(100 + rnd.gauss(0, 1), 4) for _ in range(5)] for _ in range(2)]
    shift = 1.2 if i % 97 == 0 else 0.85 if i % 89 == 0 else 1.0
    e = {"b": name, "m": "avgt" if i % 3 else "thrpt", "u": "us/op" if i % 3 else "ops/s",
         "s": 100.0, "raw": raw, "params": {"size": str(i % 5), "impl": "a\"b" if i % 11 == 0 else "x"}}
    c = dict(e, s=100.0 * shift, raw=[[round(v * shift, 4) for v in f] for f in raw])
    if i % 50 == 0:
        sec = {"\u00b7gc.alloc.rate.norm": {"s": 24.0, "u": "B/op"}}
        e["sec"] = sec
        c["sec"] = {"\u00b7gc.alloc.rate.norm": {"s": 48.0 if i % 100 == 0 else 24.0, "u": "B/op"}}
    if i == 123:
        c["s"] = "NaN"
        del c["raw"]
    if i == 4000:
        base.append(e)
        continue
    base.append(e)
    cur.append(c)
cur.append({"b": "org.ex.Fresh.run", "s": 1.0})
cur.append(dict(cur[10], s=3.0))
json.dump(base, open(sys.argv[1], "w"))
json.dump(cur, open(sys.argv[2], "w"))
EOF2
$MAKE "$T/base.json" <"$T/base-spec.json"
$MAKE "$T/cur.json" <"$T/cur-spec.json"

for fmt in json text markdown junit github; do
	test_begin "--format $fmt: the same on 1, 2, 3 and 8 threads and by default"
	PERF_JOBS=1 GITHUB_STEP_SUMMARY="$T/summary-1" \
		run 1 perf compare --format "$fmt" "$T/base.json" "$T/cur.json"
	mv "$T/out" "$T/out-1"
	mv "$T/err" "$T/err-1"
	check "warnings on one thread" grep -q 'score is NaN' "$T/err-1"
	for n in 2 3 8 ""; do
		PERF_JOBS=$n GITHUB_STEP_SUMMARY="$T/summary-$n" \
			run 1 perf compare --format "$fmt" "$T/base.json" "$T/cur.json"
		test_cmp "$T/out-1" "$T/out"
		test_cmp "$T/err-1" "$T/err"
		if [ "$fmt" = github ]; then test_cmp "$T/summary-1" "$T/summary-$n"; fi
	done
done

test_begin "json report: rows in file order across the split"
PERF_JOBS=3 run 1 perf compare --format json "$T/base.json" "$T/cur.json"
json_is 5100 'len(d["benchmarks"])'
json_is '"org.ex.G0.Bench.run0"' 'd["benchmarks"][0]["benchmark"]'
json_is '["new", "org.ex.Fresh.run"]' '[d["benchmarks"][-1]["status"], d["benchmarks"][-1]["benchmark"]]'
json_is 1 'd["summary"]["missing"]'

test_begin "json report: no rows, and pieces of rows, the same on 8 threads as on one"
for filter in 'nothing matches this' 'run(1|2)[0-9]*\(' 'G(1|2|3)\.'; do
	PERF_JOBS=1 perf compare --format json --filter "$filter" "$T/base.json" "$T/cur.json" >"$T/one" 2>"$T/one-err"
	PERF_JOBS=8 run $? perf compare --format json --filter "$filter" "$T/base.json" "$T/cur.json"
	test_cmp "$T/one" "$T/out"
	test_cmp "$T/one-err" "$T/err"
done
PERF_JOBS=8 run 0 perf compare --format json --filter 'nothing matches this' "$T/base.json" "$T/cur.json"
json_is '[]' 'd["benchmarks"]'

test_begin "results matched by identity whatever their order in the current file"
# The current file reversed, in blocks and with neighbours swapped: the
# same report as in file order (the json rows follow the baseline).
PERF_JOBS=1 perf compare --format json "$T/base.json" "$T/cur.json" >"$T/in-order" 2>/dev/null
for how in reverse blocks swap; do
	"${PYTHON3:-python3}" - "$T/cur.json" "$T/cur-$how.json" "$how" <<'EOF2'
import json, sys
doc = json.load(open(sys.argv[1]))
how = sys.argv[3]
if how == "reverse":
    # the duplicate pair keeps its order: the later one is the one used
    dup = [r for r in doc if r["benchmark"] == doc[10]["benchmark"]]
    rest = [r for r in doc if r["benchmark"] != doc[10]["benchmark"]]
    doc = rest[::-1] + dup
elif how == "blocks":
    doc = doc[2500:4000] + doc[:2500] + doc[4000:]
else:
    for i in range(20, 4000, 2):
        doc[i], doc[i + 1] = doc[i + 1], doc[i]
json.dump(doc, open(sys.argv[2], "w"), indent=4)
EOF2
	for n in 1 2; do
		PERF_JOBS=$n run 1 perf compare --format json "$T/base.json" "$T/cur-$how.json"
		test_cmp "$T/in-order" "$T/out"
	done
done

test_begin "small inputs and real files: the same on many threads as on one"
for pair in "java-benchmarks-all.json java-benchmarks-all.json" \
	    "collections-linux.json collections-mac.json" \
	    "blake3-intel.json blake3-m1.json" "fs2.json fs2.json"; do
	set -- $pair
	for fmt in json text; do
		PERF_JOBS=1 perf compare --format $fmt "$J/$1" "$J/$2" >"$T/one" 2>"$T/one-err"
		want=$?
		PERF_JOBS=8 run $want perf compare --format $fmt "$J/$1" "$J/$2"
		test_cmp "$T/one" "$T/out"
		test_cmp "$T/one-err" "$T/err"
	done
done

test_begin "fewer rows than threads: one row a thread"
$MAKE "$T/two-base.json" <<'EOF2'
[{"b": "org.ex.A.run", "s": 10.0, "raw": [[10.0, 10.1, 9.9, 10.2, 9.8]]},
 {"b": "org.ex.B.run", "m": "avgt", "u": "ns/op", "s": 5.0}]
EOF2
$MAKE "$T/two-cur.json" <<'EOF2'
[{"b": "org.ex.A.run", "s": 12.0, "raw": [[12.0, 12.1, 11.9, 12.2, 11.8]]},
 {"b": "org.ex.C.run", "s": 1.0}]
EOF2
for fmt in json text markdown junit github; do
	PERF_JOBS=1 perf compare --format $fmt "$T/two-base.json" "$T/two-cur.json" >"$T/one" 2>"$T/one-err"
	PERF_JOBS=8 run 0 perf compare --format $fmt "$T/two-base.json" "$T/two-cur.json"
	test_cmp "$T/one" "$T/out"
	test_cmp "$T/one-err" "$T/err"
done
PERF_JOBS=8 run 0 perf compare --format json "$T/two-base.json" "$T/two-cur.json"
json_is '["improvement", "missing", "new"]' '[b["status"] for b in d["benchmarks"]]'

test_begin "PERF_JOBS out of 1 to 8: warned about and ignored"
run 1 perf compare --format json "$T/base.json" "$T/cur.json"
mv "$T/out" "$T/out-default"
mv "$T/err" "$T/err-default"
for bad in 0 9 -1 abc 2x " 2" 99999999999999999999; do
	PERF_JOBS=$bad run 1 perf compare --format json "$T/base.json" "$T/cur.json"
	test_cmp "$T/out-default" "$T/out"
	{ printf "perf compare: warning: ignoring PERF_JOBS='%s' (expected 1 to 8)\n" "$bad"
	  cat "$T/err-default"; } >"$T/err-want"
	test_cmp "$T/err-want" "$T/err"
done
PERF_JOBS=abc run 1 perf compare -q --format json "$T/base.json" "$T/cur.json"
expect_no_err
PERF_JOBS= run 1 perf compare --format json "$T/base.json" "$T/cur.json"
test_cmp "$T/err-default" "$T/err"

test_done
