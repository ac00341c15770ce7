"""Pure conversions: LlamaIndex messages <-> core neutral objects, chunks -> ChatResponses."""

from __future__ import annotations

import json
from collections.abc import Mapping

import pytest
from hypothesis import given
from hypothesis import strategies as st
from llama_index.core.base.llms.types import (
    ChatMessage,
    ImageBlock,
    MessageRole,
    TextBlock,
    ThinkingBlock,
    ToolCallBlock,
)

from deepseek_ext_core import (
    AssistantMessage,
    ChatCompletion,
    ChatCompletionChunk,
    ImagePart,
    InvalidConversationError,
    NamedToolChoice,
    SystemMessage,
    TextPart,
    ToolCall,
    ToolMessage,
    UserMessage,
)
from deepseek_ext_core.integration import prepare_chat_request
from llamaindex_deepseek_ext._convert import (
    ChatStreamState,
    dump_tool_arguments,
    from_completion,
    to_completion_response,
    to_core_messages,
    to_core_tool_choice,
    to_core_tools,
    to_logprobs,
)
from llamaindex_deepseek_ext._request import build_chat_request


def _tool_turn(reasoning_block: bool = True) -> list[ChatMessage]:
    blocks: list[ThinkingBlock | TextBlock | ToolCallBlock] = []
    if reasoning_block:
        blocks.append(ThinkingBlock(content="need weather"))
    blocks += [
        TextBlock(text=""),
        ToolCallBlock(tool_call_id="call_1", tool_name="weather", tool_kwargs='{"city": "Paris"}'),
    ]
    return [
        ChatMessage(role="system", content="be brief"),
        ChatMessage(role="user", content="weather in Paris?"),
        ChatMessage(role="assistant", blocks=blocks),
        ChatMessage(role="tool", content="sunny", additional_kwargs={"tool_call_id": "call_1"}),
    ]


def test_tool_turn_to_core_keeps_reasoning_and_raw_arguments() -> None:
    core = to_core_messages(_tool_turn())
    assert core == [
        SystemMessage(content="be brief"),
        UserMessage(content="weather in Paris?"),
        AssistantMessage(
            content="",
            tool_calls=(ToolCall(id="call_1", name="weather", arguments='{"city": "Paris"}'),),
            reasoning_content="need weather",
        ),
        ToolMessage(content="sunny", tool_call_id="call_1"),
    ]


def test_reasoning_from_additional_kwargs_when_no_thinking_block() -> None:
    messages = _tool_turn(reasoning_block=False)
    messages[2].additional_kwargs["reasoning_content"] = "from kwargs"
    core = to_core_messages(messages)
    assert isinstance(core[2], AssistantMessage)
    assert core[2].reasoning_content == "from kwargs"


def test_empty_reasoning_is_kept_not_dropped() -> None:
    message = ChatMessage(role="assistant", blocks=[ThinkingBlock(content=""), TextBlock(text="x")])
    (core,) = to_core_messages([message])
    assert isinstance(core, AssistantMessage)
    assert core.reasoning_content == ""


def test_converter_does_not_mutate_input() -> None:
    messages = _tool_turn()
    before = [m.model_dump() for m in messages]
    to_core_messages(messages)
    assert [m.model_dump() for m in messages] == before


def test_dict_tool_kwargs_dumped_like_deepseek() -> None:
    assert dump_tool_arguments({"city": "Zürich", "n": 1}) == '{"city": "Zürich", "n": 1}'
    assert dump_tool_arguments('{"a":1}') == '{"a":1}'


def test_prefix_marker_and_route_to_beta() -> None:
    messages = [
        ChatMessage(role="user", content="write quicksort"),
        ChatMessage(role="assistant", content="```python\n", additional_kwargs={"prefix": True}),
    ]
    core = to_core_messages(messages)
    assert isinstance(core[1], AssistantMessage) and core[1].prefix
    request = build_chat_request(
        {"model": "deepseek-flash"}, messages, {"stop": ["```"]}, stream=False, stream_usage=True
    )
    prepared = prepare_chat_request(request)
    assert prepared.path == "/beta/chat/completions"
    assert prepared.body["messages"][-1] == {
        "role": "assistant",
        "content": "```python\n",
        "prefix": True,
    }


def test_images_become_parts() -> None:
    message = ChatMessage(
        role="user",
        blocks=[
            TextBlock(text="what is this?"),
            ImageBlock(url="https://example.com/cat.png", detail="low"),
            ImageBlock(image=b"\x89PNG\r\n\x1a\n" + b"\x00" * 16, image_mimetype="image/png"),
        ],
    )
    (core,) = to_core_messages([message])
    assert isinstance(core, UserMessage) and isinstance(core.content, tuple)
    text, remote, inline = core.content
    assert text == TextPart(text="what is this?")
    assert remote == ImagePart(url="https://example.com/cat.png", detail="low")
    assert isinstance(inline, ImagePart) and inline.url.startswith("data:image/png;base64,")


def test_tool_message_without_call_id_is_rejected() -> None:
    with pytest.raises(InvalidConversationError, match="tool_call_id"):
        to_core_messages([ChatMessage(role=MessageRole.TOOL, content="x")])


