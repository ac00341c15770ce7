"""The reliability suite's faults on the new endpoints: web Search and Fetch, and the Files API.

Each scenario scripts the emulator, then each surface (the core, sync and async; LangChain's
search tool, retriever and loader; LlamaIndex's tool spec, retriever and reader; the Files API)
makes one call with at most 3 attempts. It must end with the full answer after the documented
retries, or with the documented typed error after the documented number of attempts; a spare
reply scripted behind a fault that must not be retried stays queued. The figures join the
suite's printed tally.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from deepseek_ext_core import (
    AsyncDeepSeekClient,
    DeepSeekClient,
    InsufficientBalanceError,
    InvalidResponseError,
    UnprocessableEntityError,
)
from deepseek_ext_emulator import Emulator, Fault

from ._tally import TALLY
from .rel_endpoint_faults import COMMON_SCENARIOS, Scenario, judge, play, spare
from .rel_support import RetrySpy, core_policy, fake_key

PAGE = "https://example.com/paris/weather"


@dataclass(frozen=True)
class Surface:
    name: str
    run: Callable[[str, str], str]
    """(base URL, key) -> a text that shows the whole answer arrived."""
    expected: str


def _client(base: str, key: str) -> DeepSeekClient:
    return DeepSeekClient(api_key=key, base_url=base, retry_policy=core_policy(2))


def _core_search(base: str, key: str) -> str:
    with _client(base, key) as client:
        return client.search("paris weather").results[0].url


def _core_async_fetch(base: str, key: str) -> str:
    async def run() -> str:
        options: dict[str, Any] = {"api_key": key, "base_url": base}
        async with AsyncDeepSeekClient(**options, retry_policy=core_policy(2)) as client:
            return (await client.fetch(PAGE)).title

    return asyncio.run(run())


def _core_files(base: str, key: str) -> str:
    with _client(base, key) as client:
        return type(client.list_files()).__name__


def _langchain_tool(base: str, key: str) -> str:
    from langchain_deepseek_ext.web import DeepSeekSearch

    tool = DeepSeekSearch(api_key=key, base_url=base, max_retries=2)
    return str(tool.invoke({"query": "paris weather"})).splitlines()[1]


def _langchain_retriever(base: str, key: str) -> str:
    from langchain_deepseek_ext.web import DeepSeekSearchRetriever

    retriever = DeepSeekSearchRetriever(api_key=key, base_url=base, max_retries=2)
    return str(asyncio.run(retriever.ainvoke("paris weather"))[0].metadata["url"])


def _langchain_loader(base: str, key: str) -> str:
    from langchain_deepseek_ext.web import DeepSeekFetchLoader

    loader = DeepSeekFetchLoader([PAGE], api_key=key, base_url=base, max_retries=2)
    return str(loader.load()[0].metadata["title"])


def _llamaindex_tools(base: str, key: str) -> str:
    from llamaindex_deepseek_ext.web import DeepSeekToolSpec

    spec = DeepSeekToolSpec(api_key=key, api_base=base, max_retries=2)
    return str(spec.search("paris weather")).splitlines()[1]


def _llamaindex_retriever(base: str, key: str) -> str:
    from llamaindex_deepseek_ext.web import DeepSeekSearchRetriever

    retriever = DeepSeekSearchRetriever(api_key=key, api_base=base, max_retries=2)
    return str(retriever.retrieve("paris weather")[0].node.metadata["url"])


def _llamaindex_reader(base: str, key: str) -> str:
    from llamaindex_deepseek_ext.web import DeepSeekWebReader

    reader = DeepSeekWebReader(api_key=key, api_base=base, max_retries=2)
    return str(asyncio.run(reader.aload_data([PAGE]))[0].metadata["title"])


TITLE = "Paris weather this week"
SURFACES = [
    Surface("core search", _core_search, PAGE),
    Surface("core async fetch", _core_async_fetch, TITLE),
    Surface("core files", _core_files, "FileList"),
    Surface("LangChain search tool", _langchain_tool, PAGE),
    Surface("LangChain retriever", _langchain_retriever, PAGE),
    Surface("LangChain loader", _langchain_loader, TITLE),
    Surface("LlamaIndex tool spec", _llamaindex_tools, PAGE),
    Surface("LlamaIndex retriever", _llamaindex_retriever, PAGE),
    Surface("LlamaIndex reader", _llamaindex_reader, TITLE),
]


SCENARIOS = [
    *COMMON_SCENARIOS,
    Scenario("422 not retried", lambda: [Fault.status(422), spare()], 1, UnprocessableEntityError, 1),  # noqa: E501
    Scenario("truncated body every attempt", lambda: [Fault.truncated_body()] * 3, 3, InvalidResponseError),  # noqa: E501
    Scenario("keep-alive lines before the body", lambda: [Fault.keep_alive(3)], 1),
]  # fmt: skip


@pytest.fixture(scope="module")
def module_emulator() -> Iterator[tuple[Emulator, str]]:
    key = fake_key()
    with Emulator(api_key=key) as emu:
        yield emu, key


@pytest.mark.parametrize("surface", SURFACES, ids=lambda s: s.name)
@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_a_fault_on_a_new_endpoint_ends_as_documented(
    module_emulator: tuple[Emulator, str],
    scenario: Scenario,
    surface: Surface,
    retry_spy: RetrySpy,  # keeps the backoff short
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    emulator, key = module_emulator
    played = play(emulator, key, scenario, surface.run, monkeypatch)
    judge(emulator, scenario, played, surface=surface.name, expected=surface.expected, label="web")


@pytest.mark.parametrize("surface", SURFACES[:2], ids=lambda s: s.name)
def test_an_empty_balance_is_a_typed_error_not_retried(
    module_emulator: tuple[Emulator, str], surface: Surface
) -> None:
    emulator, key = module_emulator
    emulator.reset()
    emulator.balance_exhausted = True
    try:
        with pytest.raises(InsufficientBalanceError):
            surface.run(emulator.base_url, key)
    finally:
        emulator.balance_exhausted = False
    assert len(emulator.requests) == 1
    TALLY.fault("web: 402 not retried", "typed", lost_data=False)
