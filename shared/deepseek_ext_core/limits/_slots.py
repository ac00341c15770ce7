"""How the clients hold a limiter's lease: a release callable (what the send paths and streams
already call once), told whether DeepSeek answered 429 before it is called."""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Mapping
from decimal import Decimal
from typing import Any

from .._usage import PricedResponse, estimate_response_cost
from ._base import Lease, Limiter, estimate_request_cost

__all__ = [
    "AsyncSlot",
    "Slot",
    "budgeted",
    "mark_status",
    "released",
    "request_estimate",
    "settlement",
]

_PENDING: set[Any] = set()
"""Releases scheduled from synchronous callbacks (a stream closed), kept until they ran."""


class Slot:
    """Releases `lease` when called (once); `rate_limited` is set from the answer's status."""

    __slots__ = ("_lease", "rate_limited")

    def __init__(self, lease: Lease) -> None:
        self._lease = lease
        self.rate_limited = False

    def __call__(self) -> None:
        self._lease.release(rate_limited=self.rate_limited)


class AsyncSlot(Slot):
    """The same from a coroutine's world: the release runs as a task of the running loop (a
    stream's close callback is synchronous), or at once where no loop runs."""

    __slots__ = ()

    def __call__(self) -> None:
        release = self._lease.arelease(rate_limited=self.rate_limited)
        _schedule(release)


async def released(release: Callable[[], None]) -> None:
    """Calls `release` from a coroutine, awaiting a shared limiter's release (so the slot is
    free before the caller goes on) instead of scheduling it."""
    if isinstance(release, AsyncSlot):
        await release._lease.arelease(rate_limited=release.rate_limited)
    else:
        release()


def _schedule(release: Coroutine[Any, Any, None]) -> None:
    import asyncio  # loaded already wherever an async client runs

    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        release.close()
        return
    task = loop.create_task(release)
    _PENDING.add(task)
    task.add_done_callback(_PENDING.discard)


def mark_status(release: Callable[[], None], status: int) -> None:
    """Tells a slot what DeepSeek answered (a 429 slows every worker sharing the limiter)."""
    if isinstance(release, Slot):
        release.rate_limited = status == 429


def budgeted(limiter: Limiter | None) -> bool:
    """Whether `limiter` keeps a spend cap (then requests are estimated before sending)."""
    return getattr(limiter, "max_cost_usd", None) is not None


def request_estimate(limiter: Limiter | None, body: Mapping[str, Any] | None) -> Decimal:
    """The estimate a budgeted limiter reserves for `body` (0 without a budget or a body)."""
    if body is None or not budgeted(limiter):
        return Decimal(0)
    return estimate_request_cost(body)


def settlement(
    limiter: Limiter | None, body: Mapping[str, Any], response: PricedResponse
) -> Decimal:
    """What to correct a budgeted limiter's spend by once `response` shows what the request
    really cost: its cost minus the estimate reserved before sending (0 without a budget)."""
    if not budgeted(limiter):
        return Decimal(0)
    actual = estimate_response_cost(response, requested_model=str(body.get("model") or ""))
    if actual is None:
        return Decimal(0)
    return actual - estimate_request_cost(body)
