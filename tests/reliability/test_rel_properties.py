"""Property-based: the adapters' conversions never fail with anything but the documented errors.

tests/core/ already covers the SSE decoder, the accumulator and `to_wire_messages` on their own.
Here the inputs are the frameworks' objects and whatever a server may stream:

- LangChain and LlamaIndex histories of any shape -> the adapter's `to_core_messages` -> the
  core's `to_wire_messages`: the result, or an `InvalidRequestError` (documented, a ValueError).
- Any chunk sequence -> LangChain `from_chunk` / `stream_end_chunk` (and adding the chunks up,
  as `stream()` users do), LlamaIndex `ChatStreamState` and its tool selections: no exception.
- Any bytes as a streamed HTTP body -> the core client and `ChatDeepSeek.stream`: chunks, then
  at most a `DeepSeekError` (the LangChain twin for the adapter).
"""

from __future__ import annotations

import json
import os
from functools import reduce
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    ChatMessage,
    FunctionMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)
from llama_index.core.base.llms.types import ChatMessage as LIMessage
from llama_index.core.base.llms.types import (
    ImageBlock,
    MessageRole,
    TextBlock,
    ThinkingBlock,
    ToolCallBlock,
)
from pydantic import ValidationError

from deepseek_ext_core import (
    ChatCompletionChunk,
    ChatRequest,
    DeepSeekClient,
    DeepSeekError,
    InvalidRequestError,
    RetryPolicy,
    UserMessage,
    to_wire_messages,
)
from langchain_deepseek_ext import ChatDeepSeek
from langchain_deepseek_ext._convert import from_chunk, stream_end_chunk
from langchain_deepseek_ext._convert import to_core_messages as lc_to_core
from llamaindex_deepseek_ext import ToolArgumentsError
from llamaindex_deepseek_ext._convert import ChatStreamState
from llamaindex_deepseek_ext._convert import to_core_messages as li_to_core
from llamaindex_deepseek_ext._tools import tool_selections

FAST = settings(
    max_examples=int(os.environ.get("RELIABILITY_EXAMPLES", "150")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TEXT = st.text(max_size=6)
IDS = st.sampled_from(["call_1", "call_2", ""])
JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 5) | TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=6,
)
ARGUMENTS = st.sampled_from(["{}", '{"a": 1}', "[1]", "nope", "", '{"a":', "null"])

# ---------------------------------------------------------------------------------------------
# LangChain histories
# ---------------------------------------------------------------------------------------------

LC_BLOCK = st.one_of(
    TEXT,
    st.fixed_dictionaries({"type": st.just("text"), "text": TEXT}),
    st.fixed_dictionaries({"type": st.just("text")}),
    st.fixed_dictionaries(
        {"type": st.just("image_url"), "image_url": st.just("https://x/a.png") | JSONISH}
    ),
    st.fixed_dictionaries({"type": st.just("image"), "url": st.just("https://x/a.png")}),
    st.fixed_dictionaries(
        {"type": st.just("image"), "base64": st.just("aGk="), "mime_type": st.just("image/png")}
    ),
    st.fixed_dictionaries(
        {
            "type": st.just("image"),
            "source_type": st.sampled_from(["base64", "url", "x"]),
            "data": st.just("aGk="),
            "url": JSONISH,
        }
    ),
    st.fixed_dictionaries(
        {
            "type": st.sampled_from(["reasoning", "thinking", "tool_use"]),
            "reasoning": TEXT,
            "thinking": TEXT,
        }
    ),
    st.dictionaries(st.sampled_from(["type", "text", "x"]), JSONISH, max_size=2),
)
LC_CONTENT = TEXT | st.lists(LC_BLOCK, max_size=3)
LC_TOOL_CALL = st.fixed_dictionaries(
    {
        "name": st.sampled_from(["lookup", "f"]),
        "args": st.dictionaries(TEXT, JSONISH, max_size=2),
        "id": IDS | st.none(),
    }
)
LC_BAD_CALL = st.fixed_dictionaries(
    {
        "name": st.none() | st.just("f"),
        "args": st.none() | ARGUMENTS,
        "id": IDS | st.none(),
        "error": st.none(),
    }
)
LC_MESSAGE = st.one_of(
    st.builds(HumanMessage, content=LC_CONTENT),
    st.builds(SystemMessage, content=LC_CONTENT),
    st.builds(
        AIMessage,
        content=LC_CONTENT,
        tool_calls=st.lists(LC_TOOL_CALL, max_size=2),
        invalid_tool_calls=st.lists(LC_BAD_CALL, max_size=1),
        additional_kwargs=st.fixed_dictionaries(
            {}, optional={"reasoning_content": JSONISH, "prefix": JSONISH}
        ),
    ),
    st.builds(ToolMessage, content=LC_CONTENT, tool_call_id=IDS),
    st.builds(
        ChatMessage,
        content=LC_CONTENT,
        role=st.sampled_from(
            ["user", "human", "ai", "assistant", "system", "developer", "tool", "wizard"]
        ),
    ),
    st.builds(FunctionMessage, content=LC_CONTENT, name=st.just("f")),
)


