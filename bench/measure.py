#!/usr/bin/env python3
"""Run one command and print its wall time and peak RSS as one JSON line.

Usage:
  measure.py [--label NAME] [--stdout FILE] [--stderr FILE] -- COMMAND [ARG]...

The command's stdout goes to /dev/null (or --stdout FILE), its stderr is
inherited (or goes to --stderr FILE), its stdin is /dev/null.  Wall time is
time.perf_counter() around spawn and wait; peak RSS is ru_maxrss from
os.wait4 (Linux: kilobytes; the maximum over the child and the descendants
it waited for).  Prints

  {"label": ..., "cmd": [...], "exit": N, "signal": null|N, "wall_s": S,
   "user_s": S, "sys_s": S, "maxrss_kb": K, "floor_kb": F}

Linux charges the spawning process's memory high-water mark to the child
at exec (the child starts out as a copy of this python process), so
maxrss_kb is never below floor_kb, this process's own peak RSS at spawn
time (about 10-15 MB).  A maxrss_kb equal to floor_kb means "at most that".

and exits 0 when the command could be run, whatever its exit status; 2 when
it could not be started.
"""

import argparse
import json
import os
import resource
import sys
import time


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("--label", default=None)
    ap.add_argument("--stdout", default=os.devnull,
                    help="where the command's stdout goes (/dev/null)")
    ap.add_argument("--stderr", default=None,
                    help="where the command's stderr goes (inherited)")
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    a = ap.parse_args(argv)
    cmd = a.cmd[1:] if a.cmd[:1] == ["--"] else a.cmd
    if not cmd:
        ap.error("no command given")

    actions = [
        (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
        (os.POSIX_SPAWN_OPEN, 1, a.stdout,
         os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644),
    ]
    if a.stderr is not None:
        actions.append((os.POSIX_SPAWN_OPEN, 2, a.stderr,
                        os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644))
    sys.stdout.flush()
    sys.stderr.flush()
    floor = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    try:
        pid = os.posix_spawnp(cmd[0], cmd, os.environ, file_actions=actions)
    except OSError as e:
        print("measure.py: cannot run %s: %s" % (cmd[0], e.strerror),
              file=sys.stderr)
        return 2
    while True:
        try:
            _pid, status, ru = os.wait4(pid, 0)
            break
        except InterruptedError:
            continue
    wall = time.perf_counter() - t0
    if os.WIFSIGNALED(status):
        code, sig = 128 + os.WTERMSIG(status), os.WTERMSIG(status)
    else:
        code, sig = os.WEXITSTATUS(status), None
    print(json.dumps({"label": a.label, "cmd": cmd, "exit": code,
                      "signal": sig, "wall_s": round(wall, 6),
                      "user_s": round(ru.ru_utime, 6),
                      "sys_s": round(ru.ru_stime, 6),
                      "maxrss_kb": ru.ru_maxrss, "floor_kb": floor}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
