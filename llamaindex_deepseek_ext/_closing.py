"""Closing the HTTP stream when an async caller stops early.

llama-index-core's callback decorators wrap our async generator in one of theirs that never
closes ours when it is itself closed early, so the connection would stay open until garbage
collection. `closing_inner_streams` runs the instrumented call, remembers the generators our
code opened during it (`opened_stream`, through a context variable: the decorator passes only
its own generator back), and returns a generator that closes them all when it is closed.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Awaitable
from contextvars import ContextVar
from typing import Any, TypeVar

T = TypeVar("T")
_OPENED: ContextVar[list[AsyncGenerator[Any, None]] | None] = ContextVar(
    "deepseek_opened_streams", default=None
)


def opened_stream(stream: AsyncGenerator[T, None]) -> AsyncGenerator[T, None]:
    """Registers `stream` with the enclosing `closing_inner_streams` call, if any."""
    opened = _OPENED.get()
    if opened is not None:
        opened.append(stream)
    return stream


async def closing_inner_streams(
    call: Awaitable[AsyncGenerator[T, None]],
) -> AsyncGenerator[T, None]:
    """The generator `call` returns, which also closes the streams opened inside it."""
    opened: list[AsyncGenerator[Any, None]] = []
    token = _OPENED.set(opened)
    try:
        outer = await call
    finally:
        _OPENED.reset(token)
    return _closing(outer, opened)


async def _closing(
    outer: AsyncGenerator[T, None], inner: list[AsyncGenerator[Any, None]]
) -> AsyncGenerator[T, None]:
    try:
        async for item in outer:
            yield item
    finally:
        await outer.aclose()
        for stream in inner:
            await stream.aclose()
