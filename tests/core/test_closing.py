"""`closing_opened_streams`: what an adapter wraps a framework's async generator in, so that
closing it early closes the HTTP streams opened inside (tests/reliability checks the sockets)."""

from __future__ import annotations

from collections.abc import AsyncIterator

from deepseek_ext_core._closing import register_opened
from deepseek_ext_core.integration import closing_opened_streams


class FakeStream:
    def __init__(self, log: list[str], name: str) -> None:
        self.log, self.name = log, name

    async def aclose(self) -> None:
        self.log.append(f"close {self.name}")


async def framework(log: list[str]) -> AsyncIterator[int]:
    """Opens a stream inside a step, as `_astream` does under langchain-core's `astream`."""
    register_opened(FakeStream(log, "inner"))
    try:
        yield 1
        yield 2
    finally:
        log.append("close outer")


async def test_closing_early_closes_the_inner_stream_then_the_outer_generator() -> None:
    log: list[str] = []
    wrapped = closing_opened_streams(framework(log))
    assert await anext(wrapped) == 1
    await wrapped.aclose()
    assert log == ["close inner", "close outer"]


async def test_a_stream_the_caller_opens_between_steps_is_not_taken() -> None:
    log: list[str] = []
    wrapped = closing_opened_streams(framework(log))
    await anext(wrapped)
    register_opened(FakeStream(log, "caller's"))  # outside any step: nobody collects it
    await wrapped.aclose()
    assert "close caller's" not in log


async def test_a_finished_iteration_closes_what_it_opened() -> None:
    log: list[str] = []
    assert [item async for item in closing_opened_streams(framework(log))] == [1, 2]
    assert log == ["close outer", "close inner"]
