#!/usr/bin/env python3
"""Generate synthetic JMH `-rf json` result files for perfsuite's benches.

Usage:
  gen_jmh.py [--benchmarks N] [--forks F --iterations I | --samples K]
             [--noise PCT] [--fork-noise PCT] [--seed S] [--base-seed B]
             [--mode avgt|thrpt] [--gc] [--gc-names dot|plain]
             [--changed N --shift PCT [--changed-seed C] [--truth FILE]]
             [--outlier-rate R --outlier-min PCT --outlier-max PCT]
             [-o FILE]

The output has JMH's shape and layout (4-space indentation, `"key" : value`,
Java's Double.toString number format, "NaN" strings, `]` + 3 newlines at
the end): score is the mean of the raw samples, scoreError the 99.9%
Student-t half-width, scorePercentiles commons-math's legacy estimator,
exactly as JMH computes them (checked against the real files in
shared/data/jmh).

Seeds:
  --base-seed  names, params, units and true values.  Two files made with the
               same --base-seed and --benchmarks contain the same benchmark
               identities (benchmark + mode + params) with the same true
               values.
  --seed       the measurement noise (and outliers).  Use a different one for
               baseline and current.
  --changed-seed  which --changed benchmarks get --shift; independent of the
               other seeds, so every file made with the same --benchmarks
               and --changed agrees on the set.

--shift PCT makes the changed benchmarks PCT percent *worse*: for avgt
(time/op, lower is better) true values are multiplied by 1+PCT/100, for thrpt
(ops/time) divided by it.  A negative PCT is an improvement.  --truth FILE
gets the changed identities as a JSON array of {"benchmark", "mode", "params"}
objects (one a line).

Outliers (--outlier-rate R): every sample independently, with probability R,
is slowed down by a factor 1+U(min,max)/100 (multiplied for avgt, divided
for thrpt): a GC pause or a noisy neighbour.  With --gc such an iteration
also shows a lower gc.alloc.rate (MB/sec); gc.alloc.rate.norm (B/op) is
unaffected.

Defaults (2 forks x 5 iterations, no secondaries) make
`gen_jmh.py --benchmarks 20000` about 42 MB (a sample costs about 40 bytes,
an entry's metadata and percentiles about 1.7 kB); --gc adds 3 or 4
secondary metrics with the same number of samples, about 3.3x the size
(136 MB).
"""

import argparse
import json
import math
import random
import sys

PERCENTILES = ("0.0", "50.0", "90.0", "95.0", "99.0", "99.9", "99.99",
               "99.999", "99.9999", "100.0")
PERCENTILE_VALUES = tuple(float(p) for p in PERCENTILES)


# --------------------------------------------------------------------------
# Statistics (standard library only)

def _betacf(a, b, x):
    """Continued fraction for the incomplete beta function (Lentz)."""
    tiny = 1e-300
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    if abs(d) < tiny:
        d = tiny
    d = 1.0 / d
    h = d
    for m in range(1, 300):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        if abs(d) < tiny:
            d = tiny
        c = 1.0 + aa / c
        if abs(c) < tiny:
            c = tiny
        d = 1.0 / d
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        if abs(d) < tiny:
            d = tiny
        c = 1.0 + aa / c
        if abs(c) < tiny:
            c = tiny
        d = 1.0 / d
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < 1e-15:
            break
    return h


def betainc(a, b, x):
    """Regularized incomplete beta I_x(a, b)."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    lbt = (math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)
           + a * math.log(x) + b * math.log1p(-x))
    if x < (a + 1.0) / (a + b + 2.0):
        return math.exp(lbt) * _betacf(a, b, x) / a
    return 1.0 - math.exp(lbt) * _betacf(b, a, 1.0 - x) / b


def t_sf2(t, df):
    """Two-sided p-value P(|T| > |t|) of Student's t with df degrees."""
    if t != t or df <= 0:
        return float("nan")
    if math.isinf(t):
        return 0.0
    return betainc(df / 2.0, 0.5, df / (df + t * t))


_TQ_CACHE = {}


def t_quantile(p, df):
    """Quantile of Student's t (p > 0.5), by bisection on t_sf2."""
    key = (p, df)
    if key in _TQ_CACHE:
        return _TQ_CACHE[key]
    target = 2.0 * (1.0 - p)          # two-sided tail mass
    lo, hi = 0.0, 1.0
    while t_sf2(hi, df) > target:
        hi *= 2.0
    for _ in range(200):
        mid = (lo + hi) / 2.0
        if t_sf2(mid, df) > target:
            lo = mid
        else:
            hi = mid
        if hi - lo < 1e-13 * hi:
            break
    _TQ_CACHE[key] = (lo + hi) / 2.0
    return _TQ_CACHE[key]


