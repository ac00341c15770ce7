"""Pure conversion tests: LangChain messages <-> core neutral objects, chunks, usage."""

from __future__ import annotations

import json
from typing import Any

import pytest
from langchain_core.load import dumps, loads
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    ChatMessage,
    FunctionMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)

import deepseek_ext_core as core
from deepseek_ext_core import ChatAccumulator, ChatCompletion, ChatCompletionChunk, Usage
from langchain_deepseek_ext._convert import (
    from_chunk,
    from_completion,
    stream_end_chunk,
    to_core_messages,
    usage_to_metadata,
)

USAGE = {
    "prompt_tokens": 306,
    "completion_tokens": 64,
    "total_tokens": 370,
    "prompt_tokens_details": {"cached_tokens": 256},
    "completion_tokens_details": {"reasoning_tokens": 16},
    "prompt_cache_hit_tokens": 256,
    "prompt_cache_miss_tokens": 50,
}


def completion(message: dict[str, Any], **extra: Any) -> ChatCompletion:
    body = {
        "id": "70411db8-f224-41b2-930f-31e9d86e7745",
        "object": "chat.completion",
        "created": 1791284171,
        "model": "deepseek-flash",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", **message},
                "logprobs": None,
                "finish_reason": extra.pop("finish_reason", "stop"),
            }
        ],
        "usage": USAGE,
        "system_fingerprint": "fp_abc",
        **extra,
    }
    return ChatCompletion.model_validate(body)


# ---------------------------------------------------------------------------------------------
# LangChain -> core
# ---------------------------------------------------------------------------------------------


def test_roles_names_and_text_blocks() -> None:
    out = to_core_messages(
        [
            SystemMessage("be brief", name="sys"),
            HumanMessage([{"type": "text", "text": "hi "}, "there"], name="ann"),
            AIMessage("hello", name="bot"),
            ChatMessage(role="user", content="again"),
        ]
    )
    assert out == [
        core.SystemMessage(content="be brief", name="sys"),
        core.UserMessage(content="hi there", name="ann"),
        core.AssistantMessage(content="hello", name="bot"),
        core.UserMessage(content="again"),
    ]


def test_image_blocks_become_image_parts() -> None:
    message = HumanMessage(
        [
            {"type": "text", "text": "what is this?"},
            {"type": "image_url", "image_url": {"url": "https://x/y.png", "detail": "low"}},
            {"type": "image", "base64": "AAAA", "mime_type": "image/jpeg"},
            {"type": "image", "url": "https://x/z.png"},
        ]
    )
    [user] = to_core_messages([message])
    assert user == core.UserMessage(
        content=(
            core.TextPart("what is this?"),
            core.ImagePart("https://x/y.png", "low"),
            core.ImagePart("data:image/jpeg;base64,AAAA"),
            core.ImagePart("https://x/z.png"),
        )
    )


@pytest.mark.parametrize(
    ("block", "message"),
    [
        ({"type": "audio", "base64": "AAAA", "mime_type": "audio/wav"}, "text, image and file"),
        ({"type": "video", "url": "https://x/v.mp4"}, "no audio or video"),
        ({"type": "file", "url": "https://x/a.pdf"}, "not by URL"),
    ],
)
def test_unsupported_blocks_raise_clearly(block: dict[str, Any], message: str) -> None:
    with pytest.raises(core.UnsupportedInputError, match=message):
        to_core_messages([HumanMessage([block])])


def test_unknown_message_type_raises() -> None:
    with pytest.raises(core.UnsupportedInputError, match="FunctionMessage"):
        to_core_messages([FunctionMessage(name="f", content="x")])


def test_tool_calls_and_reasoning_to_core() -> None:
    ai = AIMessage(
        "",
        additional_kwargs={"reasoning_content": "think"},
        tool_calls=[{"name": "add", "args": {"a": 1, "b": "二"}, "id": "call_1"}],
    )
    [assistant, tool] = to_core_messages([ai, ToolMessage("3", tool_call_id="call_1")])
    assert assistant == core.AssistantMessage(
        content="",
        tool_calls=(core.ToolCall("call_1", "add", '{"a": 1, "b": "二"}'),),
        reasoning_content="think",
    )
    assert tool == core.ToolMessage(content="3", tool_call_id="call_1")


def test_reasoning_from_content_blocks_when_no_additional_kwargs() -> None:
    ai = AIMessage(
        [{"type": "reasoning", "reasoning": "step 1"}, {"type": "text", "text": "answer"}]
    )
    [assistant] = to_core_messages([ai])
    assert isinstance(assistant, core.AssistantMessage)
    assert assistant.content == "answer"
    assert assistant.reasoning_content == "step 1"


def test_empty_reasoning_string_is_kept() -> None:
    [assistant] = to_core_messages([AIMessage("x", additional_kwargs={"reasoning_content": ""})])
    assert isinstance(assistant, core.AssistantMessage)
    assert assistant.reasoning_content == ""


def test_prefix_marker() -> None:
    messages = [HumanMessage("code"), AIMessage("```python\n", additional_kwargs={"prefix": True})]
    assert to_core_messages(messages)[-1] == core.AssistantMessage(
        content="```python\n", prefix=True
    )


