#!/usr/bin/env python3
"""Make and transform JMH result files for the CLI tests.

  jmhtool.py scale IN OUT FACTOR [--match REGEX] [--secondary]
      multiply scores and raw samples of matching benchmarks by FACTOR
  jmhtool.py make OUT < SPEC.json
      expand a compact spec (a list of {"b": name, "m": mode, "u": unit,
      "s": score, "raw": [[...]], "hist": [[[[v, c], ...]]], "params": {...},
      "sec": {name: {"s":..., "u":..., "raw": ...}}, "nover": true})
      into a full JMH document
"""
import json
import re
import sys


def metric(spec):
    m = {"score": spec["s"], "scoreError": spec.get("e", "NaN"),
         "scoreConfidence": [spec["s"], spec["s"]],
         "scorePercentiles": {"0.0": spec["s"], "50.0": spec["s"], "100.0": spec["s"]},
         "scoreUnit": spec.get("u", "ops/s")}
    if "raw" in spec:
        m["rawData"] = spec["raw"]
    if "hist" in spec:
        m["rawDataHistogram"] = spec["hist"]
    return m


def make(out):
    spec = json.load(sys.stdin)
    doc = []
    for e in spec:
        r = {}
        if not e.get("nover"):
            r["jmhVersion"] = "1.37"
        r["benchmark"] = e["b"]
        r["mode"] = e.get("m", "thrpt")
        r["threads"] = 1
        r["forks"] = 1
        r["jvm"] = "/usr/lib/jvm/java-17/bin/java"
        r["jvmArgs"] = []
        r["jdkVersion"] = "17.0.15"
        r["warmupIterations"] = 1
        r["warmupTime"] = "1 s"
        r["measurementIterations"] = 5
        r["measurementTime"] = "1 s"
        if "params" in e:
            r["params"] = e["params"]
        r["primaryMetric"] = metric(e)
        r["secondaryMetrics"] = {k: metric(v) for k, v in e.get("sec", {}).items()}
        doc.append(r)
    with open(out, "w") as f:
        json.dump(doc, f, indent=4)


def scale(src, out, factor, match=None, secondary=False):
    doc = json.load(open(src))
    rx = re.compile(match) if match else None

    def sc(m):
        if isinstance(m.get("score"), (int, float)):
            m["score"] *= factor
        if "rawData" in m:
            m["rawData"] = [[v * factor if isinstance(v, (int, float)) else v for v in fork]
                            for fork in m["rawData"]]
        if "rawDataHistogram" in m:
            m["rawDataHistogram"] = [[[[p[0] * factor, p[1]] for p in it] for it in fork]
                                     for fork in m["rawDataHistogram"]]
    for e in doc:
        if rx and not rx.search(e["benchmark"]):
            continue
        sc(e["primaryMetric"])
        if secondary:
            for m in e.get("secondaryMetrics", {}).values():
                sc(m)
    with open(out, "w") as f:
        json.dump(doc, f, indent=4)


def main(argv):
    if len(argv) >= 2 and argv[1] == "make":
        make(argv[2])
    elif len(argv) >= 5 and argv[1] == "scale":
        match = None
        secondary = "--secondary" in argv
        if "--match" in argv:
            match = argv[argv.index("--match") + 1]
        scale(argv[2], argv[3], float(argv[4]), match, secondary)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
