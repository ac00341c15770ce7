"""Long streamed tool arguments are yielded in batches that grow with them (`_batching.py`)."""

from __future__ import annotations

import itertools
import json
from typing import Any

from langchain_core.messages import AIMessageChunk

from deepseek_ext_core import ChatCompletionChunk
from deepseek_ext_emulator import Emulator, Reply, ToolCall
from langchain_deepseek_ext import ChatDeepSeek
from langchain_deepseek_ext._batching import ArgumentBatcher


def _chunk(delta: dict[str, Any], finish: str | None = None) -> ChatCompletionChunk:
    return ChatCompletionChunk.model_validate(
        {"id": "x", "object": "chat.completion.chunk", "created": 1, "model": "m",
         "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
    )  # fmt: skip


def _fragment(text: str, index: int = 0) -> ChatCompletionChunk:
    return _chunk({"tool_calls": [{"index": index, "function": {"arguments": text}}]})


def _arguments(chunks: list[ChatCompletionChunk]) -> list[str]:
    out = []
    for chunk in chunks:
        for call in chunk.choices[0].delta.tool_calls or []:
            out.append(call.function.arguments or "" if call.function else "")
    return out


def test_batches_grow_so_the_number_of_chunks_grows_with_the_log_of_the_fragments() -> None:
    frozen = ArgumentBatcher(clock=lambda: 0.0)  # no time passes: only the size rule acts
    start = _chunk(
        {"tool_calls": [{"index": 0, "id": "c", "function": {"name": "f", "arguments": ""}}]}
    )
    yielded = frozen.add(start)
    for i in range(16_000):
        yielded += frozen.add(_fragment(f"w{i:05} "))
    yielded += frozen.add(_chunk({}, finish="tool_calls"))
    arguments = _arguments(yielded)

    assert "".join(arguments) == "".join(f"w{i:05} " for i in range(16_000))  # nothing lost
    assert arguments[:9] == [""] + [f"w{i:05} " for i in range(8)]  # the start streams as is
    assert len(yielded) < 120  # 16,002 chunks in, about 8 x ln(16,000) out
    sizes = [len(a) for a in arguments[9:]]
    assert all(later <= earlier * 1.3 + 7 for earlier, later in itertools.pairwise(sizes))
    assert yielded[-1].choices[0].finish_reason == "tool_calls"  # in order, at once


def test_what_is_held_goes_out_before_anything_else_and_after_max_delay() -> None:
    now = [0.0]
    batcher = ArgumentBatcher(max_delay=0.05, clock=lambda: now[0])
    for _ in range(20):  # enough for the size rule to start holding back
        batcher.add(_fragment("ab"))
    held = batcher.add(_fragment("cd"))
    assert held == []
    now[0] = 0.06
    assert _arguments(batcher.add(_fragment("ef"))) == ["cdef"]  # overdue: out it goes
    batcher.add(_fragment("gh"))
    text = batcher.add(_chunk({"content": "done"}))
    assert _arguments(text[:1]) == ["gh"] and text[1].choices[0].delta.content == "done"


def test_through_chat_deepseek_the_merged_message_is_the_same() -> None:
    arguments = json.dumps({"text": " ".join(f"w{i}" for i in range(3_000))})
    with Emulator(api_key="sk-test") as emulator:
        emulator.push(Reply.tool_calls([ToolCall(name="write", arguments=arguments)]))
        model = ChatDeepSeek(model="deepseek-chat", api_key="sk-test", base_url=emulator.base_url)
        chunks = list(model.stream("go"))
    full = chunks[0]
    for chunk in chunks[1:]:
        full = full + chunk
    assert isinstance(full, AIMessageChunk)
    assert full.tool_calls[0]["args"] == json.loads(arguments)
    assert len(chunks) < 100  # about 6,000 fragments came in


def test_what_is_held_comes_out_before_an_error() -> None:
    from collections.abc import Iterator

    import pytest

    from deepseek_ext_core import StreamTruncatedError
    from langchain_deepseek_ext._batching import batched

    def cut() -> Iterator[ChatCompletionChunk]:
        for _ in range(200):  # far past the point where fragments are held back
            yield _fragment("ab")
        raise StreamTruncatedError("cut", chunks_received=200)

    received: list[ChatCompletionChunk] = []
    with pytest.raises(StreamTruncatedError):
        for chunk in batched(cut()):
            received.append(chunk)
    assert "".join(_arguments(received)) == "ab" * 200  # every fragment that arrived
