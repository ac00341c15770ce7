"""Measure one proposed change: the same contenders with and without it, in alternating rounds.

    python benchmarks/ab.py PATCH [--figures call,stream,think] [--rounds 30] [--think 18000,2000]
    python benchmarks/ab.py --list

PATCH is a name from `_patches.py` (each is the new code of one diff in
`proposed-core-changes.md`). Every round runs each contender once unpatched and once patched,
in a rotating order; the patch is installed just before its batch and removed just after, so both
variants share the process, the heap, the server and the machine's load. Printed: the medians,
the median of per-round ratios patched/unpatched (below 1 is a gain) and the median difference.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _measure import Batch, Series, paired_ratio, round_robin  # noqa: E402
from _patches import PATCHES, Undo  # noqa: E402
from run import FIGURES, QUICK, Bench, start_server  # noqa: E402

UNITS = {"call": ("plain", False), "stream": ("s1000", True), "think": ("think", True)}


def patched(batch: Batch, apply: object) -> Batch:
    def run() -> tuple[float, float]:
        undo: Undo = apply()  # type: ignore[operator]
        try:
            return batch()
        finally:
            undo()

    return run


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("patch", nargs="?", choices=list(PATCHES))
    parser.add_argument("--list", action="store_true")
    parser.add_argument("--figures", default=None)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--think", default="18000,2000")
    args = parser.parse_args()
    if args.list or not args.patch:
        for name, patch in PATCHES.items():
            print(f"{name:20s} {', '.join(patch.contenders)}  [{', '.join(patch.figures)}]")
        return
    patch = PATCHES[args.patch]
    figures = args.figures.split(",") if args.figures else list(patch.figures)
    reasoning, answer = (int(n) for n in args.think.split(","))
    server, root, events = start_server((reasoning, answer))
    try:
        bench = Bench(QUICK, root, events)
        names = bench.names(list(patch.contenders))
        for figure in figures:
            route, stream = UNITS[figure]
            repeat = 1 if stream else 50
            units = events[route] if stream else repeat
            rounds = max(3, args.rounds // 6) if figure == "think" else args.rounds
            batches: dict[str, Batch] = {}
            for name in names:
                batch = bench._batch(name, route, repeat, units, stream)
                batches[name] = batch
                batches[name + " +patch"] = patched(batch, patch.apply)
            results = round_robin(batches, rounds)
            report(figure, names, results, FIGURES[figure].scale, FIGURES[figure].unit)
    finally:
        server.terminate()
        server.wait()


def report(
    figure: str, names: list[str], results: dict[str, Series], scale: float, unit: str
) -> None:
    print(f"\n{figure} ({unit}): unpatched, patched, patched/unpatched (paired), difference")
    for name in names:
        a, b = results[name], results[name + " +patch"]
        ratio, spread = paired_ratio(b, a)
        diff = statistics.median(y - x for x, y in zip(a.cpu, b.cpu, strict=True)) * scale
        print(f"  {name:14s} {a.median() * scale:9.3f} {b.median() * scale:9.3f}   "
              f"{ratio:.3f} ±{spread * 100:.0f}%   {diff:+.3f}")  # fmt: skip


if __name__ == "__main__":
    main()