def test_tool_choice_mapping() -> None:
    assert to_core_tool_choice(None, tool_required=False) is None
    assert to_core_tool_choice(None, tool_required=True) == "required"
    assert to_core_tool_choice("auto", tool_required=True) == "auto"
    named = to_core_tool_choice("weather", tool_required=False)
    assert isinstance(named, NamedToolChoice) and named.function.name == "weather"
    as_dict = to_core_tool_choice(
        {"type": "function", "function": {"name": "w"}}, tool_required=False
    )
    assert isinstance(as_dict, NamedToolChoice) and as_dict.function.name == "w"


def test_tool_choice_without_tools_is_never_sent() -> None:
    request = build_chat_request(
        {"model": "deepseek-flash"},
        [ChatMessage(role="user", content="hi")],
        {"tool_choice": "required"},
        stream=False,
        stream_usage=True,
    )
    body = prepare_chat_request(request).body
    assert "tool_choice" not in body and "tools" not in body


def test_unknown_call_option_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="temprature"):
        build_chat_request(
            {"model": "deepseek-flash"},
            [ChatMessage(role="user", content="hi")],
            {"temprature": 0.3},
            stream=False,
            stream_usage=True,
        )


def test_strict_tools_route_to_beta() -> None:
    spec = {
        "type": "function",
        "function": {
            "name": "w",
            "description": "d",
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
        },
    }
    tools = to_core_tools([spec], strict=True)
    request = build_chat_request(
        {"model": "deepseek-flash"},
        [ChatMessage(role="user", content="hi")],
        {"tools": tools},
        stream=False,
        stream_usage=True,
    )
    prepared = prepare_chat_request(request)
    assert prepared.path == "/beta/chat/completions"
    function = prepared.body["tools"][0]["function"]
    assert function["strict"] is True
    assert function["parameters"]["additionalProperties"] is False
    assert function["parameters"]["required"] == ["city"]


def _completion(**message: object) -> ChatCompletion:
    return ChatCompletion.model_validate(
        {
            "id": "x",
            "model": "deepseek-flash",
            "choices": [
                {"index": 0, "message": {"role": "assistant", **message}, "finish_reason": "stop"}
            ],
            "usage": {
                "prompt_tokens": 100,
                "completion_tokens": 20,
                "total_tokens": 120,
                "prompt_cache_hit_tokens": 64,
                "prompt_cache_miss_tokens": 36,
                "completion_tokens_details": {"reasoning_tokens": 12},
            },
        }
    )


def test_from_completion_blocks_and_usage() -> None:
    completion = _completion(
        content="",
        reasoning_content="think",
        tool_calls=[
            {"id": "c1", "type": "function", "function": {"name": "w", "arguments": '{"a": 1}'}}
        ],
    )
    response = from_completion(completion, model="deepseek-flash")
    thinking, text, call = response.message.blocks
    assert isinstance(thinking, ThinkingBlock) and thinking.content == "think"
    assert isinstance(text, TextBlock) and text.text == ""
    assert isinstance(call, ToolCallBlock) and call.tool_kwargs == '{"a": 1}'
    extra = response.additional_kwargs
    assert (extra["prompt_tokens"], extra["completion_tokens"], extra["total_tokens"]) == (
        100,
        20,
        120,
    )
    assert (extra["cache_hit_tokens"], extra["cache_miss_tokens"]) == (64, 36)
    assert extra["reasoning_tokens"] == 12
    assert extra["estimated_cost_usd"] is not None and extra["estimated_cost_usd"] > 0
    assert extra["finish_reason"] == "stop"


def test_round_trip_response_to_request_keeps_reasoning() -> None:
    completion = _completion(
        content=None,
        reasoning_content="r1",
        tool_calls=[{"id": "c1", "type": "function", "function": {"name": "w", "arguments": "{}"}}],
    )
    reply = from_completion(completion, model="deepseek-flash").message
    history = [
        ChatMessage(role="user", content="q"),
        reply,
        ChatMessage(role="tool", content="ok", additional_kwargs={"tool_call_id": "c1"}),
    ]
    request = build_chat_request(
        {"model": "deepseek-flash"}, history, {}, stream=False, stream_usage=True
    )
    wire = prepare_chat_request(request).body["messages"][1]
    assert wire["reasoning_content"] == "r1"
    assert wire["tool_calls"][0]["function"]["arguments"] == "{}"


def _chunk(
    delta: Mapping[str, object] | None, finish: str | None = None, usage: object = None
) -> ChatCompletionChunk:
    choices = [{"index": 0, "delta": delta, "finish_reason": finish}] if delta is not None else []
    return ChatCompletionChunk.model_validate(
        {"id": "x", "model": "deepseek-flash", "choices": choices, "usage": usage}
    )


