"""`InProcessLimiter`: the account's limits for one process (threads and event loops alike)."""

from __future__ import annotations

import asyncio
import threading
import time
from decimal import Decimal

from .._errors import BudgetExceededError, LimiterQueueFullError, LimiterTimeoutError

__all__ = ["InProcessLimiter"]

_POLL = 0.002
"""Seconds between two looks for a free slot from a coroutine (threads wait on a condition)."""


class _LocalLease:
    __slots__ = ("_estimate", "_limiter", "_released")

    def __init__(self, limiter: InProcessLimiter, estimate: Decimal) -> None:
        self._limiter = limiter
        self._estimate = estimate
        self._released = False

    def release(self, *, rate_limited: bool = False, cost_usd: Decimal | None = None) -> None:
        if not self._released:
            self._released = True
            self._limiter._give_back(self._estimate, cost_usd, rate_limited=rate_limited)

    async def arelease(
        self, *, rate_limited: bool = False, cost_usd: Decimal | None = None
    ) -> None:
        self.release(rate_limited=rate_limited, cost_usd=cost_usd)


class InProcessLimiter:
    """At most `max_concurrency` requests in flight from this process, and, with
    `max_cost_usd`, no request once what was spent plus what is in flight would pass it.

    Waiting is first come, first served; `max_queued` bounds how many may wait (back-pressure:
    `LimiterQueueFullError`). No new dependency; share one instance among clients.
    """

    def __init__(
        self,
        max_concurrency: int,
        *,
        max_queued: int | None = None,
        max_cost_usd: Decimal | float | str | None = None,
    ) -> None:
        if max_concurrency < 1:
            raise ValueError(f"max_concurrency must be 1 or more, not {max_concurrency}")
        self.max_concurrency = max_concurrency
        self.max_queued = max_queued
        self.max_cost_usd = None if max_cost_usd is None else Decimal(str(max_cost_usd))
        self.in_flight = 0
        self.spent_usd = Decimal(0)
        self._reserved = Decimal(0)
        self._queue: list[object] = []
        self._lock = threading.Condition()

    def __repr__(self) -> str:
        return (
            f"InProcessLimiter(max_concurrency={self.max_concurrency}, "
            f"in_flight={self.in_flight}, spent_usd={self.spent_usd})"
        )

    def acquire(self, *, timeout: float | None, estimate_usd: Decimal = Decimal(0)) -> _LocalLease:
        ticket = object()
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._lock:
            self._enqueue(ticket)
            try:
                while not self._take(ticket, estimate_usd):
                    left = None if deadline is None else deadline - time.monotonic()
                    if left is not None and left <= 0:
                        raise self._timeout(timeout)
                    self._lock.wait(left)
            finally:
                if ticket in self._queue:
                    self._queue.remove(ticket)
                    self._lock.notify_all()
        return _LocalLease(self, estimate_usd)

    async def aacquire(
        self, *, timeout: float | None, estimate_usd: Decimal = Decimal(0)
    ) -> _LocalLease:
        ticket = object()
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._lock:
            self._enqueue(ticket)
        try:
            while True:
                with self._lock:
                    if self._take(ticket, estimate_usd):
                        return _LocalLease(self, estimate_usd)
                if deadline is not None and time.monotonic() >= deadline:
                    raise self._timeout(timeout)
                await asyncio.sleep(_POLL)
        finally:
            with self._lock:
                if ticket in self._queue:
                    self._queue.remove(ticket)
                    self._lock.notify_all()

    def settle(self, delta_usd: Decimal) -> None:
        """Corrects the spend by what an answer really cost minus its estimate."""
        with self._lock:
            self.spent_usd = max(Decimal(0), self.spent_usd + delta_usd)

    async def asettle(self, delta_usd: Decimal) -> None:
        self.settle(delta_usd)

    def _enqueue(self, ticket: object) -> None:
        if self.max_queued is not None and len(self._queue) >= self.max_queued + self._free():
            raise LimiterQueueFullError(
                f"{len(self._queue)} requests are waiting for one of {self.max_concurrency} "
                f"slots already (max_queued={self.max_queued})"
            )
        self._queue.append(ticket)

    def _free(self) -> int:
        return max(0, self.max_concurrency - self.in_flight)

    def _take(self, ticket: object, estimate: Decimal) -> bool:
        """Takes a slot for `ticket` if it is its turn (called with the lock held)."""
        if self._queue.index(ticket) >= self._free():
            return False
        budget = self.max_cost_usd
        if budget is not None and self.spent_usd + self._reserved + estimate > budget:
            raise BudgetExceededError(
                f"the budget of ${budget} would be passed: ${self.spent_usd:.6f} spent, "
                f"${self._reserved:.6f} in flight, this request ~${estimate:.6f}"
            )
        self._queue.remove(ticket)
        self.in_flight += 1
        self._reserved += estimate
        return True

    def _give_back(self, estimate: Decimal, cost: Decimal | None, *, rate_limited: bool) -> None:
        with self._lock:
            self.in_flight -= 1
            self._reserved -= estimate
            self.spent_usd += estimate if cost is None else cost
            self._lock.notify_all()

    def _timeout(self, timeout: float | None) -> LimiterTimeoutError:
        return LimiterTimeoutError(
            f"no slot of {self.max_concurrency} came free within {timeout} s "
            f"({self.in_flight} in flight)"
        )
