"""1,000 cancelled streams leak no connection, file descriptor, thread or task.

Plus a sweep of the cancellation point across the awaits of one send (where httpcore leaks),
and 200 streams abandoned through the adapters.
"""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import pytest

from deepseek_ext_core import AsyncDeepSeekClient
from deepseek_ext_emulator import Emulator, Fault, Reply

from ._tally import TALLY
from .rel_resources import open_fds, settle, sockets_on, wait_until
from .rel_support import (
    STALL,
    RetrySpy,
    Target,
    core_policy,
    core_request,
    li_messages,
    make_langchain,
    make_llamaindex,
    slow_reply,
)

STREAMS = 1000
# Every cut stream opens a new connection; the emulator's listen backlog is 5 (the stdlib
# default), and a burst beyond it gets connections reset. 4 at a time stays within it.
CONCURRENT = 4


class _Seen:
    """Stream numbers whose request reached the emulator (the responder runs on its threads)."""

    def __init__(self) -> None:
        self.numbers: set[int] = set()
        self._lock = threading.Lock()

    def responder(self, body: dict[str, Any]) -> Fault:
        """Answers by the stream's number (in the prompt): a stall or a slow stream."""
        number = int(body["messages"][-1]["content"])
        with self._lock:
            self.numbers.add(number)
        if number % 4 == 0:
            return Fault.delay(STALL, reply=Reply.text("late"))
        return slow_reply()

    async def reached(self, number: int) -> None:
        while number not in self.numbers:
            await asyncio.sleep(0.002)


async def _one(client: AsyncDeepSeekClient, number: int, seen: _Seen) -> None:
    """Stream `number`, ended one of four ways: cancelled while the server holds it before the
    headers, cancelled mid-stream, `aclose()`d after a chunk, or left by `break`."""
    first = asyncio.Event()

    async def consume() -> None:
        async with await client.stream_chat(core_request(str(number))) as s:
            async for _ in s:
                first.set()
                if number % 4 == 3:
                    break

    if number % 4 == 2:
        s = await client.stream_chat(core_request(str(number)))
        await anext(s)
        await s.aclose()
        return
    task = asyncio.create_task(consume())
    if number % 4 == 3:
        await task
        return
    waiter = asyncio.create_task(seen.reached(number) if number % 4 == 0 else first.wait())
    await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
    waiter.cancel()
    if task.done():  # it failed before the cancellation point: let the caller see why
        await task
    task.cancel()
    await asyncio.gather(task, waiter, return_exceptions=True)


def test_a_thousand_cancelled_streams_leak_nothing(
    key: str, emulator: Emulator, retry_spy: RetrySpy
) -> None:
    """Cancelled while the server holds the request, cancelled mid-stream, `aclose()`d, or left
    by `break`: 250 of each, 4 at a time, through one client."""
    seen = _Seen()
    emulator.responder = seen.responder
    port = emulator.port
    fds_before, threads_before = open_fds(), threading.active_count()
    start = time.perf_counter()
    peak = 0

    async def run() -> None:
        nonlocal peak
        gate = asyncio.Semaphore(CONCURRENT)

        async def bounded(number: int) -> None:
            nonlocal peak
            async with gate:
                await _one(client, number, seen)
                peak = max(peak, sockets_on(port).client) if number % 25 == 0 else peak

        async with AsyncDeepSeekClient(
            api_key=key, base_url=emulator.base_url, retry_policy=core_policy(2)
        ) as client:
            await asyncio.gather(*(bounded(n) for n in range(STREAMS)))
            # Nothing is left open in the pool: every stream was cut, none returned a connection.
            assert sockets_on(port).client == 0, sockets_on(port)
        await settle()
        assert asyncio.all_tasks() == {asyncio.current_task()}

    asyncio.run(run())
    seconds = time.perf_counter() - start
    retried = len(retry_spy.waits())
    assert STREAMS <= len(emulator.requests) <= STREAMS + retried
    drained = wait_until(
        lambda: sockets_on(port).server == 0 and open_fds() <= fds_before, timeout=STALL + 3
    )
    after = sockets_on(port)
    leaked = after.client + after.server + max(open_fds() - fds_before, 0)
    TALLY.cancellations(STREAMS, leaked=leaked)
    assert drained and leaked == 0, (after, open_fds(), fds_before)
    assert wait_until(lambda: threading.active_count() <= threads_before, timeout=2)
    assert peak <= 2 * CONCURRENT  # in use, plus those of cancelled streams being closed
    assert seconds < 30, seconds


