"""Cancelling a call or closing a stream early closes its connection, through every surface.

Connections are counted by `rel_resources` from the kernel's view (client and emulator side);
tasks from `asyncio.all_tasks()`. Many cancellations at once are in `test_rel_cancel_many.py`.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from typing import Any

import pytest

from deepseek_ext_core import AsyncDeepSeekClient, DeepSeekClient
from deepseek_ext_emulator import Emulator, Fault, Reply

from ._tally import TALLY
from .rel_resources import settle, sockets_on, wait_until
from .rel_support import (
    STALL,
    Target,
    core_policy,
    core_request,
    li_messages,
    make_langchain,
    make_llamaindex,
    slow_reply,
)


def no_client_sockets(port: int) -> bool:
    return sockets_on(port).client == 0


# ---------------------------------------------------------------------------------------------
# One cancellation at a time, through every surface
# ---------------------------------------------------------------------------------------------


async def _consume_core(target: Target, first: asyncio.Event, stream: bool) -> None:
    async with AsyncDeepSeekClient(
        api_key=target.key, base_url=target.base_url, retry_policy=core_policy(0)
    ) as client:
        if not stream:
            await client.chat(core_request("hi"))
            return
        async with await client.stream_chat(core_request("hi")) as s:
            async for _ in s:
                first.set()


async def _consume_langchain(target: Target, first: asyncio.Event, stream: bool) -> None:
    llm = make_langchain(target)
    try:
        if not stream:
            await llm.ainvoke("hi")
            return
        async for _ in llm.astream("hi"):
            first.set()
    finally:
        await llm.async_client.aclose()


async def _consume_llamaindex(target: Target, first: asyncio.Event, stream: bool) -> None:
    llm = make_llamaindex(target)
    if not stream:
        await llm.achat(li_messages("hi"))
        return
    async for _ in await llm.astream_chat(li_messages("hi")):
        first.set()


CONSUMERS: dict[str, Callable[[Target, asyncio.Event, bool], Any]] = {
    "core": _consume_core,
    "langchain": _consume_langchain,
    "llamaindex": _consume_llamaindex,
}
WHEN: dict[str, tuple[bool, Callable[[], Fault]]] = {
    "call, waiting for the answer": (False, lambda: Fault.delay(STALL, reply=Reply.text("late"))),
    "stream, waiting for headers": (True, lambda: Fault.delay(STALL, reply=Reply.text("late"))),
    "stream, after its first chunk": (True, slow_reply),
}


@pytest.mark.parametrize("when", list(WHEN))
@pytest.mark.parametrize("surface", list(CONSUMERS))
def test_cancelling_an_async_call_closes_its_connection(
    surface: str, when: str, key: str, emulator: Emulator
) -> None:
    stream, fault = WHEN[when]
    emulator.push(fault())
    target = Target(emulator.base_url, key, max_retries=0)
    seen_open = False

    async def scenario() -> None:
        nonlocal seen_open
        first = asyncio.Event()
        task = asyncio.create_task(CONSUMERS[surface](target, first, stream))
        if when.endswith("first chunk"):
            await asyncio.wait_for(first.wait(), 2)
        else:
            while not emulator.requests:
                await asyncio.sleep(0.005)
        seen_open = sockets_on(emulator.port).client_established == 1
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert asyncio.all_tasks() == {asyncio.current_task()}

    asyncio.run(scenario())
    assert seen_open, "the call had its connection open when it was cancelled"
    closed = wait_until(lambda: no_client_sockets(emulator.port), timeout=1.0)
    TALLY.cancellations(1, leaked=0 if closed else 1)
    assert closed, sockets_on(emulator.port)


def _close_early_sync(surface: str, target: Target, port: int) -> int:
    """Reads one chunk, closes the stream; returns the client sockets open right after."""
    if surface == "core":
        with DeepSeekClient(
            api_key=target.key, base_url=target.base_url, retry_policy=core_policy(0)
        ) as client:
            with client.stream_chat(core_request("hi")) as s:
                next(s)
            return sockets_on(port).client
    gen: Any = (
        make_langchain(target).stream("hi")
        if surface == "langchain"
        else make_llamaindex(target).stream_chat(li_messages("hi"))
    )
    next(gen)
    gen.close()
    return sockets_on(port).client


async def _close_early_async(surface: str, target: Target, port: int) -> tuple[int, int]:
    """The same, async: the count right after `aclose()` returns, and a few loop turns later
    (without forcing a GC); then no task may be left."""
    if surface == "core":
        async with AsyncDeepSeekClient(
            api_key=target.key, base_url=target.base_url, retry_policy=core_policy(0)
        ) as client:
            s = await client.stream_chat(core_request("hi"))
            await anext(s)
            await s.aclose()
            return sockets_on(port).client, sockets_on(port).client
    agen: AsyncIterator[Any] = (
        make_langchain(target).astream("hi")
        if surface == "langchain"
        else await make_llamaindex(target).astream_chat(li_messages("hi"))
    )
    await anext(agen)
    assert isinstance(agen, AsyncGenerator)
    await agen.aclose()
    right_away = sockets_on(port).client
    for _ in range(10):
        await asyncio.sleep(0)
    later = sockets_on(port).client
    await settle()
    assert asyncio.all_tasks() == {asyncio.current_task()}
    return right_away, later


@pytest.mark.parametrize(
    ("surface", "asynchronous"),
    [
        pytest.param(surface, asynchronous, id=f"{surface}-{'async' if asynchronous else 'sync'}")
        for surface in CONSUMERS
        for asynchronous in (False, True)
    ],
)
def test_closing_a_stream_early_closes_its_connection(
    surface: str, asynchronous: bool, key: str, emulator: Emulator, known_bug: bool
) -> None:
    """The connection is closed when `close()`/`aclose()` returns."""
    emulator.push(slow_reply())
    target = Target(emulator.base_url, key, max_retries=0)
    port = emulator.port
    if asynchronous:
        left_open, _ = asyncio.run(_close_early_async(surface, target, port))
    else:
        left_open = _close_early_sync(surface, target, port)
    TALLY.cancellations(1, leaked=0 if known_bug else left_open)
    assert left_open == 0, sockets_on(port)
    # The emulator notices on its next write and drops its side too.
    assert wait_until(lambda: sockets_on(port).server == 0), sockets_on(port)


@pytest.mark.parametrize("surface", ["langchain", "llamaindex"])
def test_an_adapter_stream_closed_early_is_released_within_a_few_loop_turns(
    surface: str, key: str, emulator: Emulator
) -> None:
    """And a few loop turns later, once the frameworks' own generators are finalized, still
    nothing is open (both adapters close the HTTP stream themselves, before the finalizer)."""
    emulator.push(slow_reply())
    target = Target(emulator.base_url, key, max_retries=0)
    _, later = asyncio.run(_close_early_async(surface, target, emulator.port))
    TALLY.cancellations(1, leaked=later)
    assert later == 0, sockets_on(emulator.port)


@pytest.mark.parametrize("asynchronous", [False, True], ids=["sync", "async"])
def test_a_closed_stream_gives_back_its_concurrency_slot(
    asynchronous: bool, key: str, emulator: Emulator
) -> None:
    """With `max_concurrency=1`, a second call after an early close must not wait forever."""
    emulator.push(slow_reply(), Reply.text("second"))
    kwargs: dict[str, Any] = {
        "api_key": key,
        "base_url": emulator.base_url,
        "max_concurrency": 1,
        "timeout": 2.0,
    }
    if not asynchronous:
        with DeepSeekClient(**kwargs) as client:
            with client.stream_chat(core_request("hi")) as s:
                next(s)
            assert client.chat(core_request("hi")).message.content == "second"
        return

    async def run() -> None:
        async with AsyncDeepSeekClient(**kwargs) as client:
            task = asyncio.create_task(_first_chunk_then_hang(client))
            await asyncio.sleep(0.1)
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            reply = await asyncio.wait_for(client.chat(core_request("hi")), 2)
            assert reply.message.content == "second"

    asyncio.run(run())


async def _first_chunk_then_hang(client: AsyncDeepSeekClient) -> None:
    async with await client.stream_chat(core_request("hi")) as s:
        await anext(s)
        await asyncio.sleep(10)


@pytest.mark.xfail(
    strict=True,
    reason="upstream httpx: AsyncStream.aclose() closes aiter_bytes() and the response, but "
    "httpx nests async generators without aclosing (Response.aiter_raw, "
    "BoundAsyncStream.__aiter__, AsyncResponseStream.__aiter__), so the inner ones are closed "
    "by the loop's async-generator finalizer, as a task, a loop turn later",
)
def test_an_async_stream_closed_early_leaves_no_finalizer_task(
    key: str, emulator: Emulator
) -> None:
    emulator.push(slow_reply())

    async def run() -> set[asyncio.Task[Any]]:
        async with AsyncDeepSeekClient(
            api_key=key, base_url=emulator.base_url, retry_policy=core_policy(0)
        ) as client:
            stream = await client.stream_chat(core_request("hi"))
            await anext(stream)
            await stream.aclose()
            del stream
            gc.collect()
            await asyncio.sleep(0)
            return {t for t in asyncio.all_tasks() if t is not asyncio.current_task()}

    left = asyncio.run(run())
    assert not left, left


async def _close_fim_early(surface: str, target: Target, port: int) -> int:
    """FIM streams through each framework: the open connections right after `aclose()`."""
    agen: AsyncIterator[Any]
    if surface == "langchain":
        from langchain_deepseek_ext import DeepSeekFIM

        model = DeepSeekFIM(
            api_key=target.key,
            base_url=target.base_url,
            beta_base_url=target.base_url + "/beta",
            max_retries=0,
        )
        agen = model.astream("def add(a, b):")
    else:
        from llamaindex_deepseek_ext import DeepSeekFIM as LIDeepSeekFIM

        llm = LIDeepSeekFIM(
            api_key=target.key,
            api_base=target.base_url,
            beta_base_url=target.base_url + "/beta",
            max_retries=0,
        )
        agen = await llm.astream_complete("def add(a, b):")
    await anext(agen)
    assert isinstance(agen, AsyncGenerator)
    await agen.aclose()
    right_away = sockets_on(port).client
    await settle()
    return right_away


@pytest.mark.parametrize("surface", ["langchain", "llamaindex"])
def test_closing_a_fim_stream_early_closes_its_connection(
    surface: str, key: str, emulator: Emulator
) -> None:
    emulator.push(slow_reply())
    target = Target(emulator.base_url, key, max_retries=0)
    left_open = asyncio.run(_close_fim_early(surface, target, emulator.port))
    TALLY.cancellations(1, leaked=left_open)
    assert left_open == 0, sockets_on(emulator.port)
