#!/usr/bin/env python3
"""Write a git fast-import stream of a synthetic project history (stdlib).

Usage: gen_git_history.py [--commits N] [--start YYYY-MM-DD] [--step SECONDS]
                          [--seed S]  > stream

N commits (default 20000), one every --step seconds (default 1800) from
--start (default 2025-06-01), on main with a side branch merged every 40
commits.  Each commit changes 1-3 of 400 Java files (a few lines each, now
and then a binary asset); about one message in six names a performance
word (chunk, memory, cache, gc, heap, ...), some only in "gcc"-like words.
Commit times jitter by up to an hour, out of order now and then.
"""
import argparse
import random
import sys
import time
import calendar

WORDS = ["chunk", "memory", "cache", "performance", "optimization", "loading",
         "allocation", "gc", "heap"]
PLAIN = ["fix typo", "refactor parser", "update docs", "bump version", "rename field",
         "tidy imports", "add test", "build with gcc", "improve logging", "clean up"]
DIRS = ["src/world", "src/net", "src/chunk", "src/cache", "src/util", "src/memory",
        "src/render", "src/performance", "src/io", "src/ui"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--commits", type=int, default=20000)
    ap.add_argument("--start", default="2025-06-01")
    ap.add_argument("--step", type=int, default=1800)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    t0 = calendar.timegm(time.strptime(a.start, "%Y-%m-%d"))
    files = ["%s/F%03d.java" % (DIRS[i % len(DIRS)], i) for i in range(400)]
    contents = {}
    out = sys.stdout.buffer
    mark = 0
    main_mark = None
    side_mark = None

    def data(b):
        out.write(b"data %d\n" % len(b))
        out.write(b)
        out.write(b"\n")

    for n in range(a.commits):
        on_side = n % 40 in range(30, 38)
        if n % 40 == 30:
            side_mark = main_mark
        mark += 1
        t = t0 + n * a.step + rnd.randint(-1800, 1800)
        if rnd.random() < 0.01:
            t -= 3 * 86400       # a skewed clock
        if rnd.random() < 1 / 6:
            msg = "%s %s in %s" % (rnd.choice(["Tune", "Speed up", "Rework", "Fix"]),
                                   rnd.choice(WORDS), rnd.choice(["loader", "world", "server", "region"]))
        else:
            msg = rnd.choice(PLAIN).capitalize()
        branch = b"refs/heads/side" if on_side else b"refs/heads/main"
        out.write(b"commit " + branch + b"\n")
        out.write(b"mark :%d\n" % mark)
        sig = b"Dev %d <dev%d@example.org> %d +0000\n" % (n % 7, n % 7, t)
        out.write(b"author " + sig)
        out.write(b"committer " + sig)
        data(("%s (#%d)\n" % (msg, n)).encode())
        parent = side_mark if on_side else main_mark
        if parent is not None:
            out.write(b"from :%d\n" % parent)
        if n % 40 == 38 and side_mark is not None:
            out.write(b"merge :%d\n" % side_mark)
        for _ in range(rnd.randint(1, 3)):
            f = rnd.choice(files)
            if rnd.random() < 0.02:
                blob = bytes(rnd.getrandbits(8) for _ in range(256))
                f = f.replace(".java", ".bin")
            else:
                lines = contents.get(f, [])
                k = rnd.randint(1, 12)
                lines = lines[k:] + ["    int v%d = %d;\n" % (n, i) for i in range(k + rnd.randint(0, 8))]
                lines = lines[-200:]
                contents[f] = lines
                blob = "".join(lines).encode()
            out.write(b"M 100644 inline " + f.encode() + b"\n")
            data(blob)
        out.write(b"\n")
        if on_side:
            side_mark = mark
        else:
            main_mark = mark
    out.write(b"reset refs/heads/main\nfrom :%d\n\n" % main_mark)


if __name__ == "__main__":
    main()
