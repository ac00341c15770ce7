"""When a batch may send: now, or in DeepSeek's off-peak hours only (docs/deepseek-api.md §8.1).

DeepSeek prices a request by the time it completes (docs/deepseek-api.md §8.2), so an off-peak
job stops sending a `margin` before the next peak starts: what is in flight then still finishes
at off-peak prices. The peak rules (hours and weekdays) are the core's price table's (`is_peak`).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Literal, Protocol, TypeAlias

from .._usage import is_peak, next_off_peak_start, next_peak_start

__all__ = ["Clock", "Gate", "SystemClock", "Window", "window_gate"]

Window: TypeAlias = Literal["now", "off-peak"]


class Clock(Protocol):
    """Time as a batch job sees it (tests inject one that jumps instead of sleeping)."""

    def now(self) -> datetime:
        """The current time, timezone-aware."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Waits `seconds`."""
        ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        return datetime.now(timezone.utc)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


@dataclass(frozen=True, slots=True)
class Gate:
    """Whether requests may be sent at one moment, and until or from when."""

    open: bool
    change: datetime | None
    """Open: when sending must stop (None: never). Closed: when it may start again."""


def window_gate(window: Window, now: datetime, margin: timedelta) -> Gate:
    """The gate of `window` at `now`."""
    if window == "now":
        return Gate(True, None)
    if is_peak(now):
        return Gate(False, next_off_peak_start(now))
    peak = next_peak_start(now)
    if peak - now <= margin:
        return Gate(False, next_off_peak_start(peak))
    return Gate(True, peak - margin)
