"""Profile one contender's operation against the benchmark server (the evidence behind RESULTS.md).

    python benchmarks/hotspots.py "LI DeepSeek" stream [--route think] [--repeat 20] [--top 25]
    python benchmarks/hotspots.py core call --diff httpx   # own time per call, minus the floor's

Runs the operation under cProfile after a warm-up and prints the functions with the most own
time, per operation, grouped by package (`own ms by package`) and one by one. With `--diff`,
the package table is printed for both contenders, so what one adds over the other is visible.
cProfile inflates Python-level calls roughly uniformly; read the shares, not the absolute times.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import pstats
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _contenders import CONTENDERS  # noqa: E402
from run import start_server  # noqa: E402

ROUTES = {"call": "plain", "stream": "s1000"}


def _package(filename: str) -> str:
    path = filename.replace("\\", "/")
    for marker in ("site-packages/", "/main/shared/", "/main/", "/lib/python3"):
        if marker in path:
            rest = path.split(marker, 1)[1]
            return "stdlib" if marker == "/lib/python3" else rest.split("/", 1)[0]
    return "builtins" if filename.startswith("~") else filename


def profile(name: str, op: str, root: str, route: str, repeat: int) -> pstats.Stats:
    client = CONTENDERS[name].make(f"{root}/{route}")
    run = getattr(client, op)
    for _ in range(3):
        run()
    gc.collect()
    gc.freeze()  # as run.py does: no contender pays for scanning the frameworks' objects
    profiler = cProfile.Profile(time.process_time)  # CPU time: other processes do not count
    profiler.enable()
    for _ in range(repeat):
        run()
    profiler.disable()
    gc.unfreeze()
    return pstats.Stats(profiler)


def by_package(stats: Any, repeat: int) -> dict[str, float]:
    own: dict[str, float] = defaultdict(float)
    for (filename, _, _), (_, _, tottime, _, _) in stats.stats.items():
        own[_package(filename)] += tottime * 1e3 / repeat
    return dict(sorted(own.items(), key=lambda kv: -kv[1]))


def _own(stats: Any, repeat: int) -> dict[str, tuple[float, float]]:
    """Own ms and calls per op, by function."""
    out: dict[str, tuple[float, float]] = {}
    for (filename, line, func), (_, ncalls, tottime, _, _) in stats.stats.items():
        key = f"{_package(filename)}:{Path(filename).name}:{line}({func})"
        out[key] = (tottime * 1e3 / repeat, ncalls / repeat)
    return out


def print_diff(a: Any, b: Any, repeat: int, top: int) -> None:
    """Functions by own time per op that the first contender spends beyond the second."""
    own_a, own_b = _own(a, repeat), _own(b, repeat)
    rows = []
    for key in own_a.keys() | own_b.keys():
        ms_a, calls_a = own_a.get(key, (0.0, 0.0))
        ms_b, calls_b = own_b.get(key, (0.0, 0.0))
        rows.append((ms_a - ms_b, calls_a - calls_b, key))
    rows.sort(reverse=True)
    print(f"\n== own ms per op, first minus second (top {top}); calls per op difference")
    for delta, calls, key in rows[:top]:
        print(f"  {delta:+8.4f} ms  {calls:+8.1f} calls  {key}")
    print("  ...")
    for delta, calls, key in rows[-5:]:
        print(f"  {delta:+8.4f} ms  {calls:+8.1f} calls  {key}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("contender", choices=list(CONTENDERS))
    parser.add_argument("op", choices=["call", "stream"])
    parser.add_argument("--route", default=None, help="plain, s1000, think or control")
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--diff", default=None, help="a second contender to compare with")
    parser.add_argument("--think", default="45000,5000")
    args = parser.parse_args()
    route = args.route or ROUTES[args.op]
    reasoning, answer = (int(n) for n in args.think.split(","))
    server: subprocess.Popen[str]
    server, root, _ = start_server((reasoning, answer))
    try:
        names = [args.contender] + ([args.diff] if args.diff else [])
        profiles = {}
        for name in names:
            stats = profile(name, args.op, root, route, args.repeat)
            profiles[name] = stats
            packages = by_package(stats, args.repeat)
            print(f"\n== {name} {args.op} ({route}): own ms per op by package, total "
                  f"{sum(packages.values()):.3f}")  # fmt: skip
            for package, ms in packages.items():
                if ms >= 0.001:
                    print(f"  {ms:9.3f}  {package}")
            if name == args.contender and not args.diff:
                stats.sort_stats("tottime").print_stats(args.top)
        if args.diff:
            print_diff(profiles[args.contender], profiles[args.diff], args.repeat, args.top)
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
