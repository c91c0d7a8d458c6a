#!/bin/sh
# perf compare's statistics: significance, p-values, too few samples,
# threshold-only decisions, sample-mode histograms, levels.
. "$top_srcdir/tests/cli/lib.sh"
MAKE="${PYTHON3:-python3} $top_srcdir/tests/cli/jmhtool.py make"

$MAKE "$T/base.json" <<'EOF2'
[{"b": "org.ex.Chunk.load", "m": "avgt", "u": "us/op", "s": 100.0, "params": {"size": "1000"},
  "raw": [[100.1, 99.8, 100.3, 99.9, 100.0, 100.2, 99.7, 100.4, 99.6, 100.0]]},
 {"b": "org.ex.Noisy.run", "m": "thrpt", "u": "ops/s", "s": 100.0,
  "raw": [[90, 100, 110, 95, 105]]},
 {"b": "org.ex.Few.run", "m": "thrpt", "u": "ops/s", "s": 100.0, "raw": [[100, 100.5]]},
 {"b": "org.ex.NoRaw.run", "m": "thrpt", "u": "ops/s", "s": 100.0}]
EOF2
$MAKE "$T/cur.json" <<'EOF2'
[{"b": "org.ex.Chunk.load", "m": "avgt", "u": "us/op", "s": 108.0, "params": {"size": "1000"},
  "raw": [[108.1, 107.8, 108.3, 107.9, 108.0, 108.2, 107.7, 108.4, 107.6, 108.0]]},
 {"b": "org.ex.Noisy.run", "m": "thrpt", "u": "ops/s", "s": 93.0,
  "raw": [[84, 93, 102, 88, 98]]},
 {"b": "org.ex.Few.run", "m": "thrpt", "u": "ops/s", "s": 90.0, "raw": [[90, 90.5]]},
 {"b": "org.ex.NoRaw.run", "m": "thrpt", "u": "ops/s", "s": 94.0}]
EOF2

test_begin "a clear 8% slowdown with raw samples is a significant regression"
run 1 perf compare --format json "$T/base.json" "$T/cur.json"
json_is '"regression"' 'd["result"]'
json_is '"regression"' '[b for b in d["benchmarks"] if b["benchmark"] == "org.ex.Chunk.load"][0]["status"]'
json_is true '[b for b in d["benchmarks"] if b["benchmark"] == "org.ex.Chunk.load"][0]["p_value"] < 0.001'
json_is true '[b for b in d["benchmarks"] if b["benchmark"] == "org.ex.Chunk.load"][0]["significant"]'
json_is '"test"' '[b for b in d["benchmarks"] if b["benchmark"] == "org.ex.Chunk.load"][0]["decided_by"]'
json_is 8.0 'round([b for b in d["benchmarks"] if b["benchmark"] == "org.ex.Chunk.load"][0]["change_percent"], 6)'
json_is '{"size": "1000"}' '[b for b in d["benchmarks"] if b["benchmark"] == "org.ex.Chunk.load"][0]["params"]'

test_begin "a 7% change buried in noise is not significant: stable"
json_is '"stable"' '[b for b in d["benchmarks"] if b["benchmark"] == "org.ex.Noisy.run"][0]["status"]'
json_is false '[b for b in d["benchmarks"] if b["benchmark"] == "org.ex.Noisy.run"][0]["significant"]'
json_is true '[b for b in d["benchmarks"] if b["benchmark"] == "org.ex.Noisy.run"][0]["p_value"] > 0.05'

test_begin "too few samples for the test ever to reach alpha: the threshold decides, with a warning"
json_is '"regression"' '[b for b in d["benchmarks"] if b["benchmark"] == "org.ex.Few.run"][0]["status"]'
json_is '"threshold"' '[b for b in d["benchmarks"] if b["benchmark"] == "org.ex.Few.run"][0]["decided_by"]'
json_is null '[b for b in d["benchmarks"] if b["benchmark"] == "org.ex.Few.run"][0]["significant"]'
expect_err 'too few raw samples for the test ever to reach alpha'

test_begin "without raw samples the threshold alone decides"
json_is '"regression"' '[b for b in d["benchmarks"] if b["benchmark"] == "org.ex.NoRaw.run"][0]["status"]'
json_is null '[b for b in d["benchmarks"] if b["benchmark"] == "org.ex.NoRaw.run"][0]["p_value"]'
json_is -6.0 'round([b for b in d["benchmarks"] if b["benchmark"] == "org.ex.NoRaw.run"][0]["change_percent"], 6)'