def percentile(sorted_values, p):
    """commons-math3 Percentile, LEGACY estimation (what JMH uses)."""
    n = len(sorted_values)
    if p == 0.0 or n == 1:
        return sorted_values[0]
    pos = p * (n + 1) / 100.0
    if pos < 1.0:
        return sorted_values[0]
    if pos >= n:
        return sorted_values[-1]
    f = int(pos)
    d = pos - f
    lower = sorted_values[f - 1]
    return lower + d * (sorted_values[f] - lower)


# --------------------------------------------------------------------------
# Java's Double.toString

def jd(x):
    """Format a float the way Java's Double.toString (and so JMH) does."""
    ax = abs(x)
    if 1e-3 <= ax < 1e7:
        return repr(x)          # Python's shortest repr is plain here too
    if x != x:
        return '"NaN"'
    if math.isinf(x):
        return '"Infinity"' if x > 0 else '"-Infinity"'
    if x == 0.0:
        return "-0.0" if math.copysign(1.0, x) < 0 else "0.0"
    s = repr(ax)
    if "e" in s:
        mant, exp = s.split("e")
        exp = int(exp)
    else:
        mant, exp = s, 0
    if "." in mant:
        ip, fp = mant.split(".")
    else:
        ip, fp = mant, ""
    digits = (ip + fp).lstrip("0")
    # value = 0.<digits> * 10**point
    point = len(ip) + exp - (len(ip + fp) - len((ip + fp).lstrip("0")))
    digits = digits.rstrip("0") or "0"
    sign = "-" if x < 0 else ""
    return "%s%s.%sE%d" % (sign, digits[0], digits[1:] or "0", point - 1)


def jstr(s):
    return json.dumps(s, ensure_ascii=False)


# --------------------------------------------------------------------------
# Benchmark catalogue (depends on --base-seed only)

PACKAGES = ("world", "chunk", "render", "net", "storage", "entity", "physics",
            "script", "codec", "collections", "io", "ui", "audio", "pathfind")
NOUNS = ("Region", "Block", "Entity", "Packet", "Buffer", "Tile", "Light",
         "Biome", "Mesh", "Shader", "Sound", "Inventory", "Recipe", "Path",
         "Tree", "Queue", "Map", "Index", "Codec", "Stream", "Palette",
         "Section", "Heightmap", "Noise", "Spawner", "Tracker", "Selector",
         "Command", "Registry", "Tag", "Nbt", "Zip", "Json", "Vector",
         "Matrix", "Quad", "Octree", "Graph", "Ring", "Pool")
ADJECTIVES = ("Fast", "Lazy", "Concurrent", "Packed", "Sparse", "Dense",
              "Cached", "Pooled", "Async", "Direct", "Heap", "Striped",
              "Linked", "Sorted", "Compact", "Immutable", "Mutable", "Naive",
              "Batched", "Parallel")
VERBS = ("load", "save", "encode", "decode", "lookup", "insert", "remove",
         "iterate", "sort", "merge", "split", "hash", "copy", "resize",
         "serialize", "deserialize", "compress", "decompress", "render",
         "update", "tick", "scan", "search", "build", "flush", "parse",
         "format", "compute", "resolve", "validate")
OBJECTS = ("", "All", "One", "Batch", "Range", "Random", "Sequential",
           "Cold", "Warm", "Small", "Large", "Nested", "Empty", "Full")

# Second parameters some classes have (besides "size").
EXTRA_PARAMS = (("impl", ("array", "hash")), ("threads", ("1", "4")),
                ("codec", ("raw", "lz4")), ("mode", ("sync", "async")))

AVGT_UNITS = (("ns/op", 1e-9), ("us/op", 1e-6), ("ms/op", 1e-3))
THRPT_UNITS = (("ops/s", 1.0), ("ops/ms", 1e3), ("ops/us", 1e6))


