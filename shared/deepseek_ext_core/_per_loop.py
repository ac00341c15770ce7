"""One async client per event loop, so a framework model works from any number of loops.

An httpx `AsyncClient` binds its pooled connections to the event loop that opened them. A
framework model caches its core client, and scripts, notebooks, Streamlit and sync web handlers
run each question in a fresh loop (`asyncio.run` per call), or share one model between threads
that each run a loop: one cached async client would then fail with "Event loop is closed" or
"bound to a different event loop", sometimes after the request was already answered and billed.

`AsyncClientPerLoop.get()` returns the client of the running loop, creating it on first use.
When the loop shuts down (`asyncio.run` and every well-behaved runner call
`loop.shutdown_asyncgens()`), the client is closed inside that loop and forgotten: a tiny async
generator, started when the client was created, is one of the loop's open async generators, and
its `finally` closes the client. A loop closed without that shutdown step is forgotten the next
time `get()` runs; its connections then go with the garbage collector.
"""

from __future__ import annotations

import contextlib
import threading
import weakref
from collections.abc import AsyncGenerator, Callable
from typing import TYPE_CHECKING

from ._async_client import AsyncDeepSeekClient

if TYPE_CHECKING:
    from asyncio import AbstractEventLoop

__all__ = ["AsyncClientPerLoop"]


class AsyncClientPerLoop:
    """The async core clients of one framework model, one per event loop."""

    def __init__(self, factory: Callable[[], AsyncDeepSeekClient]) -> None:
        self._factory = factory
        self._lock = threading.Lock()
        self._clients: weakref.WeakKeyDictionary[
            AbstractEventLoop, tuple[AsyncDeepSeekClient, AsyncGenerator[None, None]]
        ] = weakref.WeakKeyDictionary()

    def get(self) -> AsyncDeepSeekClient:
        """The client of the running event loop. Outside a running loop (a look at the model
        from sync code), a new client that belongs to no loop and is not kept."""
        import asyncio  # only async callers come here, but for that look

        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return self._factory()
        with self._lock:
            for stale in [known for known in self._clients if known.is_closed()]:
                del self._clients[stale]
            held = self._clients.get(loop)
            if held is None:
                client = self._factory()
                held = (client, self._close_at_shutdown(loop, client))
                self._clients[loop] = held
        return held[0]

    def loops(self) -> int:
        """How many event loops hold a client now (for tests and diagnostics)."""
        with self._lock:
            return sum(1 for loop in self._clients if not loop.is_closed())

    def _close_at_shutdown(
        self, loop: AbstractEventLoop, client: AsyncDeepSeekClient
    ) -> AsyncGenerator[None, None]:
        async def closer() -> AsyncGenerator[None, None]:
            try:
                yield
            finally:
                with self._lock:
                    held = self._clients.get(loop)
                    if held is not None and held[0] is client:
                        del self._clients[loop]
                await client.aclose()

        generator = closer()
        # Step it to its `yield` by hand: no await happens before it, and the first step is what
        # registers the generator with the running loop (asyncio's `firstiter` hook).
        with contextlib.suppress(StopIteration):
            generator.__anext__().send(None)
        # The generator must outlive every request of its client: were it collected with a
        # dropped model while a request runs, its `finally` would close the client under that
        # request. Held by the client, it goes only with the client.
        client.shutdown_hook = generator
        return generator
