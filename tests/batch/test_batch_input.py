"""Batch input lines: each checked on its own, bad ones named by line number and custom_id."""

from __future__ import annotations

import json
from typing import Any

import pytest

from deepseek_ext_core import (
    AssistantMessage,
    ChatRequest,
    FIMRequest,
    ToolMessage,
    UserMessage,
)
from deepseek_ext_core.batch import parse_lines


def line(custom_id: object = "a", url: object = "/v1/chat/completions", **body: Any) -> str:
    body = body or {"model": "deepseek-flash", "messages": [{"role": "user", "content": "hi"}]}
    return json.dumps({"custom_id": custom_id, "method": "POST", "url": url, "body": body})


def test_a_valid_line_becomes_a_checked_request_with_its_wire_body() -> None:
    requests, bad = parse_lines([line("q1"), "\n", line("q2", url="/chat/completions")])

    assert bad == []
    assert [(r.custom_id, r.line_number) for r in requests] == [("q1", 1), ("q2", 3)]
    assert isinstance(requests[0].request, ChatRequest)
    assert requests[0].prepared.body["messages"] == [{"role": "user", "content": "hi"}]


def test_a_fim_line_goes_to_the_beta_endpoint() -> None:
    text = line("f", url="/beta/completions", model="deepseek-flash", prompt="def f(", suffix=")")
    requests, bad = parse_lines([text])

    assert bad == []
    assert isinstance(requests[0].request, FIMRequest)
    assert requests[0].prepared.path == "/beta/completions"


@pytest.mark.parametrize(
    ("text", "custom_id", "message"),
    [
        ("not json", None, "not JSON"),
        ("[1, 2]", None, "not a JSON object"),
        (line(custom_id=""), None, "custom_id must be a non-empty string"),
        (line(custom_id=7), None, "custom_id must be a non-empty string"),
        (line(url="/v1/embeddings"), "a", "url must be one of"),
        (line(model="deepseek-flash", messages=[]), "a", "messages must be a non-empty list"),
        (
            line(model="deepseek-flash", messages=[{"role": "user", "content": "x"}], seed=1),
            "a",
            "body.seed: unknown field",
        ),
        (
            line(model="deepseek-flash", messages=[{"role": "user", "content": "x"}], stream=True),
            "a",
            "batch answers are not streamed",
        ),
        (
            line(model="deepseek-flash", messages=[{"role": "robot", "content": "x"}]),
            "a",
            "messages[0] has an unknown role 'robot'",
        ),
        (
            line(model="deepseek-flash", messages=[{"role": "tool", "content": "x"}]),
            "a",
            "messages[0].tool_call_id must be a non-empty string",
        ),
        (
            line(
                model="deepseek-flash",
                messages=[{"role": "user", "content": "x"}],
                temperature=9,
            ),
            "a",
            "body.temperature",
        ),
    ],
)
def test_a_bad_line_is_reported_with_its_number_and_custom_id(
    text: str, custom_id: str | None, message: str
) -> None:
    requests, bad = parse_lines([line("good-1"), text, line("good-2")])

    assert [r.custom_id for r in requests] == ["good-1", "good-2"]  # the others still run
    assert len(bad) == 1
    assert bad[0].line_number == 2
    assert bad[0].custom_id == custom_id
    assert message in bad[0].message
    assert str(bad[0]).startswith("line 2")


def test_a_repeated_custom_id_makes_the_later_line_bad() -> None:
    requests, bad = parse_lines([line("same"), line("same")])

    assert [r.line_number for r in requests] == [1]
    assert (bad[0].line_number, bad[0].custom_id) == (2, "same")
    assert "earlier line" in bad[0].message


def test_the_core_checks_apply_before_anything_is_sent() -> None:
    # An unanswered tool call is refused by the core's conversation check, as for any request.
    messages = [
        {"role": "user", "content": "weather?"},
        {
            "role": "assistant",
            "content": "",
            "tool_calls": [
                {"id": "c1", "type": "function", "function": {"name": "w", "arguments": "{}"}}
            ],
        },
    ]
    _, bad = parse_lines([line(model="deepseek-flash", messages=messages)])

    assert "c1" in bad[0].message


def test_wire_messages_are_read_into_the_core_messages_with_every_field() -> None:
    call = {"id": "c1", "type": "function", "function": {"name": "w", "arguments": '{"x": 1}'}}
    image = {"type": "image_url", "image_url": {"url": "data:image/png;base64,AA=="}}
    messages = [
        {
            "role": "system",
            "content": [{"type": "text", "text": "be "}, {"type": "text", "text": "brief"}],
        },
        {"role": "user", "content": [{"type": "text", "text": "look"}, image]},
        {
            "role": "assistant",
            "content": None,
            "reasoning_content": "need the tool",
            "tool_calls": [call],
            "server_field": {"kept": True},
        },
        {"role": "tool", "tool_call_id": "c1", "content": "sunny"},
    ]
    requests, bad = parse_lines([line(model="deepseek-flash", messages=messages)])

    assert bad == []
    chat = requests[0].request
    assert isinstance(chat, ChatRequest)
    assert chat.messages[0].content == "be brief"
    assert isinstance(chat.messages[1], UserMessage)
    assert len(chat.messages[1].content) == 2
    assistant = chat.messages[2]
    assert isinstance(assistant, AssistantMessage)
    assert assistant.reasoning_content == "need the tool"
    assert assistant.tool_calls[0].arguments == '{"x": 1}'
    assert assistant.extra_fields == {"server_field": {"kept": True}}
    assert isinstance(chat.messages[3], ToolMessage)
    # and on the wire: the reasoning of a tool-call turn goes back (docs/deepseek-api.md §2.3)
    wire = requests[0].prepared.body["messages"][2]
    assert wire["reasoning_content"] == "need the tool"
    assert wire["server_field"] == {"kept": True}


def test_thinking_in_wire_form_is_read() -> None:
    text = line(
        model="deepseek-v4-pro",
        messages=[{"role": "user", "content": "x"}],
        thinking={"type": "disabled"},
    )
    requests, _ = parse_lines([text])

    assert requests[0].prepared.body["thinking"] == {"type": "disabled"}
