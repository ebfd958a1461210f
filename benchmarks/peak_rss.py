"""The peak RSS of each process of a command's tree, as it runs: a load's loader and the dbt
build forked from the worker's warm interpreter (a grandchild, which ``/usr/bin/time`` does
not count) each reported apart, largest first.

    scripts/env.sh python benchmarks/peak_rss.py -- \
        python benchmarks/load_breakdown.py --warm-dbt WORK

The command's own output passes through. RSS is read from ``/proc`` every 0.2 s (Linux), so
a peak shorter than that can be missed: the figures are a floor of the true peaks.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path


def _tree(root: int) -> dict[int, str]:
    """The processes under ``root`` (itself included): pid -> command line."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # the parent pid follows the command name, which may hold spaces: after its ")"
            parents[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
    found, todo = {}, [root]
    while todo:
        pid = todo.pop()
        try:
            found[pid] = (Path(f"/proc/{pid}/cmdline").read_bytes()
                          .replace(b"\0", b" ").decode(errors="replace").strip())
        except OSError:
            continue
        todo.extend(child for child, parent in parents.items() if parent == pid)
    return found


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def main() -> int:
    args = sys.argv[1:]
    if args[:1] == ["--"]:
        args = args[1:]
    if not args:
        print(__doc__)
        return 2
    proc = subprocess.Popen(args)
    peaks: dict[int, tuple[int, str]] = {}
    while proc.poll() is None:
        for pid, cmd in _tree(proc.pid).items():
            rss = _rss_kb(pid)
            if rss > peaks.get(pid, (0, ""))[0]:
                peaks[pid] = (rss, cmd)
        time.sleep(0.2)
    print("peak RSS per process (sampled every 0.2 s):")
    for pid, (rss, cmd) in sorted(peaks.items(), key=lambda kv: -kv[1][0])[:6]:
        print(f"{rss / 2**20:8.2f} GB  pid {pid}  {cmd[:100]}")
    return proc.returncode


if __name__ == "__main__":
    sys.exit(main())
