"""Agents on the emulator: FunctionAgent tool loops in thinking mode, and a ReActAgent."""

from __future__ import annotations

import json
from typing import Any

import pytest
from llama_index.core.agent.workflow import FunctionAgent, ReActAgent
from llama_index.core.tools import FunctionTool

from deepseek_ext_emulator import Reply

from .li_support import Emu


def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


def multiply(a: int, b: int) -> int:
    """Multiply two integers."""
    return a * b


TOOLS = [FunctionTool.from_defaults(fn=add), FunctionTool.from_defaults(fn=multiply)]

ROUNDS: list[tuple[str, dict[str, int], str]] = [
    ("add", {"a": 2, "b": 3}, "First add 2 and 3."),
    ("multiply", {"a": 5, "b": 4}, "Now multiply the sum by 4."),
    ("add", {"a": 20, "b": 1}, "Finally add 1."),
]


def _assistant_turns(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [m for m in body["messages"] if m["role"] == "assistant"]


@pytest.mark.parametrize("streaming", [False, True])
async def test_function_agent_three_tool_rounds_in_thinking_mode(emu: Emu, streaming: bool) -> None:
    emu.script(
        *(Reply.tool_calls([(name, args)], reasoning=why) for name, args, why in ROUNDS),
        Reply.text("The result is 21.", reasoning="All steps done."),
    )
    llm = emu.llm(thinking="enabled", reasoning_effort="high")
    agent = FunctionAgent(tools=TOOLS, llm=llm, streaming=streaming, system_prompt="Use tools.")
    result = await agent.run(user_msg="Compute ((2+3)*4)+1 with the tools.")
    assert str(result).strip() == "The result is 21."

    bodies = emu.bodies
    assert len(bodies) == 4
    for turn, body in enumerate(bodies):
        assert body["thinking"] == {"type": "enabled"}
        assert body["reasoning_effort"] == "high"
        assert "tool_choice" not in body  # never forced in thinking mode
        assistants = _assistant_turns(body)
        assert len(assistants) == turn  # every earlier tool-call turn is replayed
        for sent, (name, args, why) in zip(assistants, ROUNDS, strict=False):
            # DeepSeek 400s without it (docs/deepseek-api.md §2.3): reasoning on every tool-call
            # turn.
            assert sent["reasoning_content"] == why
            (call,) = sent["tool_calls"]
            assert call["function"]["name"] == name
            assert json.loads(call["function"]["arguments"]) == args
        tool_results = [m["content"] for m in body["messages"] if m["role"] == "tool"]
        assert tool_results == ["5", "20", "21"][:turn]


async def test_react_agent(emu: Emu) -> None:
    emu.script(
        Reply.text(
            'Thought: I need to add the numbers.\nAction: add\nAction Input: {"a": 40, "b": 2}'
        ),
        Reply.text("Thought: I can answer without using any more tools.\nAnswer: It is 42."),
    )
    agent = ReActAgent(tools=TOOLS, llm=emu.llm(thinking="disabled"), streaming=False)
    result = await agent.run(user_msg="What is 40 + 2?")
    assert "42" in str(result)
    second = emu.bodies[1]["messages"]
    assert any("Observation: 42" in str(m.get("content")) for m in second)


def current_time() -> str:
    """The current time in Beijing."""
    return "10:30"


@pytest.mark.parametrize("streaming", [False, True])
async def test_function_agent_calls_a_tool_without_parameters(emu: Emu, streaming: bool) -> None:
    # DeepSeek sends `arguments: ""` for a tool that takes none (docs/deepseek-api.md §5.4).
    emu.script(
        Reply.tool_calls([("current_time", "")], reasoning="I need the time."),
        Reply.text("It is 10:30.", reasoning="The tool said 10:30."),
    )
    tools = [FunctionTool.from_defaults(fn=current_time)]
    agent = FunctionAgent(tools=tools, llm=emu.llm(), streaming=streaming, system_prompt="Tools.")
    result = await agent.run(user_msg="What time is it?")

    assert str(result).strip() == "It is 10:30."
    second = emu.bodies[1]["messages"]
    call = next(m for m in second if m["role"] == "assistant")["tool_calls"][0]
    assert call["function"]["arguments"] == "{}"  # sent back as a JSON object
    assert next(m for m in second if m["role"] == "tool")["content"] == "10:30"


def get_weather(city: str) -> str:
    """The weather in a city."""
    return f"Sunny in {city}."


@pytest.mark.parametrize("streaming", [False, True])
async def test_function_agent_recovers_from_arguments_that_are_not_json(
    emu: Emu, streaming: bool
) -> None:
    # DeepSeek does write such arguments; the agent tells the model and lets it try again.
    emu.script(
        Reply.tool_calls([("get_weather", '{"city": Paris}')], reasoning="Weather first."),
        Reply.tool_calls([("get_weather", {"city": "Paris"})], reasoning="Fix the JSON."),
        Reply.text("Sunny in Paris.", reasoning="Done."),
    )
    tools = [FunctionTool.from_defaults(fn=get_weather)]
    llm = emu.llm(thinking="enabled")
    agent = FunctionAgent(tools=tools, llm=llm, streaming=streaming, system_prompt="Tools.")
    result = await agent.run(user_msg="Weather in Paris?")

    assert str(result).strip() == "Sunny in Paris."
    second = emu.bodies[1]["messages"]
    broken = next(m for m in second if m["role"] == "assistant")
    assert broken["tool_calls"][0]["function"]["arguments"] == "{}"  # a JSON object on the wire
    assert broken["reasoning_content"] == "Weather first."
    told = next(m for m in second if m["role"] == "tool")["content"]
    assert "arguments_were_not_valid_json" in told  # the tool result says what was wrong
