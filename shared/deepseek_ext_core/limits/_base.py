"""The limiter interface the clients use, and the request estimate a budget needs."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any, Protocol, runtime_checkable

from .._tokens import count_tokens
from .._usage import is_peak, price_for

__all__ = ["DEFAULT_OUTPUT_GUESS", "Lease", "Limiter", "estimate_request_cost"]

DEFAULT_OUTPUT_GUESS = 1024
"""Output tokens a request is priced at before sending, when it sets no `max_tokens`."""
_MILLION = Decimal(1_000_000)


class Lease(Protocol):
    """One slot, held while one request is in flight. Release it exactly once (again is a
    no-op), saying whether DeepSeek answered 429 and what the answer cost, if known."""

    def release(self, *, rate_limited: bool = False, cost_usd: Decimal | None = None) -> None:
        """Frees the slot (blocking I/O for a shared limiter)."""

    async def arelease(
        self, *, rate_limited: bool = False, cost_usd: Decimal | None = None
    ) -> None:
        """Frees the slot from a coroutine."""


@runtime_checkable
class Limiter(Protocol):
    """What the clients ask before each request."""

    def acquire(self, *, timeout: float | None, estimate_usd: Decimal = Decimal(0)) -> Lease:
        """A slot, waiting at most `timeout` seconds (None: as long as it takes); raises a
        `LimiterError` instead of sending when none can be had."""

    async def aacquire(self, *, timeout: float | None, estimate_usd: Decimal = Decimal(0)) -> Lease:
        """`acquire` for coroutines."""

    def settle(self, delta_usd: Decimal) -> None:
        """Corrects the spend by what an answer really cost minus its estimate."""

    async def asettle(self, delta_usd: Decimal) -> None:
        """`settle` for coroutines."""


def estimate_request_cost(body: Mapping[str, Any]) -> Decimal:
    """What a chat or FIM body may cost before it is sent: its input (DeepSeek's published
    characters-per-token ratios, every token a cache miss) and `max_tokens` of output (or
    `DEFAULT_OUTPUT_GUESS`), at the current hour's prices; 0 for a model without a price."""
    model = str(body.get("model") or "")
    price = price_for(model)
    if price is None:
        return Decimal(0)
    text = json.dumps(body.get("messages", body.get("prompt")), ensure_ascii=False)
    input_tokens = count_tokens(text, method="estimate")
    output = body.get("max_tokens")
    output_tokens = output if isinstance(output, int) and output > 0 else DEFAULT_OUTPUT_GUESS
    _, miss, out = price.rates(peak=is_peak(datetime.now(timezone.utc)))
    return (input_tokens * miss + output_tokens * out) / _MILLION