@FAST
@given(messages=st.lists(LC_MESSAGE, max_size=6), has_tools=st.booleans())
def test_langchain_histories_convert_or_raise_a_documented_error(
    messages: list[Any], has_tools: bool
) -> None:
    before = [m.model_dump() for m in messages]
    try:
        to_wire_messages(lc_to_core(messages), has_tools=has_tools)
        event("converted")
    except InvalidRequestError as exc:
        event(f"rejected: {type(exc).__name__}")
    assert [m.model_dump() for m in messages] == before, "the caller's messages were mutated"


# ---------------------------------------------------------------------------------------------
# LlamaIndex histories
# ---------------------------------------------------------------------------------------------

LI_BLOCK = st.one_of(
    st.builds(TextBlock, text=TEXT),
    st.builds(ImageBlock, url=st.sampled_from(["https://x/a.png", "data:image/png;base64,aGk="])),
    st.builds(ImageBlock, image=st.just(b"\x89PNG\r\n\x1a\n"), image_mimetype=st.just("image/png")),
    st.builds(ThinkingBlock, content=st.none() | TEXT),
    st.builds(
        ToolCallBlock,
        tool_call_id=IDS | st.none(),
        tool_name=st.sampled_from(["lookup", "f"]),
        tool_kwargs=ARGUMENTS | st.dictionaries(TEXT, JSONISH, max_size=2),
    ),
)
LI_EXTRA = st.fixed_dictionaries(
    {},
    optional={
        "tool_call_id": IDS | JSONISH,
        "reasoning_content": JSONISH,
        "prefix": st.booleans(),
        "tool_calls": st.lists(
            st.fixed_dictionaries(
                {
                    "id": IDS,
                    "function": st.fixed_dictionaries(
                        {"name": st.just("f"), "arguments": ARGUMENTS}
                    ),
                }
            )
            | JSONISH,
            max_size=2,
        ),
    },
)
LI_MESSAGE = st.builds(
    LIMessage,
    role=st.sampled_from(list(MessageRole)),
    blocks=st.lists(LI_BLOCK, max_size=3),
    additional_kwargs=LI_EXTRA,
)


@FAST
@given(messages=st.lists(LI_MESSAGE, max_size=6), has_tools=st.booleans())
def test_llamaindex_histories_convert_or_raise_a_documented_error(
    messages: list[LIMessage], has_tools: bool
) -> None:
    before = [m.model_dump() for m in messages]
    try:
        to_wire_messages(li_to_core(messages), has_tools=has_tools)
        event("converted")
    except InvalidRequestError as exc:
        event(f"rejected: {type(exc).__name__}")
    assert [m.model_dump() for m in messages] == before, "the caller's messages were mutated"


# ---------------------------------------------------------------------------------------------
# Any chunks -> the adapters' stream conversions
# ---------------------------------------------------------------------------------------------

FRAGMENT = st.fixed_dictionaries(
    {},
    optional={
        "index": st.integers(0, 3),
        "id": st.none() | IDS,
        "type": st.none() | st.just("function"),
        "function": st.none()
        | st.fixed_dictionaries(
            {}, optional={"name": st.none() | st.just("f"), "arguments": st.none() | ARGUMENTS}
        ),
    },
)
DELTA = st.fixed_dictionaries(
    {},
    optional={
        "role": st.none() | st.just("assistant"),
        "content": st.none() | TEXT,
        "reasoning_content": st.none() | TEXT,
        "tool_calls": st.none() | st.lists(FRAGMENT, max_size=2),
    },
)
USAGE = st.fixed_dictionaries(
    {
        "prompt_tokens": st.integers(0, 10**6),
        "completion_tokens": st.integers(0, 10**6),
        "total_tokens": st.integers(0, 10**6),
    },
    optional={
        "prompt_cache_hit_tokens": st.none() | st.integers(0, 10**6),
        "completion_tokens_details": st.fixed_dictionaries(
            {"reasoning_tokens": st.none() | st.integers(0, 100)}
        ),
    },
)
CHUNK = st.fixed_dictionaries(
    {},
    optional={
        "id": TEXT,
        "model": st.sampled_from(["deepseek-flash", "deepseek-v4-pro", "unknown-model", ""]),
        "created": st.integers(0, 2_000_000_000),
        "choices": st.lists(
            st.fixed_dictionaries(
                {},
                optional={
                    "index": st.integers(0, 2),
                    "delta": DELTA,
                    "finish_reason": st.none()
                    | st.sampled_from(
                        ["stop", "length", "tool_calls", "insufficient_system_resource", "weird"]
                    ),
                    "logprobs": st.none() | st.dictionaries(st.just("content"), st.lists(JSONISH)),
                },
            ),
            max_size=2,
        ),
        "usage": st.none() | USAGE,
    },
).map(ChatCompletionChunk.model_validate)


