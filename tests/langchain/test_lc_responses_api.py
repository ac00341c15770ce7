"""`ChatDeepSeek(use_responses_api=True)` (or `output_version="responses/v1"`): every call
through DeepSeek's `/responses`, as `ChatOpenAI(use_responses_api=True)` users expect."""

from __future__ import annotations

from typing import Any

import pytest
from langchain.agents import create_agent
from langchain_core.messages import AIMessage, AIMessageChunk
from langchain_core.tools import tool

from deepseek_ext_emulator import Emulator, Reply
from langchain_deepseek_ext import ChatDeepSeek


@tool
def get_weather(city: str) -> str:
    """The weather in a city."""
    return f"sunny in {city}"


@pytest.mark.parametrize(
    "switch", [{"use_responses_api": True}, {"output_version": "responses/v1"}]
)
@pytest.mark.parametrize("mode", ["invoke", "ainvoke", "stream", "astream"])
async def test_calls_go_to_responses_and_read_like_chat(
    emulator: Emulator, make_chat: Any, mode: str, switch: dict[str, Any]
) -> None:
    emulator.push(Reply.text("Paris.", reasoning="The capital of France is Paris."))
    model: ChatDeepSeek = make_chat(model="deepseek-v4-pro", max_tokens=256, **switch)
    if mode == "invoke":
        message: Any = model.invoke("Capital of France?")
    elif mode == "ainvoke":
        message = await model.ainvoke("Capital of France?")
    else:
        chunks: list[AIMessageChunk] = (
            list(model.stream("Capital of France?"))
            if mode == "stream"
            else [c async for c in model.astream("Capital of France?")]
        )
        assert len(chunks) > 2  # reasoning and text as they come, then the end
        message = chunks[0]
        for chunk in chunks[1:]:
            message = message + chunk
    assert message.text == "Paris."
    assert message.additional_kwargs["reasoning_content"] == "The capital of France is Paris."
    assert message.usage_metadata["output_token_details"]["reasoning"] > 0
    blocks = message.content_blocks  # reasoning as a native content block
    assert {"type": "reasoning", "reasoning": "The capital of France is Paris."} in blocks
    request = emulator.last_request
    assert request.path == "/responses"
    assert request.body["max_output_tokens"] == 256
    assert "messages" not in request.body


def test_a_thinking_agent_over_three_tool_rounds(emulator: Emulator, make_chat: Any) -> None:
    for city in ("Paris", "Rome", "Oslo"):
        emulator.push(Reply.tool_calls([("get_weather", {"city": city})], reasoning=f"Now {city}."))
    emulator.push(Reply.text("Sunny everywhere.", reasoning="All three are sunny."))
    model: ChatDeepSeek = make_chat(model="deepseek-v4-pro", use_responses_api=True)
    agent = create_agent(model, [get_weather])

    state = agent.invoke({"messages": [("user", "Weather in Paris, Rome and Oslo?")]})

    assert state["messages"][-1].content == "Sunny everywhere."
    calls = [m for m in state["messages"] if isinstance(m, AIMessage) and m.tool_calls]
    assert [c.tool_calls[0]["args"]["city"] for c in calls] == ["Paris", "Rome", "Oslo"]
    # Each turn's reasoning went back before its call (DeepSeek's replay rule), no 400.
    items = emulator.last_request.body["input"]
    kinds = [item["type"] for item in items]
    assert kinds.count("reasoning") == 3 and kinds.count("function_call_output") == 3
    assert kinds.index("reasoning") < kinds.index("function_call")


def test_what_responses_cannot_do_is_refused_by_name(make_chat: Any) -> None:
    from deepseek_ext_core import InvalidRequestError

    model: ChatDeepSeek = make_chat(use_responses_api=True)
    with pytest.raises(InvalidRequestError, match="stop sequences"):
        model.invoke("hi", stop=["\n"])
