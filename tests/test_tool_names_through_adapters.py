"""Tool names DeepSeek refuses and tool calls written as text, through both adapters: called,
streamed, sync and async. The framework sees the original names and real tool calls; DeepSeek
sees names it takes; the markup never reaches the user as text."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from langchain_core.tools import StructuredTool
from llama_index.core.tools import FunctionTool

from deepseek_ext_emulator import Emulator, Reply
from langchain_deepseek_ext import ChatDeepSeek
from llamaindex_deepseek_ext import DeepSeek

KEY = "test-key"


def get_weather(city: str) -> str:
    """The weather in a city."""
    return f"sunny in {city}"


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    with Emulator(api_key=KEY) as emu:
        yield emu


def _dsml() -> Reply:
    return Reply.dsml_tool_calls(
        [("weather_get", {"city": "Paris"})], before="Checking. ", chunks=23
    )


@pytest.mark.parametrize("mode", ["invoke", "ainvoke", "stream", "astream"])
async def test_langchain_sees_original_names_and_real_calls(emulator: Emulator, mode: str) -> None:
    tool = StructuredTool.from_function(get_weather, name="weather.get")
    model = ChatDeepSeek(api_key=KEY, base_url=emulator.base_url).bind_tools([tool])
    emulator.push(_dsml())
    if mode == "invoke":
        message: Any = model.invoke("weather?")
        shown = message.content
    elif mode == "ainvoke":
        message = await model.ainvoke("weather?")
        shown = message.content
    else:
        chunks = (
            list(model.stream("w?")) if mode == "stream" else [c async for c in model.astream("w?")]
        )
        shown = "".join(str(c.content) for c in chunks)
        message = chunks[0]
        for chunk in chunks[1:]:
            message = message + chunk
    assert "DSML" not in shown
    assert [(c["name"], c["args"]) for c in message.tool_calls] == [
        ("weather.get", {"city": "Paris"})
    ]
    assert message.response_metadata.get("finish_reason") == "tool_calls"
    assert emulator.last_request.body["tools"][0]["function"]["name"] == "weather_get"


@pytest.mark.parametrize("mode", ["chat", "achat", "stream", "astream"])
async def test_llamaindex_sees_original_names_and_real_calls(emulator: Emulator, mode: str) -> None:
    tool = FunctionTool.from_defaults(get_weather, name="weather.get")
    llm = DeepSeek(api_key=KEY, api_base=emulator.base_url)
    emulator.push(_dsml())
    if mode == "chat":
        response = llm.chat_with_tools([tool], user_msg="weather?")
        shown = response.message.content or ""
    elif mode == "achat":
        response = await llm.achat_with_tools([tool], user_msg="weather?")
        shown = response.message.content or ""
    elif mode == "stream":
        responses = list(llm.stream_chat_with_tools([tool], user_msg="weather?"))
        shown = "".join(r.delta or "" for r in responses)
        response = responses[-1]
    else:
        stream = await llm.astream_chat_with_tools([tool], user_msg="weather?")
        responses = [r async for r in stream]
        shown = "".join(r.delta or "" for r in responses)
        response = responses[-1]
    assert "DSML" not in shown
    (call,) = llm.get_tool_calls_from_response(response, error_on_no_tool_call=False)
    assert (call.tool_name, call.tool_kwargs) == ("weather.get", {"city": "Paris"})
    assert emulator.last_request.body["tools"][0]["function"]["name"] == "weather_get"


def test_recovery_can_be_turned_off_in_both(emulator: Emulator) -> None:
    tool = StructuredTool.from_function(get_weather, name="get_weather")
    emulator.push(Reply.dsml_tool_calls([("get_weather", {"city": "x"})]))
    message = (
        ChatDeepSeek(api_key=KEY, base_url=emulator.base_url, recover_text_tool_calls=False)
        .bind_tools([tool])
        .invoke("w?")
    )
    assert "DSML" in str(message.content) and not message.tool_calls
    emulator.push(Reply.dsml_tool_calls([("get_weather", {"city": "x"})]))
    llm = DeepSeek(api_key=KEY, api_base=emulator.base_url, recover_text_tool_calls=False)
    response = llm.chat_with_tools([FunctionTool.from_defaults(get_weather)], user_msg="w?")
    assert "DSML" in (response.message.content or "")
    assert llm.get_tool_calls_from_response(response, error_on_no_tool_call=False) == []


def test_a_name_that_cannot_be_mapped_is_refused_before_sending(emulator: Emulator) -> None:
    from deepseek_ext_core import InvalidRequestError

    tools = [
        StructuredTool.from_function(get_weather, name="x.y"),
        StructuredTool.from_function(get_weather, name="x.y"),
    ]
    with pytest.raises(InvalidRequestError, match=r"two tools are named 'x\.y'"):
        ChatDeepSeek(api_key=KEY, base_url=emulator.base_url).bind_tools(tools).invoke("w?")
    assert emulator.requests == []