def test_tool_message_list_content() -> None:
    [_, _, tool] = to_core_messages(
        [
            HumanMessage("q"),
            AIMessage("", tool_calls=[{"name": "f", "args": {}, "id": "c"}]),
            ToolMessage(
                [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}], tool_call_id="c"
            ),
        ]
    )
    assert tool == core.ToolMessage(content="ab", tool_call_id="c")


@pytest.mark.parametrize(
    ("content", "sent"),
    [
        (["item1", "item2"], '["item1", "item2"]'),  # what langchain-deepseek sends
        ([], "[]"),
        (
            [{"type": "image", "url": "https://x/y.png"}],
            '[{"type": "image", "url": "https://x/y.png"}]',
        ),
        (["a", {"type": "text", "text": "b"}], '["a", {"type": "text", "text": "b"}]'),
        (["\u00e9t\u00e9"], '["\\u00e9t\\u00e9"]'),  # json.dumps defaults, as the peer
    ],
)
def test_tool_message_lists_are_sent_as_json_like_the_peer(content: list[Any], sent: str) -> None:
    [_, _, tool] = to_core_messages(
        [
            HumanMessage("q"),
            AIMessage("", tool_calls=[{"name": "f", "args": {}, "id": "c"}]),
            ToolMessage(content, tool_call_id="c"),
        ]
    )
    assert tool == core.ToolMessage(content=sent, tool_call_id="c")


def test_invalid_tool_call_sent_only_when_answered() -> None:
    bad = {
        "name": "f",
        "args": "{oops",
        "id": "c1",
        "error": "bad json",
        "type": "invalid_tool_call",
    }
    ai = AIMessage("", invalid_tool_calls=[bad])
    [unanswered] = to_core_messages([ai])
    assert isinstance(unanswered, core.AssistantMessage)
    assert unanswered.tool_calls == ()
    answered = to_core_messages([ai, ToolMessage("retry", tool_call_id="c1")])[0]
    assert isinstance(answered, core.AssistantMessage)
    assert answered.tool_calls == (core.ToolCall("c1", "f", "{}"),)


def test_conversion_does_not_mutate_input() -> None:
    ai = AIMessage("a", additional_kwargs={"reasoning_content": "r", "prefix": True})
    before = ai.model_dump()
    to_core_messages([HumanMessage("q"), ai])
    assert ai.model_dump() == before


# ---------------------------------------------------------------------------------------------
# core -> LangChain
# ---------------------------------------------------------------------------------------------


def test_usage_to_metadata() -> None:
    metadata = usage_to_metadata(Usage.model_validate(USAGE))
    assert metadata == {
        "input_tokens": 306,
        "output_tokens": 64,
        "total_tokens": 370,
        "input_token_details": {"cache_read": 256},
        "output_token_details": {"reasoning": 16},
    }


def test_from_completion_text_reasoning_and_metadata() -> None:
    result = completion({"content": "Paris", "reasoning_content": "capital of France"})
    message = from_completion(result, request_id="trace-1")
    assert message.content == "Paris"
    assert message.additional_kwargs == {"reasoning_content": "capital of France"}
    assert message.content_blocks[0] == {"type": "reasoning", "reasoning": "capital of France"}
    assert message.usage_metadata is not None
    assert message.usage_metadata["input_token_details"] == {"cache_read": 256}
    metadata = message.response_metadata
    assert metadata["finish_reason"] == "stop"
    assert metadata["model_name"] == "deepseek-flash"
    assert metadata["system_fingerprint"] == "fp_abc"
    assert metadata["id"] == "70411db8-f224-41b2-930f-31e9d86e7745"
    assert metadata["request_id"] == "trace-1"
    assert metadata["token_usage"]["prompt_cache_miss_tokens"] == 50
    assert metadata["model_provider"] == "deepseek"
    assert isinstance(metadata["estimated_cost"], float)
    assert metadata["estimated_cost"] > 0


def test_from_completion_tool_calls_valid_and_invalid() -> None:
    result = completion(
        {
            "content": "",
            "tool_calls": [
                {"index": 0, "id": "c0", "type": "function",
                 "function": {"name": "a", "arguments": '{"city": "上海"}'}},
                {"index": 1, "id": "c1", "type": "function",
                 "function": {"name": "b", "arguments": "{not json"}},
                {"index": 2, "id": "c2", "type": "function",
                 "function": {"name": "c", "arguments": ""}},
            ],
        },
        finish_reason="tool_calls",
    )  # fmt: skip
    message = from_completion(result)
    assert [(c["name"], c["args"], c["id"]) for c in message.tool_calls] == [
        ("a", {"city": "上海"}, "c0"),
        ("c", {}, "c2"),
    ]
    [bad] = message.invalid_tool_calls
    assert (bad["name"], bad["args"], bad["id"]) == ("b", "{not json", "c1")
    assert message.response_metadata["finish_reason"] == "tool_calls"


def test_non_thinking_completion_has_no_reasoning_key() -> None:
    message = from_completion(completion({"content": "hi"}))
    assert "reasoning_content" not in message.additional_kwargs


