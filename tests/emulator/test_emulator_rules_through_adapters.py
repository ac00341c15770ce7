"""The emulator's DeepSeek rules, met through both adapters: the request is fixed up on the way
(recovered), or the answer becomes the right typed error on the framework's side."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from llama_index.core.base.llms.types import ChatMessage, MessageRole

from deepseek_ext_core import AuthenticationError, BadRequestError, InsufficientBalanceError
from deepseek_ext_emulator import Emulator, Reply
from langchain_deepseek_ext import ChatDeepSeek
from llamaindex_deepseek_ext import DeepSeek

KEY = "test-key"
WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Weather in a city.",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    },
}
CALL = {"id": "call_00_abcdefghijklmnopqrstuvwx", "name": "get_weather", "args": {"city": "Paris"}}


def _langchain(emulator: Emulator, **options: Any) -> Callable[[bool], str]:
    options = {"api_key": KEY, "base_url": emulator.base_url, "max_retries": 0, **options}
    model = ChatDeepSeek(**options).bind_tools([WEATHER_TOOL])

    def send(tool_loop: bool) -> str:
        messages: list[Any] = [HumanMessage("Weather in Paris?")]
        if tool_loop:
            messages += [
                AIMessage("", tool_calls=[CALL], additional_kwargs={"reasoning_content": "Look."}),
                ToolMessage("sunny", tool_call_id=CALL["id"]),
            ]
        return str(model.invoke(messages).content)

    return send


def _llamaindex(emulator: Emulator, **options: Any) -> Callable[[bool], str]:
    options = {"api_key": KEY, "api_base": emulator.base_url, "max_retries": 0, **options}
    llm = DeepSeek(**options)

    def send(tool_loop: bool) -> str:
        messages = [ChatMessage(role=MessageRole.USER, content="Weather in Paris?")]
        if tool_loop:
            arguments = '{"city": "Paris"}'
            function = {"name": "get_weather", "arguments": arguments}
            call = {"id": CALL["id"], "type": "function", "function": function}
            messages += [
                ChatMessage(
                    role=MessageRole.ASSISTANT,
                    content="",
                    additional_kwargs={"tool_calls": [call], "reasoning_content": "Look."},
                ),
                ChatMessage(
                    role=MessageRole.TOOL,
                    content="sunny",
                    additional_kwargs={"tool_call_id": CALL["id"]},
                ),
            ]
        return str(llm.chat(messages, tools=[WEATHER_TOOL]).message.content)

    return send


ADAPTERS = {"langchain": _langchain, "llamaindex": _llamaindex}


@pytest.fixture
def emulator() -> Any:
    with Emulator(api_key=KEY) as running:
        yield running


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_reasoning_passed_back_by_default_is_accepted(adapter: str, emulator: Emulator) -> None:
    emulator.push(Reply.text("It is sunny."))
    assert ADAPTERS[adapter](emulator, model="deepseek-v4-pro")(True) == "It is sunny."
    assistant = emulator.last_request.body["messages"][1]
    assert assistant["reasoning_content"] == "Look."


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_reasoning_stripped_is_deepseeks_400(adapter: str, emulator: Emulator) -> None:
    send = ADAPTERS[adapter](emulator, model="deepseek-v4-pro", reasoning_passback="never")
    with pytest.raises(BadRequestError, match="reasoning_content"):
        send(True)


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_unknown_model_is_deepseeks_400(adapter: str, emulator: Emulator) -> None:
    with pytest.raises(BadRequestError, match="supported API model names"):
        ADAPTERS[adapter](emulator, model="deepseek-v9-imaginary")(False)


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_wrong_key_is_401(adapter: str, emulator: Emulator) -> None:
    send = ADAPTERS[adapter](emulator, model="deepseek-flash", api_key="wrong-key-1234")
    with pytest.raises(AuthenticationError):
        send(False)


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_exhausted_balance_is_402(adapter: str, emulator: Emulator) -> None:
    emulator.balance_exhausted = True
    with pytest.raises(InsufficientBalanceError):
        ADAPTERS[adapter](emulator, model="deepseek-flash")(False)


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_logprobs_on_a_thinking_model_are_sent_with_thinking_off(
    adapter: str, emulator: Emulator
) -> None:
    emulator.push(Reply.text("Hi."))
    ADAPTERS[adapter](emulator, model="deepseek-flash", logprobs=True)(False)
    assert emulator.last_request.body["thinking"] == {"type": "disabled"}