def test_stream_state_cumulative_reasoning_and_every_chunk() -> None:
    state = ChatStreamState(model="deepseek-flash")
    chunks = [
        _chunk({"role": "assistant", "content": None, "reasoning_content": ""}),
        _chunk({"reasoning_content": "Let me"}),
        _chunk({"reasoning_content": " think"}),
        _chunk({"content": "Hel"}),
        _chunk({"content": "lo"}, finish="stop"),
        ChatCompletionChunk.model_validate(
            {
                "id": "x",
                "choices": [],
                "usage": {"prompt_tokens": 5, "completion_tokens": 7, "total_tokens": 12},
            }
        ),
    ]
    responses = [state.from_chunk(c) for c in chunks]
    assert len(responses) == len(chunks)
    first = responses[0]
    assert first.additional_kwargs["thinking_delta"] == ""
    assert isinstance(first.message.blocks[0], ThinkingBlock)
    assert [r.additional_kwargs.get("thinking_delta") for r in responses[1:3]] == [
        "Let me",
        " think",
    ]
    assert [r.delta for r in responses] == ["", "", "", "Hel", "lo", ""]
    last = responses[-1]
    thinking = last.message.blocks[0]
    assert isinstance(thinking, ThinkingBlock) and thinking.content == "Let me think"
    assert last.message.content == "Hello"
    assert last.additional_kwargs["finish_reason"] == "stop"
    assert last.additional_kwargs["total_tokens"] == 12
    assert responses[3].additional_kwargs["finish_reason"] is None


def test_stream_state_merges_tool_call_fragments() -> None:
    state = ChatStreamState(model="deepseek-flash")
    fragments = [
        {
            "tool_calls": [
                {
                    "index": 0,
                    "id": "c1",
                    "type": "function",
                    "function": {"name": "w", "arguments": ""},
                }
            ]
        },
        {"tool_calls": [{"index": 0, "function": {"arguments": '{"city"'}}]},
        {"tool_calls": [{"index": 0, "function": {"arguments": ': "Paris"}'}}]},
    ]
    responses = [state.from_chunk(_chunk(f)) for f in fragments]
    responses.append(state.from_chunk(_chunk({}, finish="tool_calls")))
    call = next(b for b in responses[-1].message.blocks if isinstance(b, ToolCallBlock))
    assert call.tool_call_id == "c1" and json.loads(str(call.tool_kwargs)) == {"city": "Paris"}


def test_completion_response_keeps_usage_and_reasoning() -> None:
    response = from_completion(
        _completion(content="hi", reasoning_content="r"), model="deepseek-flash"
    )
    completion = to_completion_response(response)
    assert completion.text == "hi"
    assert completion.additional_kwargs["reasoning_content"] == "r"
    assert completion.additional_kwargs["prompt_tokens"] == 100


def test_bool_thinking_per_call_and_logprobs_guard() -> None:
    request = build_chat_request(
        {"model": "deepseek-flash", "logprobs": True},
        [ChatMessage(role="user", content="hi")],
        {"thinking": False},
        stream=False,
        stream_usage=True,
    )
    body = prepare_chat_request(request).body
    assert body["thinking"] == {"type": "disabled"} and body["logprobs"] is True


def test_logprobs_reach_chat_and_completion_responses() -> None:
    # The documented shape (docs/deepseek-api.md §3.4): per token, its top alternatives.
    hello = {"token": "Hello", "logprob": -0.01, "bytes": [72, 101, 108, 108, 111]}
    hi = {"token": "Hi", "logprob": -4.6, "bytes": None}
    completion = ChatCompletion.model_validate(
        {
            "id": "70411db8-f224-41b2-930f-31e9d86e7745",
            "model": "deepseek-flash",
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": "Hello"},
                    "logprobs": {"content": [{**hello, "top_logprobs": [hello, hi]}]},
                    "finish_reason": "stop",
                }
            ],
        }
    )
    response = from_completion(completion, model="deepseek-flash")
    assert response.logprobs is not None
    (position,) = response.logprobs
    assert [(p.token, p.logprob, p.bytes) for p in position] == [
        ("Hello", -0.01, [72, 101, 108, 108, 111]),
        ("Hi", -4.6, []),
    ]
    assert to_completion_response(response).logprobs == response.logprobs
    assert to_logprobs(None) is None


_PIECE = st.text(alphabet="ab ", max_size=3)
_DELTAS = st.lists(
    st.one_of(
        st.builds(lambda t: {"content": t}, _PIECE),
        st.builds(lambda t: {"reasoning_content": t}, _PIECE),
        st.just({"content": None}),
    ),
    max_size=12,
)


@given(_DELTAS)
def test_every_stream_response_carries_the_text_and_reasoning_so_far(
    deltas: list[dict[str, str | None]],
) -> None:
    # The state only re-reads the accumulator when a chunk changed a string; each response must
    # still hold exactly what came so far.
    state = ChatStreamState(model="deepseek-flash")
    text, reasoning = "", None
    for delta in deltas:
        response = state.from_chunk(_chunk(delta))
        text += delta.get("content") or ""
        if delta.get("reasoning_content") is not None:
            reasoning = (reasoning or "") + str(delta["reasoning_content"])
        thinking = [b for b in response.message.blocks if isinstance(b, ThinkingBlock)]
        assert response.message.content == text
        assert [b.content for b in thinking] == ([] if reasoning is None else [reasoning])