def chunk(
    delta: dict[str, Any], finish: str | None = None, usage: Any = None
) -> ChatCompletionChunk:
    return ChatCompletionChunk.model_validate(
        {
            "id": "s1",
            "object": "chat.completion.chunk",
            "created": 1791284171,
            "model": "deepseek-flash",
            "system_fingerprint": "fp_abc",
            "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
            "usage": usage,
        }
    )


STREAM = [
    chunk({"role": "assistant", "content": None, "reasoning_content": ""}),
    chunk({"content": None, "reasoning_content": "Let me "}),
    chunk({"content": None, "reasoning_content": "think."}),
    chunk({"content": "Calling."}),
    chunk({"tool_calls": [{"index": 0, "id": "call_0", "type": "function",
                           "function": {"name": "weather", "arguments": ""}}]}),
    chunk({"tool_calls": [{"index": 0, "function": {"arguments": '{"city": '}}]}),
    chunk({"tool_calls": [{"index": 0, "function": {"arguments": '"Paris"}'}}]}),
    chunk({"content": "", "reasoning_content": None}, finish="tool_calls", usage=USAGE),
]  # fmt: skip


def test_chunks_merge_to_the_completion() -> None:
    pieces = [m for m in (from_chunk(c) for c in STREAM) if m is not None]
    accumulator = ChatAccumulator()
    for item in STREAM:
        accumulator.add(item)
    end = stream_end_chunk(accumulator.completion(), "trace-2")
    merged = pieces[0]
    for piece in [*pieces[1:], end]:
        merged += piece
    assert isinstance(merged, AIMessageChunk)
    assert merged.additional_kwargs["reasoning_content"] == "Let me think."
    assert merged.content == "Calling."
    assert merged.tool_calls == [
        {"name": "weather", "args": {"city": "Paris"}, "id": "call_0", "type": "tool_call"}
    ]
    assert merged.usage_metadata is not None
    assert merged.usage_metadata["output_token_details"] == {"reasoning": 16}
    assert merged.response_metadata["finish_reason"] == "tool_calls"
    assert merged.response_metadata["model_name"] == "deepseek-flash"  # not repeated per chunk
    assert merged.response_metadata["request_id"] == "trace-2"
    assert merged.chunk_position == "last"
    # the merged stream and a non-streamed answer look the same to a LangChain user
    direct = from_completion(accumulator.completion(), request_id="trace-2")
    assert merged.additional_kwargs == direct.additional_kwargs
    assert merged.tool_calls == direct.tool_calls
    assert merged.usage_metadata == direct.usage_metadata


def test_first_thinking_chunk_keeps_empty_reasoning() -> None:
    first = from_chunk(STREAM[0])
    assert first is not None
    assert first.additional_kwargs == {"reasoning_content": ""}


def test_chunk_without_choices_or_delta_is_skipped() -> None:
    usage_only = ChatCompletionChunk.model_validate({"id": "s1", "choices": [], "usage": USAGE})
    assert from_chunk(usage_only) is None
    assert from_chunk(chunk({"content": None})) is None


def test_stream_end_chunk_without_usage() -> None:
    end = stream_end_chunk(completion({"content": "x"}), None, include_usage=False)
    assert end.usage_metadata is None
    assert end.response_metadata["finish_reason"] == "stop"


def test_history_survives_dumps_loads_and_converts_the_same() -> None:
    result = completion(
        {
            "content": "",
            "reasoning_content": "I should call f",
            "tool_calls": [{"index": 0, "id": "c0", "type": "function",
                            "function": {"name": "f", "arguments": "{}"}}],
        },
        finish_reason="tool_calls",
    )  # fmt: skip
    history = [HumanMessage("q"), from_completion(result), ToolMessage("ok", tool_call_id="c0")]
    restored = loads(dumps(history), allowed_objects="messages")
    assert to_core_messages(restored) == to_core_messages(history)
    wire = core.to_wire_messages(to_core_messages(restored), has_tools=True)
    assert wire[1]["reasoning_content"] == "I should call f"
    assert json.loads(wire[1]["tool_calls"][0]["function"]["arguments"]) == {}


def test_v1_blocks_keep_reasoning_and_tool_call_apart() -> None:
    from langchain_deepseek_ext._blocks import translate_content, translate_content_chunk

    pieces = [m for m in (from_chunk(c) for c in STREAM) if m is not None]
    reasoning_block = translate_content_chunk(pieces[1])
    call_block = translate_content_chunk(pieces[4])
    assert reasoning_block == [
        {"type": "reasoning", "reasoning": "Let me ", "index": "lc_reasoning"}
    ]
    assert call_block[0]["type"] == "tool_call_chunk"
    assert call_block[0]["index"] != reasoning_block[0]["index"]
    assert translate_content_chunk(pieces[0]) == []  # the empty first thinking delta opens nothing
    message = from_completion(completion({"content": "hi", "reasoning_content": "r"}))
    assert translate_content(message) == [
        {"type": "reasoning", "reasoning": "r"},
        {"type": "text", "text": "hi"},
    ]
