#!/usr/bin/env python3
"""Evaluate the accuracy bench (bench/accuracy.sh) -- not meant to be run
by hand, though it can be:

  accuracy_eval.py --dir DIR [--reference all|null|none] [--alpha A]

DIR holds what accuracy.sh made:
  truth.json                         changed identities (gen_jmh.py --truth)
  null.base.json  null.cur.json  null.perf.json   scenario a
  shift.base.json shift.cur.json shift.perf.json  scenario b
  outl.base.json  outl.cur.json  outl.perf.json   scenario c
(*.perf.json: `perf compare --format json --level release BASE CUR`).

Prints the counts and a PASS/FAIL line per target.  Exit 0 when the
evaluation could be done (whatever the verdicts), 2 when an input is
missing or not what it should be.

The reference counts are computed here from the raw samples, standard
library only: Welch's t-test and Mann-Whitney U (normal approximation with
tie correction), two-sided, without correction, with Bonferroni and with
Benjamini-Hochberg (FDR) at --alpha.  They show what a per-benchmark test
without multiple-comparison correction would flag, and which corrected
tests can meet the targets.
"""

import argparse
import json
import math
import os
import statistics
import sys

sys.dont_write_bytecode = True      # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_jmh import t_sf2  # noqa: E402

NORMAL = statistics.NormalDist()

# (name, title, whether the truth set applies)
SCENARIOS = (
    ("null", "a. null (same true values, fresh noise)", False),
    ("shift", "b. 200 benchmarks 3% worse", True),
    ("outl", "c. as b, plus 10% of samples slowed 10-30%", True),
)


class Broken(Exception):
    pass


def identity(benchmark, mode, params):
    return (benchmark, mode,
            tuple(sorted((str(k), str(v)) for k, v in (params or {}).items())))


