#!/usr/bin/env python3
"""History files for perf weekly's tests, and the answers they should give.

  histgen.py gen [--start DATE] [--days N] [--step SECONDS] [--seed N]
                 [--families chunk,memory,tps] [--extra NAME]... [--drift PCT]
                 [--dip DAY:HOUR]                        > history.jsonl
      minute (or --step) samples from DATE 00:00 UTC for N days; --drift
      raises every chunk/heap value by PCT percent in the second week;
      --dip puts 10 minutes of low TPS at DAY (0-based) HOUR.

  histgen.py expect FILE WEEK_START [THRESHOLD]
      the contract's figures for the week, computed here independently of
      perf, printed as JSON.

Standard library only.  Sums are plain left-to-right loops (not sum(),
which compensates since Python 3.12) so that results match perf's bit for
bit.
"""
import json
import math
import random
import sys
from datetime import datetime, timedelta, timezone


def parse_date(s):
    return datetime.strptime(s, "%Y-%m-%d").replace(tzinfo=timezone.utc)


def rfc3339(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def gen(args):
    start = parse_date("2026-11-16")
    days, step, seed = 14, 60, 1
    families = ["chunk", "memory", "tps"]
    extras, drift, dips = [], 0.0, []
    i = 0
    while i < len(args):
        a, v = args[i], args[i + 1] if i + 1 < len(args) else None
        i += 2
        if a == "--start":
            start = parse_date(v)
        elif a == "--days":
            days = int(v)
        elif a == "--step":
            step = int(v)
        elif a == "--seed":
            seed = int(v)
        elif a == "--families":
            families = [f for f in v.split(",") if f]
        elif a == "--extra":
            extras.append(v)
        elif a == "--drift":
            drift = float(v)
        elif a == "--dip":
            d, h = v.split(":")
            dips.append((int(d), int(h)))
        else:
            sys.exit("histgen: unknown option " + a)
    rnd = random.Random(seed)
    out = sys.stdout
    n = days * 86400 // step
    for k in range(n):
        t = start + timedelta(seconds=k * step)
        day = k * step // 86400
        factor = 1 + drift / 100 if day >= 7 else 1.0
        rec = {"timestamp": rfc3339(t)}
        if "chunk" in families:
            rec["chunk_loading"] = {
                "average_ms": round(rnd.uniform(10, 14) * factor, 2),
                "p95_ms": round(rnd.uniform(25, 35), 1),
            }
        if "memory" in families:
            rec["memory"] = {
                "heap_used_mb": round(rnd.uniform(2000, 2300) * factor),
                "peak_mb": round(rnd.uniform(2400, 2800)),
                "gc_count": rnd.randint(0, 1),
            }
        if "tps" in families:
            tps = round(rnd.uniform(19.6, 20.1) if rnd.random() > 0.02 else rnd.uniform(19.0, 19.5), 2)
            hour = (k * step % 86400) // 3600
            minute = (k * step % 3600) // 60
            if (day, hour) in dips and minute < 10:
                tps = round(rnd.uniform(12.0, 14.0), 2)
            rec["tps"] = {"average": tps}
        for name in extras:
            node = rec
            parts = name.split(".")
            for p in parts[:-1]:
                node = node.setdefault(p, {})
            node[parts[-1]] = round(rnd.uniform(100, 200) * factor, 3)
        out.write(json.dumps(rec) + "\n")


def mean(xs):
    s = 0.0
    for x in xs:
        s += x
    return s / len(xs) if xs else None


def pct95(xs):
    if not xs:
        return None
    x = sorted(xs)
    n = len(x)
    if n == 1:
        return x[0]
    h = (n - 1) * 95 / 100.0
    if h >= n - 1:
        return x[-1]
    lo = math.floor(h)
    return x[lo] + (h - lo) * (x[lo + 1] - x[lo])


def change(a, b):
    if a is None or b is None:
        return None
    if a == 0:
        return 0.0 if b == 0 else None
    return (b - a) / abs(a) * 100.0


def get(rec, path):
    node = rec
    for p in path.split("."):
        if not isinstance(node, dict) or p not in node:
            return None
        node = node[p]
    if isinstance(node, bool) or not isinstance(node, (int, float)):
        return None
    return float(node)


def leaves(rec, prefix=""):
    for k, v in rec.items():
        if not prefix and k == "timestamp":
            continue
        name = prefix + "." + k if prefix else k
        if isinstance(v, dict):
            yield from leaves(v, name)
        elif isinstance(v, (int, float)) and not isinstance(v, bool):
            yield name, float(v)


def figures(samples):
    cl = [v for v in (get(r, "chunk_loading.average_ms") for _, r in samples) if v is not None]
    heap = [v for v in (get(r, "memory.heap_used_mb") for _, r in samples) if v is not None]
    peak = [v for v in (get(r, "memory.peak_mb") for _, r in samples) if v is not None]
    gc = [v for v in (get(r, "memory.gc_count") for _, r in samples) if v is not None]
    tps = sorted(((t, v) for t, v in ((t, get(r, "tps.average")) for t, r in samples)
                  if v is not None), key=lambda p: p[0])
    gc_per_hour = None
    if gc and len(samples) > 1:
        ts = [t for t, _ in samples]
        hours = (max(ts) - min(ts)).total_seconds() / 3600.0
        if hours > 0:
            s = 0.0
            for v in gc:
                s += v
            gc_per_hour = s / hours
    worst = None
    for i, (t0, _) in enumerate(tps):
        s, n = 0.0, 0
        for t, v in tps[i:]:
            if (t - t0).total_seconds() >= 300:
                break
            s += v
            n += 1
        m = s / n
        if worst is None or m < worst:
            worst = m
    tv = [v for v in (get(r, "tps.average") for _, r in samples) if v is not None]
    return {
        "chunk_loading": {"average_ms": mean(cl), "p95_ms": pct95(cl)},
        "memory": {"average_heap_mb": mean(heap), "peak_mb": max(peak) if peak else None,
                   "gc_per_hour": gc_per_hour},
        "tps": {"average": mean(tv),
                "stability_percent": 100.0 * len([v for v in tv if v > 19.5]) / len(tv) if tv else None,
                "worst_5min": worst},
    }


def expect(path, week_start, threshold=5.0):
    start = parse_date(week_start)
    end = start + timedelta(days=7)
    prev = start - timedelta(days=7)
    weeks = {0: [], 1: []}
    for line in open(path, encoding="utf-8", errors="replace"):
        try:
            rec = json.loads(line)
            t = datetime.fromisoformat(rec["timestamp"].replace("Z", "+00:00"))
        except Exception:
            continue
        if not isinstance(rec, dict) or "event" in rec:
            continue
        if prev <= t < start:
            weeks[0].append((t, rec))
        elif start <= t < end:
            weeks[1].append((t, rec))
    now, before = figures(weeks[1]), figures(weeks[0])
    now["chunk_loading"]["week_over_week_change"] = change(
        before["chunk_loading"]["average_ms"], now["chunk_loading"]["average_ms"])
    series = [{}, {}]
    for w in (0, 1):
        for _, rec in weeks[w]:
            for name, v in leaves(rec):
                series[w].setdefault(name, []).append(v)
    changes = {}
    for name in series[1]:
        if name not in series[0]:
            continue
        a, b = mean(series[0][name]), mean(series[1][name])
        c = change(a, b)
        lower = any(name.lower().endswith(s) for s in (
            "_ms", "_us", "_ns", "_s", "_sec", "_seconds", "_millis", "_mb", "_kb", "_gb", "_bytes")) \
            or any(k in name.lower() for k in (
                "time", "duration", "latency", "memory", "alloc", "heap", "gc", "pause", "error"))
        if a == b or (c is not None and abs(c) <= threshold):
            kind = "stable"
        else:
            worse = (b - a) if lower else (a - b)
            kind = "regression" if worse > 0 else "improvement"
        changes[name] = {"type": kind, "impact_percent": c}
    others = {}
    for name, xs in series[1].items():
        if name in ("chunk_loading.average_ms", "memory.heap_used_mb", "memory.peak_mb",
                    "memory.gc_count", "tps.average"):
            continue
        others[name] = {"samples": len(xs), "mean": mean(xs), "p95": pct95(xs), "min": min(xs),
                        "max": max(xs),
                        "week_over_week_change": change(mean(series[0][name]), mean(xs))
                        if name in series[0] else None}
    print(json.dumps({"metrics_summary": now, "changes": changes, "other_metrics": others,
                      "samples": {"week": len(weeks[1]), "previous_week": len(weeks[0])}}))


if __name__ == "__main__":
    if len(sys.argv) >= 2 and sys.argv[1] == "gen":
        gen(sys.argv[2:])
    elif len(sys.argv) in (4, 5) and sys.argv[1] == "expect":
        expect(sys.argv[2], sys.argv[3], float(sys.argv[4]) if len(sys.argv) == 5 else 5.0)
    else:
        sys.exit(__doc__)
