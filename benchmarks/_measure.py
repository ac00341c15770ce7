"""Interleaved measurement and the statistics printed from it.

Every round runs one batch of every contender, in an order that rotates from round to round, so
load from other processes on the machine falls on all contenders alike and cancels in the
ratios. Ratios are paired: contender over reference within the same round, then the median
over rounds. Spreads are interquartile ranges, printed as +-half the IQR relative to the median.
"""

from __future__ import annotations

import asyncio
import gc
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field


@dataclass
class Series:
    """Per-round samples of one contender in one figure (per unit: call, chunk or burst)."""

    cpu: list[float] = field(default_factory=list)
    wall: list[float] = field(default_factory=list)

    def median(self, wall: bool = False) -> float:
        return statistics.median(self.wall if wall else self.cpu)

    def spread(self, wall: bool = False) -> float:
        """Half the interquartile range, relative to the median."""
        return rel_spread(self.wall if wall else self.cpu)


def quartiles(values: list[float]) -> tuple[float, float, float]:
    if len(values) < 4:
        return min(values), statistics.median(values), max(values)
    q1, q2, q3 = statistics.quantiles(values, n=4, method="inclusive")
    return q1, q2, q3


def rel_spread(values: list[float]) -> float:
    q1, q2, q3 = quartiles(values)
    return (q3 - q1) / 2 / q2 if q2 else 0.0


def paired_ratio(a: Series, b: Series, wall: bool = False) -> tuple[float, float]:
    """Median of the per-round ratios a/b, and their relative spread."""
    xs, ys = (a.wall, b.wall) if wall else (a.cpu, b.cpu)
    ratios = [x / y for x, y in zip(xs, ys, strict=False) if y > 0]
    return statistics.median(ratios), rel_spread(ratios)


Batch = Callable[[], tuple[float, float]]
"""Runs one batch; returns (CPU seconds, wall seconds) per unit."""


def sync_batch(op: Callable[[], object], repeat: int, units: float) -> Batch:
    def run() -> tuple[float, float]:
        gc.collect()
        cpu, wall = time.process_time(), time.perf_counter()
        for _ in range(repeat):
            op()
        return (time.process_time() - cpu) / units, (time.perf_counter() - wall) / units

    return run


def async_batch(
    loop: asyncio.AbstractEventLoop,
    op: Callable[[], Awaitable[object]],
    repeat: int,
    units: float,
    *,
    concurrent: bool = False,
) -> Batch:
    """`repeat` awaited calls one after another, or all at once with `asyncio.gather`."""

    async def sequential() -> None:
        for _ in range(repeat):
            await op()

    async def together() -> None:
        await asyncio.gather(*(op() for _ in range(repeat)))

    def run() -> tuple[float, float]:
        gc.collect()
        cpu, wall = time.process_time(), time.perf_counter()
        loop.run_until_complete(together() if concurrent else sequential())
        return (time.process_time() - cpu) / units, (time.perf_counter() - wall) / units

    return run


def round_robin(
    batches: dict[str, Batch],
    rounds: int,
    *,
    warmup: int = 1,
    progress: Callable[[int], None] | None = None,
) -> dict[str, Series]:
    """`rounds` rounds of one batch per contender, the order rotating each round.

    After the warm-up the heap is frozen (`gc.freeze`): every framework is loaded in this one
    process, and a full collection must not charge one contender for scanning the objects of
    the others. Objects a contender creates while measured are not frozen, so the collections
    they cause are still counted.
    """
    names = list(batches)
    for _ in range(warmup):
        for name in names:
            batches[name]()
    gc.collect()
    gc.freeze()
    series = {name: Series() for name in names}
    for index in range(rounds):
        shift = index % len(names)
        for name in names[shift:] + names[:shift]:
            cpu, wall = batches[name]()
            series[name].cpu.append(cpu)
            series[name].wall.append(wall)
        if progress:
            progress(index)
    gc.unfreeze()
    return series


def median_spread(values: list[float]) -> tuple[float, float]:
    return statistics.median(values), rel_spread(values)