def load_json(path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except OSError as e:
        raise Broken("cannot read %s: %s" % (path, e.strerror))
    except ValueError as e:
        raise Broken("%s is not valid JSON: %s" % (path, e))


def load_truth(path):
    rows = load_json(path)
    return {identity(r["benchmark"], r["mode"], r["params"]) for r in rows}


def load_raw(path):
    """identity -> (flat primary samples, unit) of a JMH file."""
    out = {}
    for e in load_json(path):
        pm = e["primaryMetric"]
        flat = [float(v) for fork in pm.get("rawData", []) for v in fork]
        out[identity(e["benchmark"], e["mode"], e.get("params"))] = \
            (flat, pm["scoreUnit"])
    return out


# --------------------------------------------------------------------------
# perf's JSON

def perf_counts(path, truth, expected_rows):
    doc = load_json(path)
    if not isinstance(doc, dict) or not isinstance(doc.get("benchmarks"),
                                                   list):
        raise Broken("%s: no \"benchmarks\" array" % path)
    rows = [r for r in doc["benchmarks"] if r.get("metric") == "primary"]
    c = {"rows": len(rows), "expected_rows": expected_rows,
         "result": doc.get("result"), "regressions": 0, "improvements": 0,
         "found": 0, "false_alarms": 0, "wrong_direction": 0,
         "missing_or_new": 0}
    for r in rows:
        st = r.get("status")
        if st in ("missing", "new"):
            c["missing_or_new"] += 1
            continue
        if st not in ("regression", "improvement"):
            continue
        c[st + "s"] += 1
        ident = identity(r.get("benchmark"), r.get("mode"), r.get("params"))
        if st == "regression" and ident in truth:
            c["found"] += 1
        else:
            c["false_alarms"] += 1
            if ident in truth:
                c["wrong_direction"] += 1
    c["alarms"] = c["regressions"] + c["improvements"]
    return c


# --------------------------------------------------------------------------
# Reference tests

def welch_p(a, b):
    na, nb = len(a), len(b)
    if na < 2 or nb < 2:
        return float("nan")
    ma, mb = math.fsum(a) / na, math.fsum(b) / nb
    va = math.fsum((x - ma) ** 2 for x in a) / (na - 1)
    vb = math.fsum((x - mb) ** 2 for x in b) / (nb - 1)
    sa, sb = va / na, vb / nb
    se2 = sa + sb
    if se2 <= 0.0:
        return 1.0 if ma == mb else 0.0
    t = (mb - ma) / math.sqrt(se2)
    df = se2 * se2 / ((sa * sa / (na - 1) if na > 1 else 0.0)
                      + (sb * sb / (nb - 1) if nb > 1 else 0.0))
    return t_sf2(t, df)


def mwu_p(a, b):
    na, nb = len(a), len(b)
    if not na or not nb:
        return float("nan")
    allv = sorted([(x, 0) for x in a] + [(x, 1) for x in b])
    n = na + nb
    ranks_a = 0.0
    tie_term = 0.0
    i = 0
    while i < n:
        j = i
        while j + 1 < n and allv[j + 1][0] == allv[i][0]:
            j += 1
        rank = (i + j) / 2.0 + 1.0
        t = j - i + 1
        if t > 1:
            tie_term += t ** 3 - t
        for k in range(i, j + 1):
            if allv[k][1] == 0:
                ranks_a += rank
        i = j + 1
    u = ranks_a - na * (na + 1) / 2.0
    mu = na * nb / 2.0
    var = na * nb / 12.0 * ((n + 1) - tie_term / (n * (n - 1)))
    if var <= 0.0:
        return 1.0
    z = (abs(u - mu) - 0.5) / math.sqrt(var)     # continuity correction
    if z <= 0.0:
        return 1.0
    return 2.0 * (1.0 - NORMAL.cdf(z))


_MWU_DIST = {}


def _mwu_counts(m, n):
    """Number of orderings giving each U = 0..m*n (no ties)."""
    key = (m, n)
    if key not in _MWU_DIST:
        if m == 0 or n == 0:
            _MWU_DIST[key] = [1]
        else:
            a, b = _mwu_counts(m - 1, n), _mwu_counts(m, n - 1)
            out = [0] * (m * n + 1)
            for u, c in enumerate(a):
                out[u + n] += c
            for u, c in enumerate(b):
                out[u] += c
            _MWU_DIST[key] = out
    return _MWU_DIST[key]


def mwu_exact_p(a, b):
    """Exact two-sided Mann-Whitney p-value (small samples without ties;
    falls back to the normal approximation otherwise)."""
    na, nb = len(a), len(b)
    if not na or not nb:
        return float("nan")
    if na * nb > 2500 or len(set(a) | set(b)) < na + nb:
        return mwu_p(a, b)
    u = sum(1 for x in a for y in b if x > y)
    d = _mwu_counts(na, nb)
    tot = float(sum(d))
    lo = sum(d[:u + 1]) / tot
    hi = sum(d[u:]) / tot
    return min(1.0, 2.0 * min(lo, hi))


def mad_filter(a, k=5.0):
    """Drop samples more than k scaled MADs from the median."""
    if len(a) < 3:
        return a
    med = statistics.median(a)
    mad = 1.4826 * statistics.median(abs(x - med) for x in a)
    if mad <= 0.0:
        return a
    kept = [x for x in a if abs(x - med) <= k * mad]
    return kept if len(kept) >= 2 else a


def welch_mad_p(a, b):
    return welch_p(mad_filter(a), mad_filter(b))


def trimmed_mean(x, trim=0.2):
    xs = sorted(x)
    g = int(trim * len(xs))
    return statistics.fmean(xs[g:len(xs) - g])


def mean_diff(a, b):
    return statistics.fmean(b) - statistics.fmean(a)


def pair_diff(a, b):
    """Sign of the Mann-Whitney statistic: pairs (b > a) - pairs (b < a)."""
    return sum((y > x) - (y < x) for x in a for y in b)


def mad_mean_diff(a, b):
    return statistics.fmean(mad_filter(b)) - statistics.fmean(mad_filter(a))


def trimmed_diff(a, b):
    return trimmed_mean(b) - trimmed_mean(a)



def yuen_p(a, b, trim=0.2):
    """Yuen's trimmed-mean t-test (20% trimmed, winsorized variances)."""
    parts = []
    for x in (a, b):
        n = len(x)
        g = int(trim * n)
        h = n - 2 * g
        if h < 2:
            return float("nan")
        xs = sorted(x)
        tm = math.fsum(xs[g:n - g]) / h
        w = [xs[g]] * g + xs[g:n - g] + [xs[n - g - 1]] * g
        wm = math.fsum(w) / n
        sw2 = math.fsum((v - wm) ** 2 for v in w) / (n - 1)
        parts.append((tm, (n - 1) * sw2 / (h * (h - 1)), h))
    (ta, da, ha), (tb, db, hb) = parts
    se2 = da + db
    if se2 <= 0.0:
        return 1.0 if ta == tb else 0.0
    t = (tb - ta) / math.sqrt(se2)
    df = se2 * se2 / (da * da / (ha - 1) + db * db / (hb - 1))
    return t_sf2(t, df)


# name, p-value, location difference current - baseline (its sign is the
# direction the test sees)
TESTS = (("welch", welch_p, mean_diff), ("mwu", mwu_p, pair_diff),
         ("mwu-exact", mwu_exact_p, pair_diff),
         ("welch-mad", welch_mad_p, mad_mean_diff),
         ("yuen", yuen_p, trimmed_diff))


def bh_reject(pvals, alpha):
    """Benjamini-Hochberg step-up: the set of rejected indices."""
    m = len(pvals)
    order = sorted((p, i) for i, p in enumerate(pvals) if p == p)
    k_max = 0
    for k, (p, _i) in enumerate(order, 1):
        if p <= alpha * k / m:
            k_max = k
    return {i for _p, i in order[:k_max]}


def reference_counts(base_path, cur_path, truth, alpha):
    base = load_raw(base_path)
    cur = load_raw(cur_path)
    common = sorted(set(base) & set(cur))
    pvals = {name: [] for name, _f, _d in TESTS}
    worse = {name: [] for name, _f, _d in TESTS}
    for ident in common:
        a, unit = base[ident]
        b, _ = cur[ident]
        # worse: higher for <time>/op, lower for ops/<time>
        sign = -1.0 if unit.startswith("ops/") else 1.0
        for name, f, diff in TESTS:
            if len(a) < 2 or len(b) < 2:
                pvals[name].append(float("nan"))
                worse[name].append(False)
                continue
            pvals[name].append(f(a, b))
            worse[name].append(sign * diff(a, b) > 0)
    m = len(common)
    out = {"compared": m}
    for tname, ps in pvals.items():
        deltas = worse[tname]
        sets = {
            "uncorrected": {i for i, p in enumerate(ps) if p < alpha},
            "bonferroni": {i for i, p in enumerate(ps) if p < alpha / m},
            "bh": bh_reject(ps, alpha),
        }
        for cname, rej in sets.items():
            found = sum(1 for i in rej if deltas[i] and common[i] in truth)
            out["%s_%s" % (tname, cname)] = {
                "alarms": len(rej), "found": found,
                "false_alarms": len(rej) - found}
    return out


# --------------------------------------------------------------------------

def verdict(ok):
    return "PASS" if ok else "FAIL"


def main(argv=None):
    ap = argparse.ArgumentParser(description="accuracy bench evaluation")
    ap.add_argument("--dir", required=True)
    ap.add_argument("--reference", choices=("all", "null", "none"),
                    default="all")
    ap.add_argument("--alpha", type=float, default=0.05)
    ap.add_argument("--benchmarks", type=int, default=20000)
    ap.add_argument("--changed", type=int, default=200)
    a = ap.parse_args(argv)
    d = a.dir

    try:
        truth = load_truth(os.path.join(d, "truth.json"))
        if len(truth) != a.changed:
            raise Broken("truth.json has %d identities, expected %d"
                         % (len(truth), a.changed))
        results = {}
        for name, _title, _uses in SCENARIOS:
            t = truth if name != "null" else set()
            results[name] = perf_counts(
                os.path.join(d, name + ".perf.json"), t, a.benchmarks)
        refs = {}
        for name, _title, _uses in SCENARIOS:
            if a.reference == "none" or \
                    (a.reference == "null" and name != "null"):
                continue
            print("accuracy: reference tests on scenario %s" % name,
                  file=sys.stderr)
            t = truth if name != "null" else set()
            refs[name] = reference_counts(
                os.path.join(d, name + ".base.json"),
                os.path.join(d, name + ".cur.json"), t, a.alpha)
    except Broken as e:
        print("accuracy: %s" % e, file=sys.stderr)
        return 2
    except (KeyError, TypeError) as e:
        print("accuracy: unexpected input structure: %r" % (e,),
              file=sys.stderr)
        return 2

    found_b = math.ceil(a.changed * 0.9)       # 180 of 200
    found_c = math.ceil(a.changed * 0.65)      # 130 of 200
    lines = []
    p = lines.append
    p("perf compare --format json --level release, %d benchmarks x 10 "
      "samples, 1%% noise, avgt" % a.benchmarks)
    p("")
    p("%-46s %6s %6s %6s %6s %6s" % ("scenario", "rows", "regr", "impr",
                                     "found", "false"))
    for name, title, uses in SCENARIOS:
        r = results[name]
        p("%-46s %6d %6d %6d %6s %6s" % (
            title, r["rows"], r["regressions"], r["improvements"],
            r["found"] if uses else "-", r["false_alarms"] if uses
            else r["alarms"]))
    p("")
    checks = []
    for name, _title, _uses in SCENARIOS:
        r = results[name]
        checks.append(("%s: %d primary rows compared (expected %d, none "
                       "missing or new)" % (name, r["rows"], a.benchmarks),
                       r["rows"] == a.benchmarks
                       and r["missing_or_new"] == 0))
    r = results["null"]
    checks.append(("a. null: %d alarms (target <= 20)" % r["alarms"],
                   r["alarms"] <= 20))
    for name, tag, need in (("shift", "b", found_b), ("outl", "c", found_c)):
        r = results[name]
        share = r["false_alarms"] / r["alarms"] if r["alarms"] else 0.0
        checks.append(("%s. found %d of %d (target >= %d)"
                       % (tag, r["found"], a.changed, need),
                       r["found"] >= need))
        checks.append(("%s. false alarms %d of %d alarms = %.1f%% "
                       "(target < 10%%)%s"
                       % (tag, r["false_alarms"], r["alarms"], 100 * share,
                          ", %d of them the wrong direction"
                          % r["wrong_direction"]
                          if r["wrong_direction"] else ""),
                       r["alarms"] > 0 and share < 0.10))
    for text, ok in checks:
        p("%s  %s" % (verdict(ok), text))

    if refs:
        p("")
        p("reference (computed here from the raw samples, alpha %.3g; "
          "not perf):" % a.alpha)
        p("%-30s %s" % ("test + correction", "   ".join(
            "%-22s" % ("%s alarms/found/false" % n) for n in refs)))
        for key in ("welch_uncorrected", "mwu_uncorrected",
                    "welch_bonferroni", "mwu-exact_bonferroni",
                    "welch-mad_bonferroni", "yuen_bonferroni",
                    "welch_bh", "mwu_bh", "mwu-exact_bh",
                    "welch-mad_bh", "yuen_bh"):
            cells = []
            for n in refs:
                c = refs[n][key]
                if n == "null":
                    cells.append("%-22s" % ("%d alarms" % c["alarms"]))
                else:
                    cells.append("%-22s" % ("%d/%d/%d" % (
                        c["alarms"], c["found"], c["false_alarms"])))
            p("%-30s %s" % (key.replace("_", " + "), "   ".join(cells)))
        p("(welch: Welch's t; mwu: Mann-Whitney, normal approximation; "
          "mwu-exact: exact U")
        p(" distribution; welch-mad: Welch after dropping samples beyond 5 "
          "scaled MADs of")
        p(" the median; yuen: Yuen's 20%-trimmed t; bh: Benjamini-Hochberg; "
          "found counts")
        p(" significant regressions among the shifted benchmarks)")
        if "null" in refs:
            p("")
            p("a. without multiple-comparison correction a per-benchmark "
              "test at p < %.3g flags %d (Welch) / %d (Mann-Whitney) of %d "
              "unchanged benchmarks"
              % (a.alpha, refs["null"]["welch_uncorrected"]["alarms"],
                 refs["null"]["mwu_uncorrected"]["alarms"],
                 refs["null"]["compared"]))
    print("\n".join(lines))
    print("accuracy: %d of %d targets met" % (
        sum(1 for _t, ok in checks if ok), len(checks)), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
