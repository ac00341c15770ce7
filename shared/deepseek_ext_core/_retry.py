"""The one retry layer: policy as data, building tenacity's `Retrying` and `AsyncRetrying`.

What is retried follows DeepSeek's error table and its own client (docs/deepseek-api.md §7.1, §7.3):
429 (unless the message says the balance or quota is exhausted), 500, 502, 503, 504 and other
5xx, connection errors, timeouts, an empty or unparsable 200 body, and a non-streaming answer cut
by `insufficient_system_resource`. 400, 401, 402 and 422 are never retried. Streams are retried
only until their first chunk reaches the caller (the client enforces that).
"""

from __future__ import annotations

import email.utils
import math
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, TypeVar

from ._constants import DEFAULT_MAX_RETRIES
from ._errors import (
    APIConnectionError,
    APIStatusError,
    IncompleteGenerationError,
    InternalServerError,
    InvalidResponseError,
    RateLimitError,
    ServiceUnavailableError,
    StreamTruncatedError,
)

if TYPE_CHECKING:  # imported by the first retrier, so a healthy process never imports it
    from tenacity import AsyncRetrying, RetryCallState, Retrying

T = TypeVar("T")

_EXHAUSTED_WORDS = ("balance", "quota")


def is_retryable(exc: BaseException) -> bool:
    """Whether one failed attempt may be tried again."""
    if isinstance(exc, RateLimitError):
        return not any(word in exc.message.lower() for word in _EXHAUSTED_WORDS)
    if isinstance(exc, InternalServerError | ServiceUnavailableError):
        return True
    if isinstance(exc, APIStatusError):
        return exc.status_code >= 500
    return isinstance(exc, APIConnectionError | InvalidResponseError | StreamTruncatedError)


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a `Retry-After` header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return max(seconds, 0.0) if math.isfinite(seconds) else None
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    current = datetime.now(timezone.utc).timestamp() if now is None else now
    return max(when.timestamp() - current, 0.0)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How failed attempts are retried; one instance builds both sync and async retriers."""

    max_retries: int = DEFAULT_MAX_RETRIES
    """Retries after the first attempt (so `max_retries + 1` attempts at most)."""
    initial_backoff: float = 0.5
    """Seconds before the first retry; doubles each time."""
    max_backoff: float = 10.0
    """Upper bound of one exponential wait."""
    jitter: float = 0.1
    """Random spread of each wait, as a fraction (0.1 = ±10%)."""
    max_retry_after: float = 60.0
    """Cap on a server's `Retry-After`."""

    def __post_init__(self) -> None:
        if self.max_retries < 0:
            raise ValueError("max_retries must be 0 or more")

    def wait_seconds(self, attempt: int, exc: BaseException | None) -> float:
        """The wait before retry number `attempt` (1-based) after `exc`."""
        retry_after = getattr(exc, "retry_after", None)
        if isinstance(retry_after, int | float):
            return min(float(retry_after), self.max_retry_after)
        base: float = min(self.initial_backoff * 2.0 ** (attempt - 1), self.max_backoff)
        return base * (1.0 + random.uniform(-self.jitter, self.jitter))

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        return self.wait_seconds(state.attempt_number, exc)

    def _common(self) -> dict[str, Any]:
        from tenacity import retry_if_exception, stop_after_attempt

        return {
            "stop": stop_after_attempt(self.max_retries + 1),
            "wait": self._wait,
            "retry": retry_if_exception(is_retryable),
            "reraise": True,
            "retry_error_callback": _give_back_incomplete,
        }

    def retrying(self, sleep: Callable[[float], None] = time.sleep) -> Retrying:
        """A sync retrier (inject `sleep` in tests)."""
        from tenacity import Retrying

        return Retrying(sleep=sleep, **self._common())

    def async_retrying(
        self, sleep: Callable[[float], Awaitable[None]] | None = None
    ) -> AsyncRetrying:
        """An async retrier (inject `sleep` in tests)."""
        from tenacity import AsyncRetrying

        if sleep is None:
            return AsyncRetrying(**self._common())
        return AsyncRetrying(sleep=sleep, **self._common())

    # Tenacity's bookkeeping (a Future with its Condition, the action list, statistics) costs
    # 50-90 µs per call in a real process, a tenth of a whole loopback request, and almost every
    # call succeeds at once. So the first try runs bare; a failure is handed to tenacity as its
    # first attempt (replayed, not sent again), so what follows is exactly tenacity's: waits,
    # stop, `retry_error_callback`. Still one retry layer (docs/changelog.md, 2026-11-22).

    def call(self, attempt: Callable[[], T]) -> T:
        """`attempt()` retried per this policy."""
        try:
            return attempt()
        except Exception as exc:
            failed = [exc]

        def replay() -> T:
            if failed:
                raise failed.pop()
            return attempt()

        return self.retrying()(replay)

    async def acall(self, attempt: Callable[[], Awaitable[T]]) -> T:
        """`await attempt()` retried per this policy."""
        try:
            return await attempt()
        except Exception as exc:
            failed = [exc]

        async def replay() -> T:
            if failed:
                raise failed.pop()
            return await attempt()

        result: T = await self.async_retrying()(replay)
        return result


def _give_back_incomplete(state: RetryCallState) -> Any:
    """When retries run out on an interrupted answer, return it: the caller keeps the text."""
    exc = state.outcome.exception() if state.outcome else None
    if isinstance(exc, IncompleteGenerationError):
        return exc.completion
    if exc is not None:
        raise exc
    return None