def catalogue(n, base_seed, mode):
    """Return n entries: (benchmark, params(list of pairs), true, unit,
    unit_seconds, alloc_norm) sorted as JMH sorts them."""
    rng = random.Random("catalogue:%d" % base_seed)
    entries = []
    used = set()
    while len(entries) < n:
        while True:
            cls = "org.perfsuite.bench.%s.%s%s%sBenchmark" % (
                rng.choice(PACKAGES), rng.choice(ADJECTIVES),
                rng.choice(NOUNS), rng.choice(NOUNS))
            if cls not in used:
                used.add(cls)
                break
        unit_i = rng.randrange(3)
        axes = [("size", ("10", "100", "1000"))]
        if rng.random() < 0.25:
            axes.append(EXTRA_PARAMS[rng.randrange(len(EXTRA_PARAMS))])
        methods = set()
        for _ in range(rng.randint(3, 10)):
            methods.add(rng.choice(VERBS) + rng.choice(OBJECTS))
        for meth in sorted(methods):
            name = cls + "." + meth
            # time of one op at size 10, in seconds: 20 ns .. 20 ms
            t10 = math.exp(rng.uniform(math.log(2e-8), math.log(2e-2)))
            alpha = rng.uniform(0.0, 1.0)
            alloc = 0.0 if rng.random() < 0.2 else \
                math.exp(rng.uniform(math.log(16), math.log(1e6)))
            combos = [[]]
            for key, values in axes:
                combos = [c + [(key, v)] for c in combos for v in values]
            for params in combos:
                size = int(params[0][1])
                t = t10 * (size / 10.0) ** alpha
                for _k, v in params[1:]:
                    if v in ("hash", "4", "lz4", "async"):
                        t *= rng.uniform(0.5, 2.0)
                a = alloc * (size / 10.0) ** alpha
                if mode == "avgt":
                    unit, scale = AVGT_UNITS[unit_i]
                    true = t / scale
                else:
                    unit, scale = THRPT_UNITS[unit_i]
                    true = 1.0 / t / scale
                entries.append((name, params, true, unit, t, a))
    entries = entries[:n]
    entries.sort(key=lambda e: (e[0], [(k, len(v), v) for k, v in e[1]]))
    return entries


# --------------------------------------------------------------------------
# Output

I2, I3, I4, I5, I6 = " " * 8, " " * 12, " " * 16, " " * 20, " " * 24


def metric_block(out, ind, score, err, lo, hi, samples_sorted, unit, raw):
    """Append one JMH metric object body (without its opening line)."""
    i1 = ind + "    "
    i2 = i1 + "    "
    i3 = i2 + "    "
    out.append('%s"score" : %s,\n' % (i1, jd(score)))
    out.append('%s"scoreError" : %s,\n' % (i1, jd(err)))
    out.append('%s"scoreConfidence" : [\n%s%s,\n%s%s\n%s],\n'
               % (i1, i2, jd(lo), i2, jd(hi), i1))
    out.append('%s"scorePercentiles" : {\n' % i1)
    pcs = [percentile(samples_sorted, p) for p in PERCENTILE_VALUES]
    out.append(",\n".join('%s"%s" : %s' % (i2, k, jd(v))
                          for k, v in zip(PERCENTILES, pcs)))
    out.append("\n%s},\n" % i1)
    out.append('%s"scoreUnit" : %s,\n' % (i1, jstr(unit)))
    out.append('%s"rawData" : [\n' % i1)
    sep = ",\n" + i3
    out.append(",\n".join("%s[\n%s%s\n%s]" % (
        i2, i3, sep.join(jd(v) for v in fork), i2) for fork in raw))
    out.append("\n%s]\n" % i1)


def stats(raw, conf_t):
    flat = [v for fork in raw for v in fork]
    n = len(flat)
    score = sum(flat) / n     # JMH: plain sum / n
    if n > 1:
        m = score
        var = sum((v - m) * (v - m) for v in flat) / (n - 1)
        err = conf_t(n - 1) * math.sqrt(var) / math.sqrt(n)
        lo, hi = score - err, score + err
    else:
        err = lo = hi = float("nan")
    flat.sort()
    return score, err, lo, hi, flat


