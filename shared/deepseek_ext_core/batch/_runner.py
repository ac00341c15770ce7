"""The batch loop: send, pace, retry, write, stop on the budget, wait for off-peak hours."""

from __future__ import annotations

import asyncio
import json
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import TypeGuard

from .._async_client import AsyncDeepSeekClient
from .._client import check_complete
from .._errors import (
    APIStatusError,
    AuthenticationError,
    DeepSeekError,
    IncompleteGenerationError,
    InsufficientBalanceError,
    LimiterError,
    RateLimitError,
)
from .._request import ChatRequest
from .._response import ChatCompletion, FIMCompletion
from .._retry import RetryPolicy, is_retryable
from .._tokens import count_tokens
from .._usage import PriceTable, completed_at, is_peak, price_for
from ._input import BatchRequest
from ._limit import AdaptiveLimit
from ._output import BatchOutput, error_line, success_line
from ._report import BatchReport, Progress
from ._schedule import Clock, Window, window_gate
from ._warmup import WarmupGroup

__all__ = ["DEFAULT_OUTPUT_GUESS", "BatchSettings", "run_job"]

DEFAULT_OUTPUT_GUESS = 1024
"""Output tokens a request is assumed to produce, for the budget, before any has answered
(its `max_tokens` when lower); afterwards the mean of the answers so far is used."""

_MILLION = Decimal(1_000_000)


@dataclass(frozen=True, slots=True)
class BatchSettings:
    """How one job runs (the options of `arun_batch`, checked)."""

    window: Window
    max_cost_usd: Decimal | None
    concurrency: int
    peak_margin: timedelta
    retry_policy: RetryPolicy
    prices: PriceTable | None
    clock: Clock
    on_progress: Callable[[Progress], None] | None


@dataclass(slots=True)
class _Item:
    request: BatchRequest
    group: WarmupGroup | None = None
    """Set on a group's leader: its followers go when it has an outcome."""
    attempt: int = 1
    generation: int = 0
    input_tokens: int | None = None


Outcome = ChatCompletion | FIMCompletion | DeepSeekError


