"""Load: 2,000 async requests under a concurrency limit while the emulator injects 10% 429s and
5% 503s. Every request completes with its own content; attempts, memory and open connections
stay where they should.

Faults are chosen by a seeded RNG keyed on (request number, attempt number), so the plan does
not depend on the order in which concurrent requests reach the server: the test computes the
exact number of attempts the server must see before running anything.
"""

from __future__ import annotations

import asyncio
import random
import threading
import time
from collections import Counter
from typing import Any

import pytest

from deepseek_ext_core import AsyncDeepSeekClient, RetryPolicy
from deepseek_ext_emulator import Emulator, Fault, Reply

from ._tally import TALLY
from .rel_resources import sockets_on
from .rel_support import (
    RetrySpy,
    Target,
    core_request,
    li_messages,
    make_langchain,
    make_llamaindex,
)

SEED = 7
REQUESTS = 2000
BATCHES = 5
CONCURRENCY = 16  # within httpx's 20 kept-alive connections, so the pool does not churn
MAX_RETRIES = 6
RATE_LIMITED, UNAVAILABLE = 0.10, 0.05


def planned_fault(number: int, attempt: int) -> int | None:
    """The status injected on `attempt` (1-based) of request `number`, or None to answer."""
    draw = random.Random(f"{SEED}:{number}:{attempt}").random()
    if draw < RATE_LIMITED:
        return 429
    if draw < RATE_LIMITED + UNAVAILABLE:
        return 503
    return None


def planned_attempts(number: int) -> int:
    attempt = 1
    while planned_fault(number, attempt) is not None:
        attempt += 1
    return attempt


class FaultyServer:
    """The responder: counts attempts per request number and answers by the plan."""

    def __init__(self) -> None:
        self.attempts: Counter[int] = Counter()
        self.statuses: Counter[int] = Counter()
        self._lock = threading.Lock()

    def __call__(self, body: dict[str, Any]) -> Reply | Fault:
        number = int(str(body["messages"][-1]["content"]).removeprefix("request "))
        with self._lock:
            self.attempts[number] += 1
            attempt = self.attempts[number]
        status = planned_fault(number, attempt)
        with self._lock:
            self.statuses[status or 200] += 1
        if status == 429:
            # Half with Retry-After: 0, half without (then the policy's own backoff).
            return Fault.status(429, retry_after=0 if attempt % 2 else None)
        if status == 503:
            return Fault.status(503)
        return Reply.text(f"answer {number}", chunks=2)


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def test_two_thousand_requests_with_faults_all_complete(key: str, emulator: Emulator) -> None:
    plan = {n: planned_attempts(n) for n in range(REQUESTS)}
    assert max(plan.values()) <= MAX_RETRIES + 1, "the seed plans a request that cannot succeed"
    server = FaultyServer()
    emulator.responder = server
    port = emulator.port
    policy = RetryPolicy(max_retries=MAX_RETRIES, initial_backoff=0.005, max_backoff=0.05)
    answers: dict[int, str] = {}
    rss: list[float] = []
    peak_connections = 0
    recorded = 0

    async def one(client: AsyncDeepSeekClient, number: int) -> None:
        request = core_request(f"request {number}")
        if number % 2:  # half streamed, half not
            async with await client.stream_chat(request) as stream:
                pieces = [c.choices[0].delta.content or "" async for c in stream if c.choices]
            answers[number] = "".join(pieces)
        else:
            answers[number] = (await client.chat(request)).message.content or ""

    async def watch() -> None:
        nonlocal peak_connections
        while True:
            peak_connections = max(peak_connections, sockets_on(port).client)
            await asyncio.sleep(0.05)

    async def run() -> None:
        nonlocal recorded
        watcher = asyncio.create_task(watch())
        async with AsyncDeepSeekClient(
            api_key=key,
            base_url=emulator.base_url,
            max_concurrency=CONCURRENCY,
            retry_policy=policy,
        ) as client:
            size = REQUESTS // BATCHES
            for batch in range(BATCHES):
                numbers = range(batch * size, (batch + 1) * size)
                await asyncio.gather(*(one(client, n) for n in numbers))
                recorded += len(emulator.requests)
                emulator.reset()  # the emulator keeps every request; drop them between batches
                rss.append(rss_mb())
        watcher.cancel()
        await asyncio.gather(watcher, return_exceptions=True)

    start = time.perf_counter()
    asyncio.run(run())
    seconds = time.perf_counter() - start

    wrong = [n for n in range(REQUESTS) if answers.get(n) != f"answer {n}"]
    TALLY.load(REQUESTS, REQUESTS - len(wrong), recorded, seconds)
    TALLY.load_bounds(peak_connections, rss[-1] - rss[1])
    assert not wrong, f"{len(wrong)} wrong or missing answers, e.g. {wrong[:5]}"
    assert recorded == sum(plan.values()), (recorded, sum(plan.values()))
    assert dict(server.attempts) == plan
    injected = server.statuses[429] + server.statuses[503]
    assert 0.12 < injected / recorded < 0.18, server.statuses  # ~15% of attempts were faults
    assert peak_connections <= CONCURRENCY, peak_connections
    # Memory is flat once warm: the last batches add almost nothing.
    assert rss[-1] - rss[1] < 15, rss
    assert seconds < 30, seconds


@pytest.mark.parametrize("surface", ["langchain", "llamaindex"])
def test_two_hundred_adapter_calls_with_faults_all_complete(
    surface: str, key: str, emulator: Emulator, retry_spy: RetrySpy
) -> None:
    """The same faults through the adapters (their retry settings, waits capped by the spy)."""
    count = 200
    plan = {n: planned_attempts(n) for n in range(count)}
    emulator.responder = FaultyServer()
    target = Target(emulator.base_url, key, max_retries=MAX_RETRIES)
    answers: dict[int, str] = {}

    async def run() -> None:
        if surface == "langchain":
            llm = make_langchain(target)
            replies = await llm.abatch(
                [f"request {n}" for n in range(count)], config={"max_concurrency": 8}
            )
            answers.update({n: str(reply.content) for n, reply in enumerate(replies)})
            await llm.async_client.aclose()
            return
        li = make_llamaindex(target)
        gate = asyncio.Semaphore(8)

        async def one(number: int) -> None:
            async with gate:
                reply = await li.achat(li_messages(f"request {number}"))
                answers[number] = reply.message.content or ""

        await asyncio.gather(*(one(n) for n in range(count)))

    start = time.perf_counter()
    asyncio.run(run())
    seconds = time.perf_counter() - start
    wrong = [n for n in range(count) if answers.get(n) != f"answer {n}"]
    TALLY.load(count, count - len(wrong), len(emulator.requests), seconds)
    assert not wrong, wrong[:5]
    assert len(emulator.requests) == sum(plan.values())
    # One computed wait per injected fault: the adapters' single retry layer did the retrying.
    assert len(retry_spy.waits()) == sum(plan.values()) - count