test_begin "thresholds: --threshold, --level and config patterns"
run 1 perf compare --format json --threshold 7 "$T/base.json" "$T/cur.json"
json_is '"stable"' '[b for b in d["benchmarks"] if b["benchmark"] == "org.ex.NoRaw.run"][0]["status"]'
json_is 7.0 '[b for b in d["benchmarks"] if b["benchmark"] == "org.ex.NoRaw.run"][0]["threshold_percent"]'
run 1 perf compare --format json --level commit --threshold 50 "$T/base.json" "$T/cur.json"
json_is 2.0 '[b for b in d["benchmarks"] if b["benchmark"] == "org.ex.NoRaw.run"][0]["threshold_percent"]'
cat >"$T/cfg.yml" <<'EOF2'
thresholds:
  "org.ex.Chunk.*": 10
  NoRaw: 6.5
alpha: 0.01
EOF2
run 1 perf compare --format json --config "$T/cfg.yml" "$T/base.json" "$T/cur.json"
json_is 10.0 '[b for b in d["benchmarks"] if b["benchmark"] == "org.ex.Chunk.load"][0]["threshold_percent"]'
json_is '"stable"' '[b for b in d["benchmarks"] if b["benchmark"] == "org.ex.Chunk.load"][0]["status"]'
json_is '"stable"' '[b for b in d["benchmarks"] if b["benchmark"] == "org.ex.NoRaw.run"][0]["status"]'
json_is 0.01 'd["alpha"]'

test_begin "--level release: threshold 0, significance alone"
run 1 perf compare --format json --level release "$T/base.json" "$T/cur.json"
json_is 0.0 '[b for b in d["benchmarks"] if b["benchmark"] == "org.ex.Chunk.load"][0]["threshold_percent"]'
json_is '"stable"' '[b for b in d["benchmarks"] if b["benchmark"] == "org.ex.Noisy.run"][0]["status"]'

test_begin "built-in thresholds from the original design"
$MAKE "$T/b2.json" <<'EOF2'
[{"b": "org.ex.World.memory_usage", "m": "avgt", "u": "MB/op", "s": 100.0},
 {"b": "org.ex.World.tps_stability", "m": "thrpt", "u": "ops/s", "s": 100.0}]
EOF2
$MAKE "$T/c2.json" <<'EOF2'
[{"b": "org.ex.World.memory_usage", "m": "avgt", "u": "MB/op", "s": 108.0},
 {"b": "org.ex.World.tps_stability", "m": "thrpt", "u": "ops/s", "s": 97.0}]
EOF2
run 1 perf compare --format json "$T/b2.json" "$T/c2.json"
json_is '[10.0, 2.0]' '[b["threshold_percent"] for b in d["benchmarks"]]'
json_is '["stable", "regression"]' '[b["status"] for b in d["benchmarks"]]'
json_is '"lower"' 'd["benchmarks"][0]["better"]'

test_begin "direction from the config overrides unit and name"
cat >"$T/dir.yml" <<'EOF2'
direction:
  tps_stability: lower
EOF2
run 0 perf compare --format json --config "$T/dir.yml" "$T/b2.json" "$T/c2.json"
json_is '"improvement"' 'd["benchmarks"][1]["status"]'

test_begin "sample mode: rawDataHistogram counts are weights"
$MAKE "$T/sb.json" <<'EOF2'
[{"b": "org.ex.Lat.get", "m": "sample", "u": "us/op", "s": 10.2,
  "hist": [[[[10.0, 500], [10.5, 300], [11.0, 200]], [[10.0, 450], [10.5, 350], [12.0, 10]]]]}]
EOF2
$MAKE "$T/sc.json" <<'EOF2'
[{"b": "org.ex.Lat.get", "m": "sample", "u": "us/op", "s": 11.5,
  "hist": [[[[11.0, 500], [11.5, 300], [12.0, 200]], [[11.0, 450], [11.5, 350], [13.0, 10]]]]}]
EOF2
run 1 perf compare --format json "$T/sb.json" "$T/sc.json"
json_is '"regression"' 'd["benchmarks"][0]["status"]'
json_is '"sample"' 'd["benchmarks"][0]["mode"]'
json_is 10.0 'd["benchmarks"][0]["baseline"]'
json_is 11.0 'd["benchmarks"][0]["current"]'
json_is true 'd["benchmarks"][0]["p_value"] < 1e-10'
run 0 perf compare --format json "$T/sb.json" "$T/sb.json"
json_is '"stable"' 'd["benchmarks"][0]["status"]'

test_begin "the geomean summary line"
run 1 perf compare "$T/base.json" "$T/cur.json"
expect_out '^geomean of current/baseline: [0-9.]+ \([+-][0-9.]+%\) over 4 benchmarks'
run 1 perf compare --format json "$T/base.json" "$T/cur.json"
json_is true 'abs(d["geomean_ratio"] - (1.08*0.93*0.9*0.94)**0.25) < 0.01'

test_done
