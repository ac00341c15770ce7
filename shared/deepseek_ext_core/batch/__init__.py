"""Batch jobs at DeepSeek's lowest price: `arun_batch` (async) and `run_batch` (sync).

DeepSeek has no batch endpoint; its prices make batches worth planning all the same: off-peak
hours cost half, and a cache hit 1/50 of a miss (docs/deepseek-api.md §6.4, §8.1). A job reads a
JSONL file in the OpenAI Batch input format, sends each request through the core (the same checks,
errors and key handling), and appends each answer to a JSONL file in the OpenAI Batch output
format as it arrives. Run it again after a crash, Ctrl-C or kill and it sends only what has no
answer yet.

    from deepseek_ext_core.batch import run_batch

    report = run_batch("requests.jsonl", "answers.jsonl", window="off-peak", max_cost_usd=5)
    print(report.summary())
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable, Mapping
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import httpx
from pydantic import SecretStr

from .._async_client import AsyncDeepSeekClient
from .._retry import RetryPolicy
from .._usage import PriceTable, completed_at, estimate_cost, price_for
from ..limits import Limiter
from ._input import BadLine, BatchRequest, parse_lines, read_batch_input
from ._merge import MergeReport, merge_outputs
from ._output import BatchOutput, EarlierAnswer
from ._report import BatchReport, Progress
from ._runner import DEFAULT_OUTPUT_GUESS, BatchSettings, run_job
from ._schedule import Clock, SystemClock, Window
from ._warmup import DEFAULT_MIN_PREFIX_TOKENS, WarmupGroup, group_for_warmup

__all__ = [
    "DEFAULT_MIN_PREFIX_TOKENS",
    "DEFAULT_OUTPUT_GUESS",
    "DEFAULT_PEAK_MARGIN",
    "BadLine",
    "BatchReport",
    "BatchRequest",
    "Clock",
    "MergeReport",
    "Progress",
    "SystemClock",
    "Window",
    "arun_batch",
    "in_shard",
    "merge_outputs",
    "parse_lines",
    "read_batch_input",
    "run_batch",
]

DEFAULT_PEAK_MARGIN = timedelta(minutes=10)
"""An off-peak job stops sending this long before peak hours start, so that what is in flight
completes (and is priced) off-peak; thinking answers can take minutes."""


async def arun_batch(
    input_path: str | Path,
    output_path: str | Path,
    *,
    api_key: str | SecretStr | None = None,
    base_url: str | None = None,
    beta_base_url: str | None = None,
    http_client: httpx.AsyncClient | None = None,
    default_headers: Mapping[str, str] | None = None,
    allow_insecure_http: bool = False,
    timeout: float | None = None,
    window: Window = "now",
    max_cost_usd: Decimal | float | str | None = None,
    warmup: bool = True,
    concurrency: int = 16,
    peak_margin: timedelta = DEFAULT_PEAK_MARGIN,
    min_prefix_tokens: int = DEFAULT_MIN_PREFIX_TOKENS,
    retry_policy: RetryPolicy | None = None,
    prices: PriceTable | None = None,
    clock: Clock | None = None,
    on_progress: Callable[[Progress], None] | None = None,
    on_bad_line: Callable[[BadLine], None] | None = None,
    limiter: Limiter | None = None,
    shard: tuple[int, int] | None = None,
) -> BatchReport:
    """Runs the batch in `input_path`, appending answers to `output_path`; returns the report.

    `window="off-peak"` sends only in DeepSeek's off-peak hours, stopping `peak_margin` before
    each peak and waiting for the next off-peak hours. `max_cost_usd` stops sending before the
    estimated cost of what was answered, what is in flight and the next request would pass it.
    `warmup=False` sends requests that share a long prefix without waiting for the first to
    answer. `concurrency` caps requests in flight; 429s lower it for a while. Retries follow
    `retry_policy` (the core's default), without holding a slot while waiting. The connection
    arguments are `AsyncDeepSeekClient`'s (`DEEPSEEK_API_KEY` when `api_key` is not given).
    `on_bad_line` is called for each input line that will not be sent, before anything is.
    `limiter` (a `RedisLimiter`, say) shares the account's slots, back-off and spend cap with
    other jobs and workers; the job's own `concurrency` and budget still apply within it.
    `shard=(k, n)` takes the k-th of n deterministic shares of the input (1-based, by
    `custom_id`), so n processes or hosts split one job, each writing its own output.

    `max_cost_usd` is the job's budget across runs: the usage of the answers earlier runs wrote
    to `output_path` counts (`BatchReport.earlier_cost_usd`), so rerunning a job stopped by its
    budget sends nothing more until the budget is raised.
    """
    if concurrency < 1:
        raise ValueError(f"concurrency must be 1 or more, not {concurrency}")
    budget = None if max_cost_usd is None else Decimal(str(max_cost_usd))
    if budget is not None and budget <= 0:
        raise ValueError(f"max_cost_usd must be above 0, not {max_cost_usd}")
    if window not in ("now", "off-peak"):
        raise ValueError(f"window must be 'now' or 'off-peak', not {window!r}")
    requests, bad_lines = read_batch_input(input_path)
    if shard is not None:
        requests = [item for item in requests if in_shard(item.custom_id, shard)]
    if budget is not None:
        unpriced = sorted(
            {item.model for item in requests if price_for(item.model, prices) is None}
        )
        if unpriced:
            raise ValueError(
                f"max_cost_usd needs a price for every model, and the price table has none for "
                f"{', '.join(unpriced)}: pass prices= (a PriceTable naming them) or no budget"
            )
    if on_bad_line is not None:
        for bad_line in bad_lines:
            on_bad_line(bad_line)
    report = BatchReport(requests=len(requests), bad_lines=bad_lines)
    settings = BatchSettings(
        window=window,
        max_cost_usd=budget,
        concurrency=concurrency,
        peak_margin=peak_margin,
        retry_policy=retry_policy or RetryPolicy(),
        prices=prices,
        clock=clock or SystemClock(),
        on_progress=on_progress,
    )
    with BatchOutput(output_path) as output:
        pending = [item for item in requests if item.custom_id not in output.done]
        report.already_done = len(requests) - len(pending)
        report.earlier_cost_usd = earlier_cost(output.earlier, prices)
        groups = (
            group_for_warmup(pending, min_prefix_tokens=min_prefix_tokens)
            if warmup
            else [WarmupGroup(item) for item in pending]
        )
        client = AsyncDeepSeekClient(
            api_key=api_key,
            base_url=base_url,
            beta_base_url=beta_base_url,
            http_client=http_client,
            default_headers=default_headers,
            allow_insecure_http=allow_insecure_http,
            timeout=timeout,
            # The job retries by itself, so a 429 can lower its concurrency and a waiting
            # retry holds no slot.
            max_retries=0,
            limiter=limiter,
        )
        async with client:
            await run_job(client, output, groups, settings, report)
    return report


def in_shard(custom_id: str, shard: tuple[int, int]) -> bool:
    """Whether `custom_id` falls in share `k` of `n` (1-based): a stable hash, the same on
    every host and Python version, so the shares never overlap and leave nothing out."""
    k, n = shard
    if not 1 <= k <= n:
        raise ValueError(f"shard must be k/n with 1 <= k <= n, not {k}/{n}")
    digest = hashlib.sha256(custom_id.encode("utf-8", "surrogatepass")).digest()
    return int.from_bytes(digest[:8], "big") % n == k - 1


def earlier_cost(answers: list[EarlierAnswer], prices: PriceTable | None) -> Decimal:
    """What the answers of earlier runs cost, each at the price of the hour it completed."""
    total = Decimal(0)
    for answer in answers:
        at = completed_at(answer.created)
        total += estimate_cost(answer.model, answer.usage, at=at, prices=prices) or Decimal(0)
    return total


def run_batch(input_path: str | Path, output_path: str | Path, **options: object) -> BatchReport:
    """`arun_batch` from synchronous code (in an event loop of its own)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(arun_batch(input_path, output_path, **options))  # type: ignore[arg-type]
    raise RuntimeError("run_batch was called inside an event loop; await arun_batch instead")