def main(argv=None):
    ap = argparse.ArgumentParser(
        description="Generate a synthetic JMH -rf json result file.")
    ap.add_argument("--benchmarks", type=int, default=100,
                    help="number of entries (identities), default 100")
    ap.add_argument("--samples", type=int,
                    help="K samples in one fork (= --forks 1 --iterations K)")
    ap.add_argument("--forks", type=int, default=2, help="default 2")
    ap.add_argument("--iterations", type=int, default=5,
                    help="measurement iterations per fork, default 5")
    ap.add_argument("--noise", type=float, default=1.0,
                    help="relative gaussian sd of a sample, percent (1)")
    ap.add_argument("--fork-noise", type=float, default=0.0,
                    help="relative gaussian sd of a per-fork offset, "
                         "percent (0)")
    ap.add_argument("--seed", type=int, default=1, help="noise seed (1)")
    ap.add_argument("--base-seed", type=int, default=42,
                    help="seed of names, params and true values (42)")
    ap.add_argument("--mode", choices=("avgt", "thrpt"), default="avgt")
    ap.add_argument("--changed", type=int, default=0,
                    help="number of benchmarks that get --shift")
    ap.add_argument("--changed-seed", type=int, default=7,
                    help="seed choosing the changed benchmarks (7)")
    ap.add_argument("--shift", type=float, default=0.0,
                    help="percent slow-down of the changed benchmarks "
                         "(negative: speed-up)")
    ap.add_argument("--truth", help="write the changed identities here")
    ap.add_argument("--outlier-rate", type=float, default=0.0)
    ap.add_argument("--outlier-min", type=float, default=10.0,
                    help="percent (10)")
    ap.add_argument("--outlier-max", type=float, default=30.0,
                    help="percent (30)")
    ap.add_argument("--gc", action="store_true",
                    help="add -prof gc secondary metrics")
    ap.add_argument("--gc-names", choices=("dot", "plain"), default="dot",
                    help="'dot': ·gc.alloc.rate.norm (JMH <= 1.35), "
                         "'plain': gc.alloc.rate.norm (JMH >= 1.36)")
    ap.add_argument("-o", "--output", default="-", help="output file (stdout)")
    a = ap.parse_args(argv)

    if a.samples is not None:
        a.forks, a.iterations = 1, a.samples
    if a.benchmarks < 0 or a.forks < 1 or a.iterations < 1:
        ap.error("--benchmarks >= 0, --forks >= 1, --iterations >= 1")
    if not 0 <= a.changed <= a.benchmarks:
        ap.error("--changed must be between 0 and --benchmarks")
    if not 0.0 <= a.outlier_rate <= 1.0:
        ap.error("--outlier-rate must be between 0 and 1")
    if a.outlier_min > a.outlier_max:
        ap.error("--outlier-min must not exceed --outlier-max")

    entries = catalogue(a.benchmarks, a.base_seed, a.mode)
    changed = set(random.Random("changed:%d" % a.changed_seed)
                  .sample(range(a.benchmarks), a.changed))
    # The changed set is drawn from positions in catalogue order, which
    # depends on --base-seed and --benchmarks only.
    if a.truth:
        with open(a.truth, "w", encoding="utf-8") as tf:
            rows = [json.dumps({"benchmark": entries[i][0], "mode": a.mode,
                                "params": dict(entries[i][1])},
                               ensure_ascii=False)
                    for i in sorted(changed)]
            tf.write("[\n" + ",\n".join(rows) + ("\n" if rows else "")
                     + "]\n")

    rng = random.Random("noise:%d" % a.seed)
    gauss = rng.gauss
    rand = rng.random
    uniform = rng.uniform
    noise = a.noise / 100.0
    fnoise = a.fork_noise / 100.0
    orate = a.outlier_rate
    omin, omax = a.outlier_min / 100.0, a.outlier_max / 100.0
    shift = 1.0 + a.shift / 100.0
    avgt = a.mode == "avgt"
    conf_t = lambda df: t_quantile(0.9995, df)   # noqa: E731
    dot = "\u00b7" if a.gc_names == "dot" else ""
    jmh_version = "1.35" if a.gc_names == "dot" else "1.37"

    header_tail = (
        '        "threads" : 1,\n'
        '        "forks" : %d,\n'
        '        "jvm" : "/usr/lib/jvm/java-17-openjdk-amd64/bin/java",\n'
        '        "jvmArgs" : [\n'
        '            "-Xms2g",\n'
        '            "-Xmx2g"\n'
        '        ],\n'
        '        "jdkVersion" : "17.0.9",\n'
        '        "vmName" : "OpenJDK 64-Bit Server VM",\n'
        '        "vmVersion" : "17.0.9+9-Ubuntu-122.04",\n'
        '        "warmupIterations" : 5,\n'
        '        "warmupTime" : "10 s",\n'
        '        "warmupBatchSize" : 1,\n'
        '        "measurementIterations" : %d,\n'
        '        "measurementTime" : "10 s",\n'
        '        "measurementBatchSize" : 1,\n') % (a.forks, a.iterations)

    out_f = sys.stdout if a.output == "-" else \
        open(a.output, "w", encoding="utf-8", newline="\n")
    try:
        out_f.write("[\n")
        for idx, (name, params, true, unit, op_s, alloc) in enumerate(entries):
            if idx in changed:
                true = true * shift if avgt else true / shift
                op_s = op_s * shift
            raw = []
            slow = []       # per-sample slow-down factors, for gc metrics
            for _f in range(a.forks):
                base = true * (1.0 + fnoise * gauss(0.0, 1.0)) if fnoise \
                    else true
                fork = []
                fslow = []
                for _i in range(a.iterations):
                    v = base * (1.0 + noise * gauss(0.0, 1.0))
                    s = 1.0
                    if orate and rand() < orate:
                        s = 1.0 + uniform(omin, omax)
                        v = v * s if avgt else v / s
                    fork.append(v if v > 0.0 else true * 1e-3)
                    fslow.append(s)
                raw.append(fork)
                slow.append(fslow)
            out = ['    {\n' if idx == 0 else ',\n    {\n',
                   '        "jmhVersion" : "%s",\n' % jmh_version,
                   '        "benchmark" : %s,\n' % jstr(name),
                   '        "mode" : "%s",\n' % a.mode,
                   header_tail,
                   '        "params" : {\n',
                   ",\n".join('            %s : %s' % (jstr(k), jstr(v))
                              for k, v in params),
                   '\n        },\n',
                   '        "primaryMetric" : {\n']
            score, err, lo, hi, flat = stats(raw, conf_t)
            metric_block(out, I2, score, err, lo, hi, flat, unit, raw)
            out.append('        },\n        "secondaryMetrics" : {\n')
            if a.gc:
                gc_metrics(out, dot, raw, slow, op_s, alloc, avgt, rng,
                           conf_t)
            out.append('        }\n    }')
            out_f.write("".join(out))
        out_f.write("\n]\n\n\n" if entries else "]\n\n\n")
    finally:
        if out_f is not sys.stdout:
            out_f.close()
    return 0