@FAST
@given(chunks=st.lists(CHUNK, max_size=8), include_usage=st.booleans())
def test_langchain_stream_conversion_never_raises(
    chunks: list[ChatCompletionChunk], include_usage: bool
) -> None:
    from deepseek_ext_core import ChatAccumulator

    accumulator = ChatAccumulator()
    pieces: list[AIMessageChunk] = []
    for chunk in chunks:
        accumulator.add(chunk)
        piece = from_chunk(chunk)
        if piece is not None:
            pieces.append(piece)
    pieces.append(stream_end_chunk(accumulator.completion(), "rid", include_usage=include_usage))
    total = reduce(lambda a, b: a + b, pieces)  # what `stream()` users do
    assert isinstance(total, AIMessageChunk)
    assert total.content == "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)


@FAST
@given(chunks=st.lists(CHUNK, max_size=8), model=st.sampled_from(["deepseek-flash", "x"]))
def test_llamaindex_stream_conversion_never_raises(
    chunks: list[ChatCompletionChunk], model: str
) -> None:
    state = ChatStreamState(model=model)
    responses = [state.from_chunk(chunk) for chunk in chunks]
    for response in responses:
        try:
            tool_selections(response, error_on_no_tool_call=False, strict=True)
        except ToolArgumentsError:  # documented: a finished call whose arguments are not JSON
            assert response.additional_kwargs.get("finish_reason") is not None


# ---------------------------------------------------------------------------------------------
# Any bytes on the wire -> the core client and the LangChain adapter
# ---------------------------------------------------------------------------------------------

EVENT = st.one_of(
    CHUNK.map(lambda c: c.model_dump_json()),
    st.just("[DONE]"),
    st.just('{"error": {"message": "overloaded", "type": "server_error"}}'),
    JSONISH.map(json.dumps),
    st.text(max_size=20),
)
BODY = st.one_of(
    st.lists(
        st.tuples(EVENT, st.sampled_from(["\n\n", "\r\n\r\n", "\n", ": keep-alive\n\n"])),
        max_size=6,
    ).map(lambda events: "".join(f"data: {e}{end}" for e, end in events).encode()),
    st.binary(max_size=200),
)


def _transport(body: bytes, status: int) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, content=body, headers={"content-type": "text/event-stream"})

    return httpx.MockTransport(handler)


NO_RETRY = RetryPolicy(max_retries=0)


@FAST
@given(body=BODY, status=st.sampled_from([200, 200, 200, 400, 429, 500]))
def test_any_streamed_body_gives_chunks_or_a_deepseek_error(body: bytes, status: int) -> None:
    http = httpx.Client(transport=_transport(body, status))
    client = DeepSeekClient(
        api_key="sk-test",
        base_url="https://api.deepseek.com",
        http_client=http,
        retry_policy=NO_RETRY,
    )
    request = ChatRequest(model="deepseek-flash", messages=[UserMessage("hi")])
    try:
        with client.stream_chat(request) as stream:
            for _ in stream:
                pass
            stream.completion()
        event("complete")
    except DeepSeekError as exc:
        event(f"raised {type(exc).__name__}")
    http.close()


@FAST
@given(body=BODY, status=st.sampled_from([200, 200, 200, 400, 429, 500]))
def test_any_streamed_body_through_langchain_gives_chunks_or_a_typed_error(
    body: bytes, status: int
) -> None:
    from langchain_core.exceptions import LangChainException

    http = httpx.Client(transport=_transport(body, status))
    llm = ChatDeepSeek(
        api_key="sk-test", base_url="https://api.deepseek.com", http_client=http, max_retries=0
    )
    try:
        for _ in llm.stream("hi"):
            pass
    except DeepSeekError as exc:
        assert isinstance(exc, LangChainException), type(exc)  # both vocabularies
    http.close()


@pytest.mark.parametrize("raw", ["", "{", "[]", '{"choices": 5}', '{"choices": [{"delta": 1}]}'])
def test_malformed_chunks_fail_validation_not_later(raw: str) -> None:
    """What `CHUNK` cannot build: the core turns these into InvalidResponseError (above)."""
    with pytest.raises(ValidationError):
        ChatCompletionChunk.model_validate_json(raw)
