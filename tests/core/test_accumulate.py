"""The chunk accumulator: a stream merged into one message (docs/deepseek-api.md §4.3, §4.4)."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from deepseek_ext_core import ChatAccumulator, ChatCompletion

from .core_support import USAGE, chunk, parse_chunks


def accumulate(bodies: list[dict[str, Any]]) -> ChatAccumulator:
    acc = ChatAccumulator()
    for item in parse_chunks(bodies):
        acc.add(item)
    return acc


def call_start(index: int, call_id: str, name: str) -> dict[str, Any]:
    return {
        "index": index,
        "id": call_id,
        "type": "function",
        "function": {"name": name, "arguments": ""},
    }


def call_part(index: int, arguments: str) -> dict[str, Any]:
    return {"index": index, "function": {"arguments": arguments}}


def test_content_is_concatenated_exactly() -> None:
    acc = accumulate(
        [
            chunk({"role": "assistant", "content": ""}),
            chunk({"content": "  Hel"}),
            chunk({"content": "lo,\n"}),
            chunk({"content": " wörld 上海 "}),
            chunk({"content": ""}, finish_reason="stop", usage=USAGE),
        ]
    )
    message = acc.completion().message
    assert message.content == "  Hello,\n wörld 上海 "
    assert acc.content == message.content
    assert message.reasoning_content is None  # non-thinking stream: no reasoning key at all
    assert message.tool_calls is None


def test_reasoning_is_concatenated_exactly_and_kept_apart_from_content() -> None:
    acc = accumulate(
        [
            chunk({"role": "assistant", "content": None, "reasoning_content": ""}),
            chunk({"content": None, "reasoning_content": " The user"}),
            chunk({"content": None, "reasoning_content": " asks.\n"}),
            chunk({"content": "Answer", "reasoning_content": None}),
            chunk({"content": "", "reasoning_content": None}, finish_reason="stop"),
        ]
    )
    message = acc.completion().message
    assert message.reasoning_content == " The user asks.\n"
    assert message.content == "Answer"


def test_first_empty_reasoning_delta_is_kept_when_no_reasoning_text_came() -> None:
    acc = accumulate(
        [
            chunk({"role": "assistant", "content": None, "reasoning_content": ""}),
            chunk({"content": "Hi", "reasoning_content": None}),
            chunk({"content": "", "reasoning_content": None}, finish_reason="stop"),
        ]
    )
    assert acc.reasoning_content == ""
    message = acc.completion().message
    assert message.reasoning_content == ""
    assert message.to_message().reasoning_content == ""  # survives into stored history


def test_reasoning_only_answer_has_empty_content_not_none() -> None:
    # V4 can put its whole answer in reasoning and end with "length" (issue-19381 recordings).
    acc = accumulate(
        [
            chunk({"role": "assistant", "content": None, "reasoning_content": ""}),
            chunk({"content": None, "reasoning_content": "thinking..."}),
            chunk({"content": "", "reasoning_content": None}, finish_reason="length"),
        ]
    )
    completion = acc.completion()
    assert completion.message.content == ""
    assert completion.message.reasoning_content == "thinking..."
    assert completion.finish_reason == "length"


def test_tool_call_fragments_are_joined_by_index_with_id_and_name_from_the_first() -> None:
    acc = accumulate(
        [
            chunk({"role": "assistant", "content": ""}),
            chunk({"tool_calls": [call_start(0, "call_00_abc", "get_weather")]}),
            chunk({"tool_calls": [call_part(0, '{"ci')]}),
            # A later fragment with null id / name / type must not erase the first one's.
            chunk(
                {
                    "tool_calls": [
                        {
                            "index": 0,
                            "id": None,
                            "type": None,
                            "function": {"name": None, "arguments": 'ty": "上'},
                        }
                    ]
                }
            ),
            chunk({"tool_calls": [call_part(0, '海"}')]}),
            chunk({"content": ""}, finish_reason="tool_calls", usage=USAGE),
        ]
    )
    completion = acc.completion()
    calls = completion.message.tool_calls
    assert calls is not None
    assert len(calls) == 1
    assert calls[0].id == "call_00_abc"
    assert calls[0].type == "function"
    assert calls[0].function.name == "get_weather"
    assert calls[0].function.arguments == '{"city": "上海"}'
    assert json.loads(calls[0].function.arguments) == {"city": "上海"}
    assert completion.finish_reason == "tool_calls"
    stored = completion.message.to_message()
    assert [(c.id, c.name, c.arguments) for c in stored.tool_calls] == [
        ("call_00_abc", "get_weather", '{"city": "上海"}')
    ]


def test_parallel_calls_sequential_and_interleaved() -> None:
    sequential = [
        chunk({"tool_calls": [call_start(0, "call_00_a", "search")]}),
        chunk({"tool_calls": [call_part(0, '{"q": ')]}),
        chunk({"tool_calls": [call_part(0, '"x"}')]}),
        chunk({"tool_calls": [call_start(1, "call_01_b", "weather")]}),
        chunk({"tool_calls": [call_part(1, '{"city": "Detroit"}')]}),
        chunk({"content": ""}, finish_reason="tool_calls"),
    ]
    interleaved = [
        chunk({"tool_calls": [call_start(1, "call_01_b", "weather")]}),
        chunk({"tool_calls": [call_start(0, "call_00_a", "search"), call_part(1, '{"city": ')]}),
        chunk({"tool_calls": [call_part(0, '{"q": "x"}')]}),
        chunk({"tool_calls": [call_part(1, '"Detroit"}')]}),
        chunk({"content": ""}, finish_reason="tool_calls"),
    ]
    for bodies in (sequential, interleaved):
        calls = accumulate(bodies).completion().message.tool_calls
        assert calls is not None
        assert [
            (c.index, c.id, c.function.name, json.loads(c.function.arguments)) for c in calls
        ] == [
            (0, "call_00_a", "search", {"q": "x"}),
            (1, "call_01_b", "weather", {"city": "Detroit"}),
        ]


def test_text_before_tool_calls_is_kept() -> None:
    acc = accumulate(
        [
            chunk({"content": "Let me check."}),
            chunk({"tool_calls": [call_start(0, "call_00_a", "f")]}),
            chunk({"tool_calls": [call_part(0, "{}")]}),
            chunk({"content": ""}, finish_reason="tool_calls"),
        ]
    )
    message = acc.completion().message
    assert message.content == "Let me check."
    assert message.tool_calls is not None
    assert message.tool_calls[0].function.arguments == "{}"


def test_usage_on_the_finish_chunk_survives_later_null_usage() -> None:
    acc = accumulate(
        [
            chunk({"content": "a"}, usage=None),
            chunk({"content": ""}, finish_reason="stop", usage=USAGE),
        ]
    )
    usage = acc.completion().usage
    assert usage is not None
    assert (usage.prompt_tokens, usage.completion_tokens, usage.total_tokens) == (12, 5, 17)
    assert usage.cache_miss_tokens == 12


def test_usage_on_a_trailing_chunk_with_empty_choices() -> None:
    trailing = {**USAGE, "completion_tokens": 9, "total_tokens": 21}
    acc = accumulate(
        [
            chunk({"content": "a"}),
            chunk({"content": ""}, finish_reason="stop"),
            chunk(choices=False, usage=trailing),
        ]
    )
    completion = acc.completion()
    assert completion.usage is not None
    assert completion.usage.completion_tokens == 9
    assert completion.finish_reason == "stop"  # the empty-choices chunk does not reset it
    assert completion.message.content == "a"


def test_unknown_and_resource_finish_reasons_are_kept() -> None:
    for reason in ("some_future_reason", "insufficient_system_resource", "content_filter"):
        acc = accumulate([chunk({"content": "x"}), chunk({"content": ""}, finish_reason=reason)])
        assert acc.finish_reason == reason
        assert acc.completion().finish_reason == reason


def test_identity_fields_come_from_the_first_chunk() -> None:
    bodies = [chunk({"content": "a"}), chunk({"content": ""}, finish_reason="stop")]
    bodies[1] = {**bodies[1], "id": "other", "model": "other-model"}
    completion = accumulate(bodies).completion()
    assert isinstance(completion, ChatCompletion)
    assert completion.id == "0b5e2c1e-5b7e-4a42-9f3a-2f1d7f0c2a11"
    assert completion.model == "deepseek-flash"
    assert completion.created == 1781233924
    assert completion.system_fingerprint == "a26a7955944dc5c60445bff77fac9c8e"
    assert completion.object == "chat.completion"


def test_logprobs_are_merged_in_order() -> None:
    def lp(token: str) -> dict[str, Any]:
        return {"content": [{"token": token, "logprob": -0.1, "bytes": None, "top_logprobs": []}]}

    acc = accumulate(
        [
            chunk({"content": "O"}, logprobs=lp("O")),
            chunk({"content": "K"}, logprobs=lp("K")),
            chunk({"content": ""}, finish_reason="stop"),
        ]
    )
    logprobs = acc.completion().choices[0].logprobs
    assert logprobs is not None
    assert [item["token"] for item in logprobs["content"]] == ["O", "K"]


def test_streamed_message_equals_the_non_streaming_one() -> None:
    non_stream = ChatCompletion.model_validate(
        {
            "id": "id-1",
            "object": "chat.completion",
            "created": 5,
            "model": "deepseek-flash",
            "choices": [
                {
                    "index": 0,
                    "message": {
                        "role": "assistant",
                        "content": "I'll look.",
                        "reasoning_content": "Think",
                        "tool_calls": [
                            {
                                "index": 0,
                                "id": "call_00_x",
                                "type": "function",
                                "function": {"name": "f", "arguments": '{"a": 1}'},
                            }
                        ],
                    },
                    "logprobs": None,
                    "finish_reason": "tool_calls",
                }
            ],
            "usage": USAGE,
        }
    )
    acc = accumulate(
        [
            chunk({"role": "assistant", "content": None, "reasoning_content": ""}),
            chunk({"content": None, "reasoning_content": "Thi"}),
            chunk({"content": None, "reasoning_content": "nk"}),
            chunk({"content": "I'll look.", "reasoning_content": None}),
            chunk({"tool_calls": [call_start(0, "call_00_x", "f")]}),
            chunk({"tool_calls": [call_part(0, '{"a": 1}')]}),
            chunk(
                {"content": "", "reasoning_content": None}, finish_reason="tool_calls", usage=USAGE
            ),
        ]
    )
    streamed = acc.completion()
    assert streamed.message.model_dump() == non_stream.message.model_dump()
    assert streamed.message.to_message() == non_stream.message.to_message()
    assert streamed.finish_reason == non_stream.finish_reason
    assert streamed.usage == non_stream.usage


def _cut(text: str, cuts: list[int]) -> list[str]:
    points = sorted({min(c, len(text)) for c in cuts})
    return [text[a:b] for a, b in zip([0, *points], [*points, len(text)], strict=True)]


@settings(max_examples=200, deadline=None)
@given(
    content=st.text(max_size=60),
    reasoning=st.text(max_size=60),
    arguments=st.dictionaries(
        st.text(max_size=8), st.text(max_size=10) | st.integers(), max_size=4
    ),
    cuts=st.lists(st.integers(0, 200), max_size=10),
)
def test_any_fragment_split_gives_the_same_message(
    content: str, reasoning: str, arguments: dict[str, Any], cuts: list[int]
) -> None:
    args_json = json.dumps(arguments, ensure_ascii=False)
    bodies = [chunk({"role": "assistant", "content": None, "reasoning_content": ""})]
    bodies += [chunk({"content": None, "reasoning_content": p}) for p in _cut(reasoning, cuts)]
    bodies += [chunk({"content": p, "reasoning_content": None}) for p in _cut(content, cuts)]
    bodies.append(chunk({"tool_calls": [call_start(0, "call_00_h", "tool")]}))
    bodies += [chunk({"tool_calls": [call_part(0, p)]}) for p in _cut(args_json, cuts)]
    bodies.append(chunk({"content": "", "reasoning_content": None}, finish_reason="tool_calls"))
    message = accumulate(bodies).completion().message
    assert message.content == content
    assert message.reasoning_content == reasoning
    assert message.tool_calls is not None
    assert len(message.tool_calls) == 1
    assert message.tool_calls[0].function.arguments == args_json
    assert json.loads(message.tool_calls[0].function.arguments) == arguments