def gc_metrics(out, dot, raw, slow, op_s, alloc, avgt, rng, conf_t):
    """-prof gc: alloc.rate (MB/sec), alloc.rate.norm (B/op), gc.count
    (counts, a sum: scoreError NaN), gc.time (ms, only when there were
    collections)."""
    gauss = rng.gauss
    iter_s = 10.0
    rate_raw, norm_raw, count_raw, time_raw = [], [], [], []
    for fork, fslow in zip(raw, slow):
        rr, nr, cr, tr = [], [], [], []
        for _v, s in zip(fork, fslow):
            ops_per_s = 1.0 / (op_s * s * (1.0 + 0.01 * gauss(0.0, 1.0)))
            norm = alloc * (1.0 + 1e-6 * abs(gauss(0.0, 1.0))) if alloc \
                else 1e-5 * abs(gauss(0.0, 1.0))
            rate = norm * ops_per_s / (1024.0 * 1024.0)
            # one young collection per ~512 MB allocated
            count = float(int(rate * iter_s / 512.0 + rng.random()))
            rr.append(rate)
            nr.append(norm)
            cr.append(count)
            tr.append(float(int(count * rng.uniform(0.5, 3.0))))
        rate_raw.append(rr)
        norm_raw.append(nr)
        count_raw.append(cr)
        time_raw.append(tr)
    blocks = [("gc.alloc.rate", "MB/sec", rate_raw, False),
              ("gc.alloc.rate.norm", "B/op", norm_raw, False),
              ("gc.count", "counts", count_raw, True)]
    if any(c for fork in count_raw for c in fork):
        blocks.append(("gc.time", "ms", time_raw, True))
    parts = []
    for name, unit, data, is_sum in blocks:
        part = ['            %s : {\n' % jstr(dot + name)]
        score, err, lo, hi, flat = stats(data, conf_t)
        if is_sum:
            score = float(sum(flat))
            err, lo, hi = float("nan"), score, score
        metric_block(part, I3, score, err, lo, hi, flat, unit, data)
        part.append('            }')
        parts.append("".join(part))
    out.append(",\n".join(parts))
    out.append("\n")


if __name__ == "__main__":
    sys.exit(main())