@dataclass(slots=True)
class _Job:
    client: AsyncDeepSeekClient
    output: BatchOutput
    settings: BatchSettings
    report: BatchReport
    total: int
    limit: AdaptiveLimit
    ready: deque[_Item] = field(default_factory=deque)
    in_flight: dict[asyncio.Task[Outcome | None], _Item] = field(default_factory=dict)
    retrying: set[asyncio.Task[Outcome | None]] = field(default_factory=set)
    """Retries waiting for their turn (their tasks end with None)."""
    in_flight_cost: dict[int, Decimal] = field(default_factory=dict)
    started: datetime = field(default_factory=lambda: datetime.now(timezone.utc))

    # -- the loop ------------------------------------------------------------------------

    async def run(self) -> None:
        self.started = self.settings.clock.now()
        try:
            while True:
                if self.report.stopped is None:
                    gate = window_gate(
                        self.settings.window, self.settings.clock.now(), self.settings.peak_margin
                    )
                    if gate.open:
                        self._dispatch()
                    elif not self._busy and self.ready:
                        assert gate.change is not None
                        await self._wait_until(gate.change)
                        continue
                if not self._busy:
                    break
                await self._collect()
        finally:
            await self._cancel_all()
            self.report.not_sent = self.total - self._finished
            self.report.lowest_concurrency = self.limit.lowest
            self.report.elapsed_seconds = (self.settings.clock.now() - self.started).total_seconds()

    @property
    def _busy(self) -> bool:
        return bool(self.in_flight or self.retrying)

    @property
    def _finished(self) -> int:
        return self.report.succeeded + self.report.refused + self.report.failed

    def _dispatch(self) -> None:
        while self.ready and len(self.in_flight) < self.limit.limit:
            item = self.ready[0]
            if not self._within_budget(item):
                return
            self.ready.popleft()
            item.generation = self.limit.generation
            task = asyncio.ensure_future(self._send(item.request))
            self.in_flight[task] = item

    async def _send(self, item: BatchRequest) -> Outcome | None:
        try:
            if isinstance(item.request, ChatRequest):
                # The job's client does not retry, so it hands back an answer cut by
                # DeepSeek; as an error again, it is retried like any other here.
                return check_complete(await self.client.chat(item.request))
            return await self.client.fim(item.request)
        except DeepSeekError as exc:
            return exc

    async def _collect(self) -> None:
        waiting = {*self.in_flight, *self.retrying}
        done, _ = await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            item = self.in_flight.pop(task, None)
            outcome = task.result()
            if item is None or outcome is None:
                self.retrying.discard(task)
                continue
            self.in_flight_cost.pop(id(item), None)
            self._settle(item, outcome)
        self._progress()

    # -- one outcome -----------------------------------------------------------------------

    def _settle(self, item: _Item, outcome: Outcome) -> None:
        if isinstance(outcome, ChatCompletion | FIMCompletion):
            self._answered(item, outcome)
        elif isinstance(outcome, LimiterError):
            # The shared limiter refused (the account's budget, Redis down and failing closed,
            # a full queue): nothing was sent, and the next line would meet the same.
            self.ready.appendleft(item)
            self.report.stopped = f"the shared limiter refused: {outcome}"
        elif _repeats_for_every_line(outcome):
            # Nothing more can succeed until the user acts: stop, keep the request unsent.
            self.ready.appendleft(item)
            self.report.stopped = f"DeepSeek answered {outcome.status_code}: {outcome.message}"
            self.report.stopped_status = outcome.status_code
        elif isinstance(outcome, RateLimitError):
            self.report.rate_limited += 1
            self.limit.rate_limited(item.generation)
            if not self._retry(item, outcome):
                self._failed(item, outcome)
        elif isinstance(outcome, IncompleteGenerationError):
            # A cut answer is billed whether it is kept or not: its usage counts either way.
            self._count_usage(item, outcome.completion)
            if self._retry(item, outcome):
                self.report.discarded += 1
            else:
                self._write_answer(item, outcome.completion)  # kept, as the core does
        elif is_retryable(outcome):
            if not self._retry(item, outcome):
                self._failed(item, outcome)
        elif isinstance(outcome, APIStatusError):
            self.output.write(error_line(item.request.custom_id, outcome))
            self.report.refused += 1
            self._release(item)
        else:
            self._failed(item, outcome)

    def _answered(self, item: _Item, response: ChatCompletion | FIMCompletion) -> None:
        self._count_usage(item, response)
        self._write_answer(item, response)

    def _count_usage(self, item: _Item, response: ChatCompletion | FIMCompletion) -> None:
        if response.usage is not None:
            at = completed_at(response.created) or self.settings.clock.now()
            self.report.add_usage(
                response.model or item.request.model,
                response.usage,
                at=at,
                prices=self.settings.prices,
            )

    def _write_answer(self, item: _Item, response: ChatCompletion | FIMCompletion) -> None:
        try:
            body = response.model_dump(mode="json", exclude_unset=True)
            self.output.write(success_line(item.request.custom_id, response.request_id, body))
        except (ValueError, TypeError) as exc:
            # This line's answer cannot be written (the disk is fine: an OSError goes on up);
            # it fails alone, and the job goes on.
            self._failed(item, f"the answer could not be written: {exc}")
            return
        self.report.succeeded += 1
        self.limit.succeeded()
        self._release(item)

    def _failed(self, item: _Item, why: BaseException | str) -> None:
        self.report.failed += 1
        self.report.failures.append((item.request.custom_id, str(why)))
        self._release(item)

    def _release(self, item: _Item) -> None:
        """The followers of a leader with an outcome go now (its answer warmed the cache)."""
        if item.group is not None:
            self.ready.extend(_Item(follower) for follower in item.group.followers)
            item.group = None

    def _retry(self, item: _Item, error: BaseException | None) -> bool:
        """Schedules another attempt after the policy's wait, outside the in-flight count."""
        policy = self.settings.retry_policy
        if item.attempt > policy.max_retries:
            return False
        wait = policy.wait_seconds(item.attempt, error)
        item.attempt += 1

        async def later() -> None:
            await self.settings.clock.sleep(wait)
            self.ready.appendleft(item)

        self.retrying.add(asyncio.ensure_future(later()))
        return True

    # -- budget, windows, progress --------------------------------------------------------

    def _within_budget(self, item: _Item) -> bool:
        budget = self.settings.max_cost_usd
        if budget is None:
            return True
        if self.in_flight and not self.report.completion_tokens:
            # Until an answer shows how long answers are, one request at a time: a first wave
            # of 16 thinking answers priced at a guess once spent 19 times a $0.05 budget.
            return False
        estimate = self._estimate(item)
        in_flight = sum(self.in_flight_cost.values(), Decimal(0))
        spent = self.report.earlier_cost_usd + self.report.cost_usd
        if spent + in_flight + estimate > budget:
            if self.in_flight:
                return False  # wait: answers replace estimates with what they really cost
            self.report.stopped = (
                f"the job's budget of ${budget} would be passed: ${spent:.6f} spent "
                f"(${self.report.earlier_cost_usd:.6f} of it by earlier runs), "
                f"${in_flight:.6f} in flight, the next request ~${estimate:.6f}"
            )
            return False
        self.in_flight_cost[id(item)] = estimate
        return True

    def _estimate(self, item: _Item) -> Decimal:
        """The next request's cost: its input at the hit rate seen so far (all misses before
        the first answer), its output at the mean so far, at the current hour's prices."""
        price = price_for(item.request.model, self.settings.prices)
        if price is None:
            return Decimal(0)
        if item.input_tokens is None:
            body = item.request.prepared.body
            text = json.dumps(body.get("messages", body.get("prompt")), ensure_ascii=False)
            # DeepSeek's published ratios: a budget needs no exact count (and the tokenizer
            # would cost milliseconds a request).
            item.input_tokens = count_tokens(text, method="estimate")
        report = self.report
        answered = report.succeeded
        output = report.completion_tokens / answered if answered else float(DEFAULT_OUTPUT_GUESS)
        max_tokens = item.request.request.max_tokens
        if max_tokens is not None:
            output = min(output, max_tokens)
        hit_price, miss_price, out_price = price.rates(peak=is_peak(self.settings.clock.now()))
        hit_rate = Decimal(str(report.cache_hit_rate))
        per_input = hit_rate * hit_price + (1 - hit_rate) * miss_price
        return (item.input_tokens * per_input + Decimal(str(output)) * out_price) / _MILLION

    async def _wait_until(self, when: datetime) -> None:
        seconds = (when - self.settings.clock.now()).total_seconds()
        self._progress(waiting_until=when)
        if seconds > 0:
            await self.settings.clock.sleep(seconds)
            self.report.waited_seconds += seconds

    def _progress(self, *, waiting_until: datetime | None = None) -> None:
        if self.settings.on_progress is None:
            return
        report = self.report
        done = report.succeeded + report.refused
        remaining = self.total - self._finished
        active = (self.settings.clock.now() - self.started).total_seconds() - report.waited_seconds
        # No estimate until as many have finished as run at once: the first answers of a wave
        # come back together, and one answer over its own time overstated a 5 s job as 3 min.
        settled = self._finished >= min(self.total, max(self.limit.limit, 1))
        pace = active / self._finished if self._finished and settled else None
        self.settings.on_progress(
            Progress(
                done=done,
                failed=report.failed,
                in_flight=len(self.in_flight),
                remaining=remaining,
                total_tokens=report.prompt_tokens + report.completion_tokens,
                cache_hit_rate=report.cache_hit_rate,
                cost_usd=report.cost_usd,
                seconds_left=None if pace is None else pace * remaining,
                waiting_until=None if waiting_until is None else waiting_until.isoformat(),
            )
        )

    async def _cancel_all(self) -> None:
        """Stops what is still running (Ctrl-C, a crash): its requests get no line."""
        pending = [*self.in_flight, *self.retrying]
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)
        self.in_flight.clear()
        self.retrying.clear()


_ENDPOINT_MISSING = (404, 405)
"""Statuses that say the endpoint is not there (a base URL without FIM, say): every line
would get them."""


def _repeats_for_every_line(outcome: DeepSeekError) -> TypeGuard[APIStatusError]:
    """An error no other line can escape (a wrong key, no balance, an endpoint that is not
    there, a rate limit DeepSeek says will not lift): the job stops instead of writing it as
    every line's final answer."""
    if isinstance(outcome, AuthenticationError | InsufficientBalanceError):
        return True
    if isinstance(outcome, RateLimitError):
        return not is_retryable(outcome)
    return isinstance(outcome, APIStatusError) and outcome.status_code in _ENDPOINT_MISSING


async def run_job(
    client: AsyncDeepSeekClient,
    output: BatchOutput,
    groups: list[WarmupGroup],
    settings: BatchSettings,
    report: BatchReport,
) -> None:
    """Runs every request of `groups` (leaders first, followers after their leader's outcome)."""
    total = sum(1 + len(group.followers) for group in groups)
    job = _Job(client, output, settings, report, total, AdaptiveLimit(settings.concurrency))
    job.ready.extend(_Item(group.leader, group if group.followers else None) for group in groups)
    await job.run()
