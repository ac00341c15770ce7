"""Tool names DeepSeek refuses are mapped and restored; tool calls written as text (DSML,
`<tool_call>`) are recovered, in calls and in streams split at every position."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from deepseek_ext_core import (
    AssistantMessage,
    AsyncDeepSeekClient,
    ChatRequest,
    DeepSeekClient,
    InvalidRequestError,
    Tool,
    ToolCall,
    ToolFunction,
    ToolMessage,
    UserMessage,
)
from deepseek_ext_core._text_tool_calls import TextCallFilter, recover_calls
from deepseek_ext_core._tool_names import wire_names
from deepseek_ext_core._tool_schema import object_schema
from deepseek_ext_core.integration import prepare_chat_request
from deepseek_ext_emulator import Emulator, Reply

KEY = "test-key"
LONG = "mcp__github__" + "create_an_issue_with_labels_and_assignees_" * 2
NAMES = ["asana.create_task", "github/create_issue", LONG, "plain_name"]


def _tools(*names: str, parameters: dict[str, Any] | None = None) -> list[Tool]:
    return [Tool(function=ToolFunction(name=n, parameters=parameters)) for n in names]


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    with Emulator(api_key=KEY) as emu:
        yield emu


# ---- names ---------------------------------------------------------------------------------


def test_names_are_mapped_readably_stably_and_uniquely() -> None:
    mapping = wire_names(NAMES)
    assert mapping["asana.create_task"] == "asana_create_task"
    assert mapping["github/create_issue"] == "github_create_issue"
    assert len(mapping[LONG]) == 64
    assert "plain_name" not in mapping  # valid names keep themselves
    assert wire_names(NAMES) == mapping  # deterministic
    clash = wire_names(["a.b", "a_b", "a/b"])  # a_b keeps its name; the others get a hash
    assert len({*clash.values(), "a_b"}) == 3
    assert all(len(v) <= 64 for v in clash.values())


def test_bad_names_are_refused_clearly() -> None:
    with pytest.raises(InvalidRequestError, match="two tools are named"):
        wire_names(["x.y", "x.y"])
    with pytest.raises(InvalidRequestError, match="non-empty string"):
        wire_names([""])


def test_the_wire_carries_mapped_names_everywhere_a_name_goes() -> None:
    history = (
        UserMessage("go"),
        AssistantMessage(tool_calls=(ToolCall(id="c1", name="asana.create_task", arguments="{}"),)),
        ToolMessage(tool_call_id="c1", content="done"),
    )
    request = ChatRequest(
        model="deepseek-flash",
        messages=history,
        tools=_tools(*NAMES),
        tool_choice={"type": "function", "function": {"name": "github/create_issue"}},
    )
    prepared = prepare_chat_request(request)
    wire = [t["function"]["name"] for t in prepared.body["tools"]]
    assert wire[:2] == ["asana_create_task", "github_create_issue"]
    assert prepared.body["messages"][1]["tool_calls"][0]["function"]["name"] == "asana_create_task"
    assert prepared.body["tool_choice"]["function"]["name"] == "github_create_issue"
    assert prepared.tool_names is not None and prepared.tool_names["asana_create_task"] == (
        "asana.create_task"
    )
    plain = prepare_chat_request(
        ChatRequest(model="deepseek-flash", messages=history[:1], tools=_tools("ok"))
    )
    assert plain.tool_names is None  # nothing to map, nothing to restore


@pytest.mark.parametrize("mode", ["chat", "stream", "achat", "astream"])
async def test_calls_come_back_under_their_original_names(emulator: Emulator, mode: str) -> None:
    emulator.push(
        Reply.tool_calls([("asana_create_task", {"title": "x"}), (wire_names([LONG])[LONG], {})])
    )
    request = ChatRequest(
        model="deepseek-flash", messages=[UserMessage("go")], tools=_tools(*NAMES)
    )
    names = await _call_names(emulator, request, mode)
    assert names == ["asana.create_task", LONG]
    sent = emulator.last_request.body["tools"]
    assert all(len(t["function"]["name"]) <= 64 and "." not in t["function"]["name"] for t in sent)


async def _call_names(emulator: Emulator, request: ChatRequest, mode: str) -> list[str]:
    if mode == "chat":
        with DeepSeekClient(api_key=KEY, base_url=emulator.base_url) as client:
            completion = client.chat(request)
    elif mode == "stream":
        with DeepSeekClient(api_key=KEY, base_url=emulator.base_url) as client:
            with client.stream_chat(request) as stream:
                list(stream)
            completion = stream.completion()
    elif mode == "achat":
        async with AsyncDeepSeekClient(api_key=KEY, base_url=emulator.base_url) as aclient:
            completion = await aclient.chat(request)
    else:
        async with AsyncDeepSeekClient(api_key=KEY, base_url=emulator.base_url) as aclient:
            async with await aclient.stream_chat(request) as astream:
                async for _ in astream:
                    pass
            completion = astream.completion()
    return [call.function.name for call in completion.message.tool_calls or ()]


# ---- schemas -------------------------------------------------------------------------------


def test_schemas_are_made_acceptable_or_refused_by_name() -> None:
    assert object_schema(None, "t") == {"type": "object", "properties": {}}
    assert object_schema({"properties": {"a": {}}}, "t")["type"] == "object"
    mcp_root = {
        "anyOf": [{"$ref": "#/$defs/A"}, {"$ref": "#/$defs/B"}],
        "$defs": {"A": {"type": "object", "properties": {}}, "B": {"properties": {"b": {}}}},
    }
    assert object_schema(mcp_root, "t") == {**mcp_root, "type": "object"}
    with pytest.raises(InvalidRequestError, match=r"tool 'lister'.*not type 'array'"):
        object_schema({"type": "array"}, "lister")
    with pytest.raises(InvalidRequestError, match="tool 'odd'"):
        object_schema({"anyOf": [{"type": "string"}]}, "odd")
    request = ChatRequest(
        model="deepseek-flash", messages=[UserMessage("x")], tools=_tools("no_params")
    )
    body = prepare_chat_request(request).body
    assert body["tools"][0]["function"]["parameters"] == {"type": "object", "properties": {}}


# ---- tool calls written as text ------------------------------------------------------------

FULL = "\uff5c"


def _dsml(bar: str = FULL, block: str = "tool_calls", before: str = "", after: str = "") -> str:
    reply = Reply.dsml_tool_calls(
        [("get_weather", {"city": "Paris", "days": 3}), ("get_time", {"zone": "CET"})],
        bar=bar,
        block=block,
        before=before,
        after=after,
    )
    return reply.content


@pytest.mark.parametrize("bar", [FULL, "|"], ids=["fullwidth", "ascii"])
@pytest.mark.parametrize("block", ["tool_calls", "function_calls"])
def test_dsml_blocks_of_every_shape_are_recovered(bar: str, block: str) -> None:
    text, calls = recover_calls(_dsml(bar, block, before="Checking.\n", after="\nOne moment."))
    assert text == "Checking.\n\nOne moment."
    assert [(c.name, json.loads(c.arguments)) for c in calls] == [
        ("get_weather", {"city": "Paris", "days": 3}),
        ("get_time", {"zone": "CET"}),
    ]
    assert all(c.id.startswith(("call_00_", "call_01_")) for c in calls)


def test_the_older_tool_call_form_is_recovered() -> None:
    text, calls = recover_calls('Sure. <tool_call id="call_00_abc" name="f">{"x": 1}</tool_call>')
    assert (text, calls[0].id, calls[0].name, calls[0].arguments) == (
        "Sure.",
        "call_00_abc",
        "f",
        '{"x": 1}',
    )


def test_an_unterminated_block_makes_no_call() -> None:
    cut = _dsml()[:-30]
    assert recover_calls(cut) == (cut, [])


def test_a_stream_split_at_every_position_shows_no_markup() -> None:
    full = _dsml(before="Checking. ", after=" Done.")
    for cut in range(1, len(full)):
        text_filter = TextCallFilter()
        shown_a, calls_a = text_filter.feed(full[:cut])
        shown_b, calls_b = text_filter.feed(full[cut:])
        shown = shown_a + shown_b + text_filter.finish()
        assert "DSML" not in shown, cut
        assert shown == "Checking.  Done.", cut
        assert [c.name for c in calls_a + calls_b] == ["get_weather", "get_time"], cut


@pytest.mark.parametrize("mode", ["chat", "stream", "achat", "astream"])
async def test_text_calls_become_real_calls_with_a_tool_finish(
    emulator: Emulator, mode: str
) -> None:
    emulator.push(
        Reply.dsml_tool_calls(
            [("get_weather", {"city": "Paris"})], before="Let me look. ", chunks=17
        )
    )
    request = ChatRequest(
        model="deepseek-flash", messages=[UserMessage("w?")], tools=_tools("get_weather")
    )
    completion = await _completion(emulator, request, mode)
    assert completion.finish_reason == "tool_calls"
    assert completion.message.content in ("Let me look.", "Let me look. ")
    (call,) = completion.message.tool_calls or []
    assert (call.function.name, json.loads(call.function.arguments)) == (
        "get_weather",
        {"city": "Paris"},
    )
    # The history sent back next is native tool calls, which DeepSeek takes.
    follow = prepare_chat_request(
        ChatRequest(
            model="deepseek-flash",
            messages=[
                UserMessage("w?"),
                completion.message.to_message(),
                ToolMessage(tool_call_id=call.id, content="sunny"),
            ],
            tools=_tools("get_weather"),
        )
    )
    assert "DSML" not in json.dumps(follow.body)


async def _completion(emulator: Emulator, request: ChatRequest, mode: str) -> Any:
    if mode in ("chat", "stream"):
        with DeepSeekClient(api_key=KEY, base_url=emulator.base_url) as client:
            if mode == "chat":
                return client.chat(request)
            with client.stream_chat(request) as stream:
                shown = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
            assert "DSML" not in shown
            return stream.completion()
    async with AsyncDeepSeekClient(api_key=KEY, base_url=emulator.base_url) as aclient:
        if mode == "achat":
            return await aclient.chat(request)
        async with await aclient.stream_chat(request) as astream:
            shown = "".join([c.choices[0].delta.content or "" async for c in astream if c.choices])
        assert "DSML" not in shown
        return astream.completion()


def test_without_tools_or_when_turned_off_text_is_left_alone(emulator: Emulator) -> None:
    talk = "Here is how DSML looks:\n```\n" + _dsml() + "\n```"
    emulator.push(Reply.text(talk), Reply.dsml_tool_calls([("get_weather", {"city": "x"})]))
    with DeepSeekClient(api_key=KEY, base_url=emulator.base_url) as client:
        plain = client.chat(ChatRequest(model="deepseek-flash", messages=[UserMessage("?")]))
        off = client.chat(
            ChatRequest(
                model="deepseek-flash",
                messages=[UserMessage("?")],
                tools=_tools("get_weather"),
                recover_text_tool_calls=False,
            )
        )
    assert plain.message.content == talk and plain.finish_reason == "stop"
    assert "DSML" in (off.message.content or "") and not off.message.tool_calls


def test_an_unterminated_block_at_length_makes_no_call_in_a_stream(emulator: Emulator) -> None:
    emulator.push(Reply.text(_dsml()[:-40], chunks=9, finish_reason="length"))
    request = ChatRequest(
        model="deepseek-flash", messages=[UserMessage("?")], tools=_tools("get_weather")
    )
    with DeepSeekClient(api_key=KEY, base_url=emulator.base_url) as client:
        with client.stream_chat(request) as stream:
            list(stream)
    completion = stream.completion()
    assert completion.finish_reason == "length"
    assert not completion.message.tool_calls
    assert completion.message.content == _dsml()[:-40]  # shown at the end: nothing dropped


def test_unknown_tool_names_in_markup_are_kept_as_calls(emulator: Emulator) -> None:
    emulator.push(Reply.dsml_tool_calls([("not_offered", {"a": 1})]))
    request = ChatRequest(
        model="deepseek-flash", messages=[UserMessage("?")], tools=_tools("get_weather")
    )
    with DeepSeekClient(api_key=KEY, base_url=emulator.base_url) as client:
        completion = client.chat(request)
    assert [c.function.name for c in completion.message.tool_calls or ()] == ["not_offered"]
