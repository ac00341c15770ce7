"""What a batch job did: progress while it runs, and the report at the end."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from .._response import Usage
from .._usage import PriceTable, estimate_cost, estimate_peak_uncached_cost
from ._input import BadLine

__all__ = ["BatchReport", "Progress"]

_CENT = Decimal("0.000001")
_FAILURES_SHOWN = 10


@dataclass(frozen=True, slots=True)
class Progress:
    """A snapshot while the job runs (`on_progress` receives one after every answer)."""

    done: int
    """Answered in this run (successes and refusals)."""
    failed: int
    in_flight: int
    remaining: int
    """Neither answered nor failed yet, in flight included."""
    total_tokens: int
    cache_hit_rate: float
    cost_usd: Decimal
    seconds_left: float | None
    """Estimated from the pace so far; None until as many requests as run at once have
    finished (the first answers come back together and say little of the pace)."""
    waiting_until: str | None = None
    """While an off-peak job waits: when it goes on (ISO 8601, UTC)."""

    def __str__(self) -> str:
        left = (
            "?" if self.seconds_left is None else str(timedelta(seconds=round(self.seconds_left)))
        )
        text = (
            f"done {self.done} · failed {self.failed} · in flight {self.in_flight} · "
            f"tokens {self.total_tokens:,} (cache hits {self.cache_hit_rate:.0%}) · "
            f"${self.cost_usd.quantize(_CENT)} · ~{left} left"
        )
        return (
            f"{text} · waiting for off-peak until {self.waiting_until}"
            if self.waiting_until
            else text
        )


@dataclass(slots=True)
class BatchReport:
    """Counts by outcome, tokens, cache hits and cost of one run."""

    requests: int = 0
    """Valid lines in the input."""
    already_done: int = 0
    """Answered by an earlier run (a line in the output already): not sent."""
    succeeded: int = 0
    refused: int = 0
    """DeepSeek answered with an error (written to the output with its status)."""
    failed: int = 0
    """Failed for a passing reason after every retry: no line, sent again by the next run."""
    failures: list[tuple[str, str]] = field(default_factory=list)
    """`(custom_id, why)` of each failed request: the last error it met."""
    not_sent: int = 0
    """Left when the job stopped (budget, balance, key, Ctrl-C): sent by the next run."""
    bad_lines: list[BadLine] = field(default_factory=list)
    stopped: str | None = None
    """Why the job stopped before the end, in words; None when every request was tried."""
    stopped_status: int | None = None
    """The HTTP status that stopped the job (401 key, 402 balance, 429 quota), if one did."""
    prompt_tokens: int = 0
    cache_hit_tokens: int = 0
    completion_tokens: int = 0
    reasoning_tokens: int = 0
    cost_usd: Decimal = Decimal(0)
    """Estimated from each answer's usage, at the price of the time it completed."""
    earlier_cost_usd: Decimal = Decimal(0)
    """What the answers earlier runs wrote to the output cost (estimated the same way): the
    budget (`max_cost_usd`) is the job's, across runs, so it counts these too."""
    peak_uncached_cost_usd: Decimal = Decimal(0)
    """The same tokens at peak prices, every input token a cache miss."""
    rate_limited: int = 0
    """429 answers met (each retried)."""
    discarded: int = 0
    """Answers DeepSeek cut (`insufficient_system_resource`) and that were sent again: billed,
    so their usage is in the tokens and the cost, but not written to the output."""
    lowest_concurrency: int = 0
    waited_seconds: float = 0.0
    """Time spent waiting for off-peak hours."""
    elapsed_seconds: float = 0.0

    @property
    def complete(self) -> bool:
        """Whether every valid line now has an answer or a refusal in the output."""
        return self.failed == 0 and self.not_sent == 0

    @property
    def cache_hit_rate(self) -> float:
        """Share of input tokens served from DeepSeek's cache."""
        return self.cache_hit_tokens / self.prompt_tokens if self.prompt_tokens else 0.0

    @property
    def saved_usd(self) -> Decimal:
        return self.peak_uncached_cost_usd - self.cost_usd

    def add_usage(
        self, model: str, usage: Usage, *, at: datetime, prices: PriceTable | None
    ) -> Decimal:
        """Counts one answer's usage (completed `at`); returns its estimated cost."""
        self.prompt_tokens += usage.prompt_tokens
        self.cache_hit_tokens += usage.cache_hit_tokens
        self.completion_tokens += usage.completion_tokens
        self.reasoning_tokens += usage.reasoning_tokens
        cost = estimate_cost(model, usage, at=at, prices=prices) or Decimal(0)
        self.cost_usd += cost
        self.peak_uncached_cost_usd += estimate_peak_uncached_cost(
            model, usage, prices=prices
        ) or Decimal(0)
        return cost

    def summary(self) -> str:
        """The report in words, several lines."""
        lines = [
            f"requests: {self.requests} valid, {len(self.bad_lines)} bad lines, "
            f"{self.already_done} answered by an earlier run",
            f"this run: {self.succeeded} succeeded, {self.refused} refused by DeepSeek, "
            f"{self.failed} failed (sent again next run), {self.not_sent} not sent",
            f"tokens: {self.prompt_tokens:,} in ({self.cache_hit_tokens:,} cache hits, "
            f"{self.cache_hit_rate:.1%}), {self.completion_tokens:,} out "
            f"({self.reasoning_tokens:,} reasoning)",
            f"cost: ${self.cost_usd.quantize(_CENT)} estimated; "
            f"${self.peak_uncached_cost_usd.quantize(_CENT)} at peak prices without cache "
            f"warm-up (saved ${self.saved_usd.quantize(_CENT)})",
        ]
        if self.earlier_cost_usd:
            lines.append(
                f"earlier runs: ${self.earlier_cost_usd.quantize(_CENT)}; the job so far: "
                f"${(self.earlier_cost_usd + self.cost_usd).quantize(_CENT)}"
            )
        if self.discarded:
            lines.append(
                f"discarded: {self.discarded} answers cut by DeepSeek and sent again "
                "(billed: in the tokens and cost above)"
            )
        if self.rate_limited:
            lines.append(
                f"rate limits: {self.rate_limited} 429s, concurrency lowered to "
                f"{self.lowest_concurrency} at least"
            )
        if self.waited_seconds:
            lines.append(f"waited {timedelta(seconds=round(self.waited_seconds))} for off-peak")
        lines.extend(f"bad {line}" for line in self.bad_lines)
        shown = self.failures[:_FAILURES_SHOWN]
        lines.extend(f"failed {custom_id}: {why}" for custom_id, why in shown)
        if len(self.failures) > len(shown):
            lines.append(f"... and {len(self.failures) - len(shown)} more failed (see --json)")
        if self.stopped:
            lines.append(f"stopped: {self.stopped}")
        return "\n".join(lines)
