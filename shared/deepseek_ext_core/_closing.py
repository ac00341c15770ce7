"""Closing the HTTP streams a framework's async generator opened, when its caller stops early.

LangChain's `BaseChatModel.astream` and llama-index-core's callback wrappers iterate the
adapter's async generator with `async for` and never close it when they are closed themselves.
The adapter's generator, and the HTTP response inside it, would then wait for the event loop's
async-generator finalizer, a few loop turns after the caller's `aclose()` had returned.

`closing_opened_streams(outer)` iterates `outer` with a context variable set around each step;
every `AsyncStream` created during a step registers itself there (`register_opened`). When the
returned generator is closed, it closes every stream registered and then `outer`, so the
connection is released before `aclose()` returns. Outside such an iteration, nothing registers.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Awaitable
from contextvars import ContextVar
from typing import Any, Protocol, TypeVar

T = TypeVar("T")


class _AsyncClosable(Protocol):
    def aclose(self) -> Awaitable[Any]: ...


_OPENED: ContextVar[list[_AsyncClosable] | None] = ContextVar(
    "deepseek_ext_opened_streams", default=None
)


def register_opened(stream: _AsyncClosable) -> None:
    """Called by every async stream when it opens: joins the enclosing iteration, if any."""
    opened = _OPENED.get()
    if opened is not None:
        opened.append(stream)


async def closing_opened_streams(outer: AsyncIterator[T]) -> AsyncGenerator[T, None]:
    """`outer`'s items; closing this closes `outer` and the streams opened while it ran."""
    opened: list[_AsyncClosable] = []
    try:
        while True:
            # Set and reset around each step, not once: between steps the caller's context
            # must not see this list (another stream it starts is not ours to close).
            token = _OPENED.set(opened)
            try:
                item = await anext(outer)
            except StopAsyncIteration:
                return
            finally:
                _OPENED.reset(token)
            yield item
    finally:
        try:
            # The streams first: closing `outer` drops the framework's reference to our inner
            # generator, whose finalizer then starts closing the same stream in a task of its
            # own, and a second `aclose()` returns at once while that one is still under way.
            for stream in opened:
                await stream.aclose()
        finally:
            close_outer = getattr(outer, "aclose", None)
            if close_outer is not None:
                await close_outer()