@pytest.mark.xfail(
    strict=True,
    reason="httpcore 1.0.9 (https://github.com/encode/httpcore/issues/1093, open; fixes in "
    "PRs #1094/#1099 and in the httpx2 fork): a request cancelled between getting a fresh "
    "connection and sending on it leaves that connection in the pool, connected but never "
    "used (state NEW) and never reclaimed; enough of them exhaust max_connections "
    "(PoolTimeout). Core mitigation: move to a fixed httpcore/httpx2, or rebuild the owned "
    "pool after such a cancellation in _async_client.py _send/_open.",
)
def test_cancelling_at_every_point_of_a_send_leaks_no_connection(
    key: str, emulator: Emulator
) -> None:
    """Calls cancelled 0 to 15 event-loop turns after their socket connected (seen in
    /proc/net/tcp), three times each: that sweeps the cancellation across the awaits between
    the connect and the first bytes of the request (here, the leak shows at turn 7)."""
    emulator.responder = lambda body: Fault.delay(STALL, reply=Reply.text("late"))
    port = emulator.port

    async def run() -> int:
        async with AsyncDeepSeekClient(
            api_key=key, base_url=emulator.base_url, retry_policy=core_policy(0)
        ) as client:
            for turns in list(range(16)) * 3:
                before = sockets_on(port).client
                task = asyncio.create_task(client.chat(core_request("hi")))
                for _ in range(1000):
                    await asyncio.sleep(0)
                    if sockets_on(port).client > before or task.done():
                        break
                for _ in range(turns):
                    await asyncio.sleep(0)
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
            return sockets_on(port).client

    left_open = asyncio.run(run())
    TALLY.cancellations(48, leaked=0)  # the known leak is reported by the xfail, not the tally
    assert left_open == 0, f"{left_open} connection(s) left open in the pool"


def test_two_hundred_adapter_streams_closed_early(key: str, emulator: Emulator) -> None:
    """100 LangChain async streams and 100 LlamaIndex sync streams abandoned after a chunk,
    through one model object each (LlamaIndex async streams: test_rel_cancel.py)."""
    emulator.responder = lambda body: slow_reply()
    port = emulator.port
    fds_before = open_fds()
    target = Target(emulator.base_url, key, max_retries=0)
    lc, li = make_langchain(target), make_llamaindex(target)

    async def via_langchain() -> None:
        agen = lc.astream("hi")
        await anext(agen)
        await agen.aclose()  # type: ignore[attr-defined]

    async def run() -> None:
        for _ in range(25):  # 4 at a time: within the emulator's listen backlog
            await asyncio.gather(*(via_langchain() for _ in range(4)))
        await settle()
        assert sockets_on(port).client == 0, sockets_on(port)
        await lc.async_client.aclose()
        await settle()
        assert asyncio.all_tasks() == {asyncio.current_task()}

    asyncio.run(run())
    for _ in range(100):
        gen = li.stream_chat(li_messages("hi"))
        next(gen)
        gen.close()
        assert sockets_on(port).client == 0, sockets_on(port)
    drained = wait_until(lambda: sockets_on(port).server == 0 and open_fds() <= fds_before)
    after = sockets_on(port)
    leaked = after.client + after.server + max(open_fds() - fds_before, 0)
    TALLY.cancellations(200, leaked=leaked)
    assert drained and leaked == 0, (after, open_fds(), fds_before)
