"""Web Search and page Fetch in the core: checks before sending, typed results, cost, where the
requests go, and the emulator's faults on the new endpoints."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest

from deepseek_ext_core import (
    WEB_TOOL_PRICE_USD,
    AsyncDeepSeekClient,
    DeepSeekClient,
    InvalidRequestError,
    InvalidResponseError,
    RateLimitError,
    RetryPolicy,
)
from deepseek_ext_emulator import Emulator, Fault

from .core_support import call, make_client


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    with Emulator(api_key="test-key") as emu:
        yield emu


def _client(mode: str, emulator: Emulator, **kwargs: Any) -> DeepSeekClient | AsyncDeepSeekClient:
    options = {"api_key": "test-key", "base_url": emulator.base_url, **kwargs}
    return DeepSeekClient(**options) if mode == "sync" else AsyncDeepSeekClient(**options)


async def _awaited(result: Any) -> Any:
    return await result if asyncio.iscoroutine(result) else result


async def test_search_returns_typed_results_and_its_cost(mode: str, emulator: Emulator) -> None:
    client = _client(mode, emulator)
    response = await call(client, "search", "paris weather")
    first = response.results[0]
    assert (first.title, first.url) == (
        "Paris weather this week",
        "https://example.com/paris/weather",
    )
    assert first.snippet and first.summary and first.content is None
    assert 0 <= first.rerank_score <= 3 and first.date == "2026-11-30"
    assert response.estimated_cost == WEB_TOOL_PRICE_USD == Decimal("0.00075")
    assert response.request_id
    request = emulator.last_request
    assert (request.path, request.body) == (
        "/v1/tools/search",
        {"query": "paris weather", "count": 10, "need_content": False},
    )


async def test_search_with_content_count_and_the_optional_fields(
    mode: str, emulator: Emulator
) -> None:
    client = _client(mode, emulator)
    response = await _awaited(
        client.search("prices", count=1, need_content=True, ori_question="How much?")
    )
    assert len(response.results) == 1 and response.results[0].content
    assert emulator.last_request.body["ori_question"] == "How much?"


async def test_no_results_cost_nothing(mode: str, emulator: Emulator) -> None:
    response = await call(_client(mode, emulator), "search", "zzzz qqqq")
    assert response.results == [] and response.estimated_cost == 0


async def test_fetch_returns_the_page_as_markdown(mode: str, emulator: Emulator) -> None:
    page = await call(_client(mode, emulator), "fetch", "https://example.com/rag/basics")
    assert page.title == "Retrieval-augmented generation in five minutes"
    assert page.content.startswith("# RAG basics")
    assert page.estimated_cost == WEB_TOOL_PRICE_USD
    assert emulator.last_request.body == {"url": "https://example.com/rag/basics"}
    empty = await call(_client(mode, emulator), "fetch", "https://example.com/nothing-here")
    assert empty.content == "" and empty.estimated_cost == 0


@pytest.mark.parametrize(
    ("method", "args", "kwargs", "message"),
    [
        ("search", ("",), {}, "non-empty"),
        ("search", ("   ",), {}, "non-empty"),
        ("search", ("x" * 129,), {}, "at most 128"),
        ("search", ("ok",), {"count": 0}, "1 to 50"),
        ("search", ("ok",), {"count": 51}, "1 to 50"),
        ("search", ("ok",), {"count": True}, "1 to 50"),
        ("fetch", ("ftp://example.com/x",), {}, "http"),
        ("fetch", ("example.com",), {}, "http"),
        ("fetch", ("https://example.com/" + "a" * 8200,), {}, "at most 8192"),
    ],
)
async def test_bad_input_is_refused_before_sending(
    mode: str,
    emulator: Emulator,
    method: str,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    message: str,
) -> None:
    client = _client(mode, emulator)
    with pytest.raises(InvalidRequestError, match=message):
        await _awaited(getattr(client, method)(*args, **kwargs))
    assert emulator.requests == []


async def test_a_429_is_retried_and_a_persistent_one_raises(mode: str, emulator: Emulator) -> None:
    policy = RetryPolicy(max_retries=1, initial_backoff=0.01, max_backoff=0.02)
    emulator.push(Fault.status(429, retry_after=0))
    response = await call(_client(mode, emulator, retry_policy=policy), "search", "paris")
    assert response.results
    assert len(emulator.requests) == 2
    emulator.push(Fault.status(429, retry_after=0), Fault.status(429, retry_after=0))
    with pytest.raises(RateLimitError):
        await call(
            _client(mode, emulator, retry_policy=policy), "fetch", "https://example.com/rag/basics"
        )


async def test_a_scripted_reply_waits_for_the_next_chat(mode: str, emulator: Emulator) -> None:
    from deepseek_ext_emulator import Reply

    emulator.push(Reply.text("for the chat"))
    await call(_client(mode, emulator), "search", "paris")
    assert emulator.pending == 1


@pytest.mark.parametrize(
    ("base_url", "expected"),
    [
        ("https://api.deepseek.com", "https://api.deepseek.com/v1/tools/search"),
        ("https://api.deepseek.com/v1", "https://api.deepseek.com/v1/tools/search"),
        ("https://api.deepseek.com/beta", "https://api.deepseek.com/v1/tools/search"),
        ("https://gateway.example/v1", "https://gateway.example/v1/tools/search"),
        ("https://gateway.example/deepseek", "https://gateway.example/deepseek/v1/tools/search"),
    ],
)
async def test_search_goes_below_v1_once(mode: str, base_url: str, expected: str) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"results": []})

    await call(make_client(mode, handler, base_url=base_url), "search", "x")
    assert str(seen[0].url) == expected


async def test_a_fetch_answered_with_markdown_itself_is_read(mode: str) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, text="# Title\n\nBody", headers={"content-type": "text/markdown"}
        )

    page = await call(make_client(mode, handler), "fetch", "https://example.com/a")
    assert (page.url, page.content) == ("https://example.com/a", "# Title\n\nBody")


async def test_a_fetch_body_that_is_not_json_is_an_invalid_response(mode: str) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, text="[1, 2]", headers={"content-type": "application/json"})

    with pytest.raises(InvalidResponseError, match="FetchResult"):
        await call(make_client(mode, handler, max_retries=0), "fetch", "https://example.com/a")
