"""Fixtures for the LangChain adapter tests: an offline DeepSeek emulator and models bound to it."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, Literal

import pytest
from langchain_core.language_models import LanguageModelInput
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.runnables import Runnable

from deepseek_ext_emulator import Emulator
from langchain_deepseek_ext import ChatDeepSeek, DeepSeekFIM

from ..request_bodies import with_clean_tool_descriptions

KEY = "test-key"


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    with Emulator(api_key=KEY) as emu:
        yield emu


@pytest.fixture
def make_chat(emulator: Emulator) -> Callable[..., ChatDeepSeek]:
    def make(**kwargs: Any) -> ChatDeepSeek:
        params: dict[str, Any] = {
            "api_key": KEY,
            "base_url": emulator.base_url,
            "beta_base_url": emulator.beta_base_url,
            "max_retries": 0,
        }
        return ChatDeepSeek(**{**params, **kwargs})

    return make


@pytest.fixture
def chat(make_chat: Callable[..., ChatDeepSeek]) -> ChatDeepSeek:
    return make_chat()


@pytest.fixture
def fim(emulator: Emulator) -> DeepSeekFIM:
    return DeepSeekFIM(
        api_key=KEY,
        base_url=emulator.base_url,
        beta_base_url=emulator.beta_base_url,
        max_retries=0,
    )


Mode = Literal["invoke", "ainvoke", "stream", "astream"]


async def _run(
    model: Runnable[LanguageModelInput, BaseMessage], value: Any, mode: Mode, **kwargs: Any
) -> AIMessage:
    """The final message: the answer, or the sum of the streamed chunks."""
    if mode == "invoke":
        result = model.invoke(value, **kwargs)
    elif mode == "ainvoke":
        result = await model.ainvoke(value, **kwargs)
    else:
        chunks: list[BaseMessage] = (
            list(model.stream(value, **kwargs))
            if mode == "stream"
            else [c async for c in model.astream(value, **kwargs)]
        )
        assert chunks, "no chunks"
        merged: Any = chunks[0]
        for chunk in chunks[1:]:
            merged = merged + chunk
        assert isinstance(merged, AIMessageChunk)
        assert [c.chunk_position for c in chunks if isinstance(c, AIMessageChunk)][-1] == "last"
        result = merged
    assert isinstance(result, AIMessage)
    return result


@pytest.fixture
def run() -> Callable[..., Awaitable[AIMessage]]:
    """Run one behaviour through invoke, ainvoke, stream or astream; returns the final message."""
    return _run


def _normalized_body(request: Any) -> Any:
    """The JSON body with tool-call ids replaced by their order of appearance (and tool
    descriptions compared without docstring indentation, see `tests/request_bodies.py`)."""
    body = request.body
    if not body:
        return None
    text = body.decode("utf-8") if isinstance(body, bytes) else body
    try:
        parsed = json.loads(text)
    except ValueError:
        return text
    ids: dict[str, str] = {}

    def stable(value: str) -> str:
        return ids.setdefault(value, f"id-{len(ids)}")

    for message in parsed.get("messages", []) if isinstance(parsed, dict) else []:
        for call in message.get("tool_calls") or []:
            call["id"] = stable(call["id"])
        if "tool_call_id" in message:
            message["tool_call_id"] = stable(message["tool_call_id"])
    return with_clean_tool_descriptions(parsed)


def _match_json_body_stable_ids(recorded: Any, sent: Any) -> None:
    assert _normalized_body(recorded) == _normalized_body(sent), "request bodies differ"


def pytest_recording_configure(config: pytest.Config, vcr: Any) -> None:
    # Some standard tests build histories with random (uuid4) tool-call ids on every run.
    vcr.register_matcher("json_body_stable_ids", _match_json_body_stable_ids)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The standard `test_stream_time` benchmark replays its one stream many times."""
    for item in items:
        if item.name == "test_stream_time":
            item.add_marker(pytest.mark.vcr(allow_playback_repeats=True))
