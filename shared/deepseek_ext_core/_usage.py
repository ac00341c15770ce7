"""Usage normalisation and estimated cost in USD (docs/deepseek-api.md §3.3, §8).

Cost = cache-hit tokens x hit price + cache-miss tokens x miss price + completion tokens (reasoning
included) x output price, per million tokens. Since 2026-08-16 prices differ between peak hours
(Beijing 09:00-12:00 and 14:00-18:00 on weekdays, i.e. 01:00-04:00 and 06:00-10:00 UTC) and off-peak
hours; DeepSeek prices a request by its completion time (docs/deepseek-api.md §8.2). The table is
dated and can be replaced: it is an estimate, the bill is DeepSeek's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import NamedTuple, Protocol

from ._capabilities import get_capabilities
from ._response import Usage

PRICES_AS_OF = "2026-09-10"
_MILLION = Decimal(1_000_000)
_PEAK_UTC_HOURS = frozenset({1, 2, 3, 6, 7, 8, 9})


@dataclass(frozen=True, slots=True)
class ModelPrice:
    """USD per million tokens, off-peak and peak."""

    cache_hit: Decimal
    cache_miss: Decimal
    output: Decimal
    peak_cache_hit: Decimal
    peak_cache_miss: Decimal
    peak_output: Decimal

    def rates(self, *, peak: bool) -> tuple[Decimal, Decimal, Decimal]:
        """Cache-hit, cache-miss and output prices in peak or off-peak hours."""
        if peak:
            return self.peak_cache_hit, self.peak_cache_miss, self.peak_output
        return self.cache_hit, self.cache_miss, self.output


PriceTable = Mapping[str, ModelPrice]

DEFAULT_PRICES: PriceTable = {
    "deepseek-flash": ModelPrice(
        Decimal("0.003"), Decimal("0.15"), Decimal("0.60"),
        Decimal("0.006"), Decimal("0.30"), Decimal("1.20"),
    ),
    "deepseek-v4-pro": ModelPrice(
        Decimal("0.022"), Decimal("0.66"), Decimal("1.98"),
        Decimal("0.044"), Decimal("1.32"), Decimal("3.96"),
    ),
}  # fmt: skip

WEB_TOOL_PRICE_USD = Decimal("0.00075")
"""One successful web Search or Fetch request, peak or not: $0.75 per 1,000 (from 2026-10-17,
docs/deepseek-api.md §8.1). Unsuccessful ones (no results, no content) are free."""

# OCR, document parsing, ASR and TTS (from 2026-11-13, docs/deepseek-api.md §6.11-6.14) have
# CNY prices only. They are converted at the rate DeepSeek's own tables imply: Search and Fetch
# cost CNY 5 = USD 0.75 per 1,000 requests (docs/deepseek-api.md §6.9, §8.1): CNY 1 = USD 0.15.
MEDIA_PRICES_AS_OF = "2026-11-13"
USD_PER_CNY = Decimal("0.15")
"""DeepSeek's implied exchange rate (CNY 5 = USD 0.75 in its Search/Fetch prices)."""
OCR_PRICE_CNY_PER_1000_PAGES = Decimal("1.5")
ASR_PRICE_CNY_PER_HOUR = Decimal("0.78")
"""The list price; DeepSeek announced 50% off (CNY 0.39) for a limited time, not counted."""
TTS_PRICE_CNY_PER_10000_CHARACTERS = Decimal("3")
"""The list price; 50% off for a limited time, not counted. A Chinese character counts 2."""
OCR_PAGE_PRICE_USD = OCR_PRICE_CNY_PER_1000_PAGES * USD_PER_CNY / 1000
"""One page recognized by OCR or parsed through the Files API (USD 0.000225)."""
ASR_SECOND_PRICE_USD = ASR_PRICE_CNY_PER_HOUR * USD_PER_CNY / 3600
"""One second of audio transcribed (billed per second, started seconds counted)."""
TTS_CHARACTER_PRICE_USD = TTS_PRICE_CNY_PER_10000_CHARACTERS * USD_PER_CNY / 10000
"""One billed character of speech (USD 0.000045)."""


class UsageSummary(NamedTuple):
    """Usage in the terms both frameworks use (a NamedTuple: built on every call, where a frozen
    dataclass's `__init__` costs four times as much)."""

    input_tokens: int
    output_tokens: int
    total_tokens: int
    cache_hit_tokens: int
    cache_miss_tokens: int
    reasoning_tokens: int


