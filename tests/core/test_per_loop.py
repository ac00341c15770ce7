"""`AsyncClientPerLoop`: one async core client per event loop, closed when its loop shuts down."""

from __future__ import annotations

import asyncio

from deepseek_ext_core import AsyncDeepSeekClient
from deepseek_ext_core.integration import AsyncClientPerLoop


class _Counting:
    """A factory that records the clients it made and which of them were closed."""

    def __init__(self) -> None:
        self.made: list[AsyncDeepSeekClient] = []
        self.closed: list[AsyncDeepSeekClient] = []

    def __call__(self) -> AsyncDeepSeekClient:
        client = AsyncDeepSeekClient(api_key="sk-test", base_url="http://127.0.0.1:9")
        original = client.aclose

        async def aclose() -> None:
            self.closed.append(client)
            await original()

        client.aclose = aclose  # type: ignore[method-assign]
        self.made.append(client)
        return client


def test_one_client_per_loop_closed_by_the_loops_shutdown() -> None:
    factory = _Counting()
    per_loop = AsyncClientPerLoop(factory)

    async def twice() -> tuple[AsyncDeepSeekClient, AsyncDeepSeekClient]:
        return per_loop.get(), per_loop.get()

    first_a, first_b = asyncio.run(twice())
    second_a, _ = asyncio.run(twice())

    assert first_a is first_b  # the same client within one loop
    assert second_a is not first_a  # a new one in the next loop
    assert factory.closed == [first_a, second_a]  # each closed as `asyncio.run` shut its loop
    assert per_loop.loops() == 0


def test_a_loop_closed_without_shutdown_is_forgotten() -> None:
    factory = _Counting()
    per_loop = AsyncClientPerLoop(factory)
    loop = asyncio.new_event_loop()

    async def get() -> AsyncDeepSeekClient:
        return per_loop.get()

    loop.run_until_complete(get())
    assert per_loop.loops() == 1
    loop.close()  # no shutdown_asyncgens(): nobody closed the client in its loop
    assert per_loop.loops() == 0
    asyncio.run(get())
    assert len(factory.made) == 2


def test_outside_a_loop_a_client_is_made_but_not_kept() -> None:
    factory = _Counting()
    per_loop = AsyncClientPerLoop(factory)
    assert per_loop.get() is not per_loop.get()
    assert per_loop.loops() == 0
