"""History to wire and the reasoning pass-back rule, per era (docs/deepseek-api.md §2.2, §2.3)."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deepseek_ext_core import (
    AssistantMessage,
    ImagePart,
    InvalidConversationError,
    Message,
    SystemMessage,
    TextPart,
    ToolCall,
    ToolMessage,
    UserMessage,
    to_wire_messages,
)

WEATHER = ToolCall(id="call_00_w", name="get_weather", arguments='{"city": "上海"}')
TIME = ToolCall(id="call_01_t", name="get_time", arguments="{}")


def assistants(wire: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [m for m in wire if m["role"] == "assistant"]


# ---- plain conversion ------------------------------------------------------------------------


def test_roles_content_names_and_parts() -> None:
    wire = to_wire_messages(
        [
            SystemMessage("Be brief.", name="sys"),
            UserMessage(
                (TextPart("What is this?"), ImagePart("data:image/png;base64,AAAA", detail="low")),
                name="ann",
            ),
            AssistantMessage(content="A cat.", name="bot"),
            UserMessage("Thanks"),
        ],
        has_tools=False,
    )
    assert wire == [
        {"role": "system", "content": "Be brief.", "name": "sys"},
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "What is this?"},
                {
                    "type": "image_url",
                    "image_url": {"url": "data:image/png;base64,AAAA", "detail": "low"},
                },
            ],
            "name": "ann",
        },
        {"role": "assistant", "content": "A cat.", "name": "bot"},
        {"role": "user", "content": "Thanks"},
    ]


def test_tool_call_turn_wire_shape() -> None:
    wire = to_wire_messages(
        [
            UserMessage("Weather and time?"),
            AssistantMessage(content=None, tool_calls=(WEATHER, TIME), reasoning_content="r"),
            ToolMessage("22C", tool_call_id="call_00_w"),
            ToolMessage("12:00", tool_call_id="call_01_t"),
        ],
        has_tools=True,
    )
    assert wire[1] == {
        "role": "assistant",
        "content": "",  # null content is sent as "" (docs/deepseek-api.md §2.2: safest)
        "reasoning_content": "r",
        "tool_calls": [
            {
                "id": "call_00_w",
                "type": "function",
                "function": {"name": "get_weather", "arguments": '{"city": "上海"}'},
            },
            {
                "id": "call_01_t",
                "type": "function",
                "function": {"name": "get_time", "arguments": "{}"},
            },
        ],
    }
    assert wire[2:] == [
        {"role": "tool", "content": "22C", "tool_call_id": "call_00_w"},
        {"role": "tool", "content": "12:00", "tool_call_id": "call_01_t"},
    ]


# ---- the pass-back rule, era by era (docs/deepseek-api.md §2.3)  ---------------------------------


def test_v32_tool_loop_within_one_turn_sends_the_reasoning_back() -> None:
    # Turn 1.2 of the V3.2 guide: the tool-call message must carry its reasoning, even if the
    # sub-request itself were sent without tools.
    history: list[Message] = [
        UserMessage("Weather tomorrow?"),
        AssistantMessage(content="", tool_calls=(WEATHER,), reasoning_content="Need the date."),
        ToolMessage("sunny", tool_call_id="call_00_w"),
    ]
    for has_tools in (True, False):
        wire = to_wire_messages(history, has_tools=has_tools)
        assert wire[1]["reasoning_content"] == "Need the date."


def test_v4_tool_call_turn_keeps_its_reasoning_in_later_user_turns() -> None:
    history: list[Message] = [
        UserMessage("Weather?"),
        AssistantMessage(content="", tool_calls=(WEATHER,), reasoning_content="call the tool"),
        ToolMessage("sunny", tool_call_id="call_00_w"),
        AssistantMessage(content="Sunny.", reasoning_content="summarise"),
        UserMessage("And a joke?"),
    ]
    wire = to_wire_messages(history, has_tools=False)
    tool_turn, answer = assistants(wire)
    assert tool_turn["reasoning_content"] == "call the tool"
    # No tools in this request and no tool calls in that turn: not needed (ignored if sent).
    assert "reasoning_content" not in answer


def test_newest_rule_request_with_tools_sends_every_reasoning() -> None:
    history: list[Message] = [
        UserMessage("Hi"),
        AssistantMessage(content="Hello!", reasoning_content="greet back"),
        UserMessage("Weather?"),
        AssistantMessage(content="", tool_calls=(WEATHER,), reasoning_content="tool"),
        ToolMessage("sunny", tool_call_id="call_00_w"),
        AssistantMessage(content="Sunny.", reasoning_content=""),
        UserMessage("Thanks"),
    ]
    wire = to_wire_messages(history, has_tools=True)
    assert [m.get("reasoning_content") for m in assistants(wire)] == ["greet back", "tool", ""]


def test_lost_reasoning_on_a_tool_call_turn_is_sent_as_empty_string() -> None:
    history: list[Message] = [
        UserMessage("Weather?"),
        AssistantMessage(content=None, tool_calls=(WEATHER,), reasoning_content=None),
        ToolMessage("sunny", tool_call_id="call_00_w"),
    ]
    for has_tools in (True, False):
        assert to_wire_messages(history, has_tools=has_tools)[1]["reasoning_content"] == ""


def test_auto_with_tools_does_not_invent_reasoning_for_turns_without_it() -> None:
    # ReasoningPassback `auto`: "every assistant message that has it ...; '' for a tool-call
    # turn whose reasoning was lost". A plain non-thinking turn has none to send.
    history: list[Message] = [
        UserMessage("Hi"),
        AssistantMessage(content="Hello!"),
        UserMessage("Weather?"),
    ]
    wire = to_wire_messages(history, has_tools=True)
    assert "reasoning_content" not in wire[1]


def test_always_policy_sends_reasoning_without_tools() -> None:
    history: list[Message] = [
        UserMessage("Hi"),
        AssistantMessage(content="Hello!", reasoning_content="greet"),
        UserMessage("Bye"),
        AssistantMessage(content="Bye!"),
        UserMessage("?"),
    ]
    wire = to_wire_messages(history, has_tools=False, passback="always")
    first, second = assistants(wire)
    assert first["reasoning_content"] == "greet"
    assert "reasoning_content" not in second  # it had none


def test_always_sends_at_least_what_auto_sends() -> None:
    history: list[Message] = [
        UserMessage("Weather?"),
        AssistantMessage(content=None, tool_calls=(WEATHER,), reasoning_content=None),
        ToolMessage("sunny", tool_call_id="call_00_w"),
    ]
    auto = to_wire_messages(history, has_tools=True, passback="auto")
    always = to_wire_messages(history, has_tools=True, passback="always")
    assert auto[1]["reasoning_content"] == ""
    assert always[1].get("reasoning_content") == ""


def test_never_policy_strips_all_reasoning() -> None:
    history: list[Message] = [
        UserMessage("Weather?"),
        AssistantMessage(content="", tool_calls=(WEATHER,), reasoning_content="r1"),
        ToolMessage("sunny", tool_call_id="call_00_w"),
        AssistantMessage(content="Sunny.", reasoning_content="r2"),
        UserMessage("ok"),
    ]
    wire = to_wire_messages(history, has_tools=True, passback="never")
    assert all("reasoning_content" not in m for m in wire)
    assert assistants(wire)[0]["tool_calls"][0]["id"] == "call_00_w"


def test_prefix_last_message_carries_its_reasoning_prefix() -> None:
    wire = to_wire_messages(
        [
            UserMessage("Write quick sort"),
            AssistantMessage(content="```python\n", reasoning_content="Plan: ", prefix=True),
        ],
        has_tools=False,
    )
    assert wire[-1] == {
        "role": "assistant",
        "content": "```python\n",
        "reasoning_content": "Plan: ",
        "prefix": True,
    }


# ---- validation --------------------------------------------------------------------------------


class NotAMessage:
    content = "hi"


INVALID: dict[str, tuple[list[Any], str]] = {
    "empty list": ([], "empty"),
    "unknown message type": ([UserMessage("hi"), NotAMessage()], "NotAMessage"),
    "dict instead of message": ([{"role": "user", "content": "hi"}], "dict"),
    "tool result without call": (
        [UserMessage("hi"), ToolMessage("x", tool_call_id="call_00_w")],
        "call_00_w",
    ),
    "tool result after a user turn": (
        [
            UserMessage("hi"),
            AssistantMessage(content="", tool_calls=(WEATHER,)),
            UserMessage("?"),
            ToolMessage("x", tool_call_id="call_00_w"),
        ],
        "call_00_w",
    ),
    "call without result at the end": (
        [UserMessage("hi"), AssistantMessage(content="", tool_calls=(WEATHER,))],
        "call_00_w",
    ),
    "one of two calls unanswered": (
        [
            UserMessage("hi"),
            AssistantMessage(content="", tool_calls=(WEATHER, TIME)),
            ToolMessage("x", tool_call_id="call_00_w"),
            UserMessage("next"),
        ],
        "call_01_t",
    ),
    "duplicate call ids": (
        [
            UserMessage("hi"),
            AssistantMessage(content="", tool_calls=(WEATHER, WEATHER)),
            ToolMessage("x", tool_call_id="call_00_w"),
            ToolMessage("x", tool_call_id="call_00_w"),
        ],
        "call_00_w",
    ),
    "two results for one call": (
        [
            UserMessage("hi"),
            AssistantMessage(content="", tool_calls=(WEATHER,)),
            ToolMessage("x", tool_call_id="call_00_w"),
            ToolMessage("y", tool_call_id="call_00_w"),
        ],
        "call_00_w",
    ),
    "assistant with neither content nor tool calls": (
        [UserMessage("hi"), AssistantMessage()],
        "content or tool_calls",
    ),
    "prefix not last": (
        [UserMessage("hi"), AssistantMessage(content="x", prefix=True), UserMessage("?")],
        "prefix",
    ),
    "non-JSON arguments": (
        [
            UserMessage("hi"),
            AssistantMessage(
                content="", tool_calls=(ToolCall(id="c1", name="f", arguments="{city: x"),)
            ),
            ToolMessage("x", tool_call_id="c1"),
        ],
        "JSON",
    ),
    "empty arguments": (
        [
            UserMessage("hi"),
            AssistantMessage(content="", tool_calls=(ToolCall(id="c1", name="f", arguments=""),)),
            ToolMessage("x", tool_call_id="c1"),
        ],
        "JSON",
    ),
    "empty user parts": ([UserMessage(())], "user content"),
}


@pytest.mark.parametrize(("messages", "needle"), list(INVALID.values()), ids=list(INVALID))
def test_invalid_conversations_are_rejected_with_a_clear_error(
    messages: list[Any], needle: str
) -> None:
    with pytest.raises(InvalidConversationError) as info:
        to_wire_messages(messages, has_tools=True)
    assert needle in str(info.value)
    assert isinstance(info.value, ValueError)  # InvalidRequestError is also a ValueError


def test_error_names_the_offending_message_index() -> None:
    with pytest.raises(InvalidConversationError, match=r"message 3"):
        to_wire_messages(
            [UserMessage("a"), AssistantMessage(content="b"), UserMessage("c"), AssistantMessage()],
            has_tools=False,
        )


def test_input_is_never_mutated_and_outputs_are_fresh() -> None:
    history: list[Message] = [
        SystemMessage("s"),
        UserMessage((TextPart("look"), ImagePart("https://x/y.png"))),
        AssistantMessage(content=None, tool_calls=(WEATHER,), reasoning_content=None),
        ToolMessage("sunny", tool_call_id="call_00_w"),
        AssistantMessage(content="ok", reasoning_content="r", prefix=True),
    ]
    snapshot = copy.deepcopy(history)
    first = to_wire_messages(history, has_tools=True)
    assert history == snapshot
    first[2]["tool_calls"][0]["function"]["name"] = "changed"
    first[1]["content"].clear()
    second = to_wire_messages(history, has_tools=True)
    assert second[2]["tool_calls"][0]["function"]["name"] == "get_weather"
    assert len(second[1]["content"]) == 2
    assert history == snapshot


# ---- property: any sequence converts or raises InvalidConversationError only -----------------

_IDS = st.sampled_from(["c1", "c2", "c3"])
_TEXT = st.text(max_size=5)
_OPT_TEXT = st.none() | _TEXT
_CALL = st.builds(
    ToolCall, id=_IDS, name=st.just("f"), arguments=st.sampled_from(["{}", '{"a":1}', "nope", ""])
)
_MESSAGE = st.one_of(
    st.builds(SystemMessage, content=_TEXT),
    st.builds(
        UserMessage,
        content=_TEXT
        | st.lists(
            st.builds(TextPart, text=_TEXT) | st.builds(ImagePart, url=st.just("https://x")),
            max_size=2,
        ).map(tuple),
    ),
    st.builds(
        AssistantMessage,
        content=_OPT_TEXT,
        tool_calls=st.lists(_CALL, max_size=2).map(tuple),
        reasoning_content=_OPT_TEXT,
        prefix=st.booleans(),
    ),
    st.builds(ToolMessage, content=_TEXT, tool_call_id=_IDS),
)


@settings(max_examples=400, deadline=None)
@given(
    messages=st.lists(_MESSAGE, max_size=8),
    has_tools=st.booleans(),
    passback=st.sampled_from(["auto", "always", "never"]),
)
def test_random_sequences_convert_or_raise_invalid_conversation_only(
    messages: list[Message], has_tools: bool, passback: Any
) -> None:
    snapshot = copy.deepcopy(messages)
    try:
        wire = to_wire_messages(messages, has_tools=has_tools, passback=passback)
    except InvalidConversationError:
        assert messages == snapshot
        return
    assert messages == snapshot
    assert len(wire) == len(messages)
    expected_roles = {
        SystemMessage: "system",
        UserMessage: "user",
        AssistantMessage: "assistant",
        ToolMessage: "tool",
    }
    assert [m["role"] for m in wire] == [expected_roles[type(m)] for m in messages]
    answered: set[str] = set()
    for source, out in zip(messages, wire, strict=True):
        if isinstance(source, AssistantMessage):
            assert out["content"] == (source.content or "")
            reasoning = source.reasoning_content
            if passback == "never":
                assert "reasoning_content" not in out
            elif passback == "always" and reasoning is not None:
                assert out["reasoning_content"] == reasoning
            elif passback == "auto" and (
                source.tool_calls or (has_tools and reasoning is not None)
            ):
                assert out["reasoning_content"] == (reasoning or "")
            answered |= {c.id for c in source.tool_calls}
        if isinstance(source, ToolMessage):
            assert source.tool_call_id in answered