def summarize_usage(usage: Usage) -> UsageSummary:
    """The normalised view of DeepSeek's usage object."""
    return UsageSummary(
        input_tokens=usage.prompt_tokens,
        output_tokens=usage.completion_tokens,
        total_tokens=usage.total_tokens or usage.prompt_tokens + usage.completion_tokens,
        cache_hit_tokens=usage.cache_hit_tokens,
        cache_miss_tokens=usage.cache_miss_tokens,
        reasoning_tokens=usage.reasoning_tokens,
    )


def is_peak(at: datetime) -> bool:
    """Whether `at` falls in DeepSeek's weekday peak hours."""
    utc = _as_utc(at)
    return utc.weekday() < 5 and utc.hour in _PEAK_UTC_HOURS


def _as_utc(at: datetime) -> datetime:
    return at.astimezone(timezone.utc) if at.tzinfo else at.replace(tzinfo=timezone.utc)


def _next_change(at: datetime, *, to_peak: bool) -> datetime:
    """The first hour boundary after `at` where `is_peak` becomes `to_peak` (`at` itself when it
    already is). Peak hours are whole hours, so stepping hour by hour finds every change; a week
    holds both kinds, so the search ends."""
    utc = _as_utc(at)
    if is_peak(utc) == to_peak:
        return utc
    hour = utc.replace(minute=0, second=0, microsecond=0)
    for _ in range(24 * 7):
        hour += timedelta(hours=1)
        if is_peak(hour) == to_peak:
            return hour
    raise AssertionError("no change of price period within a week")  # pragma: no cover


def next_peak_start(at: datetime) -> datetime:
    """When peak prices next apply, in UTC (`at` itself during peak hours)."""
    return _next_change(at, to_peak=True)


def next_off_peak_start(at: datetime) -> datetime:
    """When off-peak prices next apply, in UTC (`at` itself outside peak hours)."""
    return _next_change(at, to_peak=False)


def price_for(model: str, prices: PriceTable | None = None) -> ModelPrice | None:
    """The price of `model` (a legacy name is priced as the model it is served by)."""
    table = DEFAULT_PRICES if prices is None else prices
    return table.get(model) or table.get(get_capabilities(model).canonical)


def estimate_peak_uncached_cost(
    model: str, usage: Usage, *, prices: PriceTable | None = None
) -> Decimal | None:
    """What `usage` would cost at peak prices with every input token a cache miss: the price of
    sending the same work at any hour without warming DeepSeek's cache first."""
    price = price_for(model, prices)
    if price is None:
        return None
    total = (
        usage.prompt_tokens * price.peak_cache_miss + usage.completion_tokens * price.peak_output
    )
    return total / _MILLION


def estimate_cost(
    model: str,
    usage: Usage,
    *,
    at: datetime | None = None,
    prices: PriceTable | None = None,
) -> Decimal | None:
    """Estimated USD cost of one request; None when the model has no price in the table."""
    price = price_for(model, prices)
    if price is None:
        return None
    hit, miss, out = price.rates(peak=is_peak(at or datetime.now(timezone.utc)))
    total = (
        usage.cache_hit_tokens * hit
        + usage.cache_miss_tokens * miss
        + usage.completion_tokens * out
    )
    return total / _MILLION


class PricedResponse(Protocol):
    """What pricing needs of an answer: `ChatCompletion`, `ChatCompletionChunk`, `FIMCompletion`."""

    @property
    def model(self) -> str: ...
    @property
    def created(self) -> int: ...
    @property
    def usage(self) -> Usage | None: ...


_LATEST_PLAUSIBLE = datetime(2200, 1, 1, tzinfo=timezone.utc).timestamp()


def completed_at(created: int | float | None) -> datetime | None:
    """When an answer completed, from its `created` (Unix seconds); None, priced as now, when
    it is missing or not plausible seconds (some gateways send milliseconds)."""
    if not created or not 0 < created < _LATEST_PLAUSIBLE:
        return None
    return datetime.fromtimestamp(created, tz=timezone.utc)


def estimate_response_cost(
    response: PricedResponse, *, requested_model: str = "", prices: PriceTable | None = None
) -> Decimal | None:
    """Estimated USD cost of an answer: the model DeepSeek answered with (else the one asked
    for), priced at the time it was created, since the peak-hour price applies by completion time
    (docs/deepseek-api.md §8.2). None without usage or without a price for the model."""
    if response.usage is None:
        return None
    at = completed_at(response.created)
    model = response.model or requested_model
    return estimate_cost(model, response.usage, at=at, prices=prices)
