"""FIM through `DeepSeekFIM`, and chat prefix completion through a marked assistant message."""

from __future__ import annotations

import pickle
from typing import Any

import pytest
from llama_index.core.base.llms.types import ChatMessage

from deepseek_ext_emulator import Reply
from llamaindex_deepseek_ext import PREFIX_KEY, DeepSeekFIM

from .li_support import API_KEY, Emu

PROMPT = "def fib(n):\n"
SUFFIX = "\n    return a\n"
MIDDLE = "    a, b = 0, 1\n    for _ in range(n):\n        a, b = b, a + b"


def _fim(emu: Emu, **kwargs: Any) -> DeepSeekFIM:
    return DeepSeekFIM(
        api_key=API_KEY,
        api_base=emu.base_url,
        beta_base_url=emu.beta_base_url,
        max_retries=0,
        **kwargs,
    )


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_fim_complete_with_suffix(emu: Emu, mode: str) -> None:
    emu.script(Reply.fim(MIDDLE))
    fim = _fim(emu, max_tokens=128)
    if mode == "sync":
        response = fim.complete(PROMPT, suffix=SUFFIX)
    else:
        response = await fim.acomplete(PROMPT, suffix=SUFFIX)
    assert response.text == MIDDLE
    assert response.additional_kwargs["completion_tokens"] > 0
    request = emu.emulator.last_request
    assert request.path.endswith("/beta/completions")
    assert request.body["prompt"] == PROMPT and request.body["suffix"] == SUFFIX
    assert request.body["max_tokens"] == 128


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_fim_stream(emu: Emu, mode: str) -> None:
    emu.script(Reply.fim(MIDDLE, chunks=4))
    fim = _fim(emu, suffix=SUFFIX)  # the default suffix field
    if mode == "sync":
        chunks = list(fim.stream_complete(PROMPT))
    else:
        chunks = [c async for c in await fim.astream_complete(PROMPT)]
    assert "".join(c.delta or "" for c in chunks) == MIDDLE
    assert chunks[-1].text == MIDDLE
    assert emu.emulator.last_request.body["suffix"] == SUFFIX


def test_fim_secret_not_serialized() -> None:
    fim = DeepSeekFIM(api_key="sk-fim-secret-123")
    assert "sk-fim-secret-123" not in fim.to_json() and "sk-fim-secret-123" not in repr(fim)
    assert b"sk-fim-secret-123" not in pickle.dumps(fim)


def test_chat_prefix_completion(emu: Emu) -> None:
    emu.script(Reply.text("def quicksort(xs):\n    ..."))
    messages = [
        ChatMessage(role="user", content="Write quicksort in Python"),
        ChatMessage(role="assistant", content="```python\n", additional_kwargs={PREFIX_KEY: True}),
    ]
    response = emu.llm(thinking="disabled").chat(messages, stop=["```"])
    assert response.message.content == "def quicksort(xs):\n    ..."
    request = emu.emulator.last_request
    assert request.path.endswith("/beta/chat/completions")
    assert request.body["messages"][-1] == {
        "role": "assistant",
        "content": "```python\n",
        "prefix": True,
    }
    assert request.body["stop"] == ["```"]


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_the_environments_beta_base_is_used(
    emu: Emu, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    # What the emulator's three export lines set up: FIM reaches its /beta.
    monkeypatch.setenv("DEEPSEEK_API_KEY", API_KEY)
    monkeypatch.setenv("DEEPSEEK_BASE_URL", emu.base_url)
    monkeypatch.setenv("DEEPSEEK_BETA_BASE_URL", emu.beta_base_url)
    emu.script(Reply.fim(MIDDLE))
    fim = DeepSeekFIM(max_retries=0)
    response = fim.complete(PROMPT) if mode == "sync" else await fim.acomplete(PROMPT)
    assert response.text == MIDDLE
    assert emu.emulator.last_request.path == "/beta/completions"
