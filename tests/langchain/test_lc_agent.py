"""A LangGraph ReAct agent with two tools in thinking mode, replayed from a cassette.

The cassette is matched on the JSON request body, so the replay only succeeds if every request
is byte-for-byte what was recorded; on top, the test checks that each request after a tool call
sends the reasoning of every earlier tool-call turn back (DeepSeek's thinking-mode rule).
Re-record offline: `pytest tests/langchain/test_lc_agent.py --record-mode=rewrite
--cassette-source=emulator`.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from langchain_core.messages import AIMessage, HumanMessage
from langchain_core.tools import tool
from langgraph.prebuilt import create_react_agent

from deepseek_ext_emulator import Reply
from langchain_deepseek_ext import ChatDeepSeek

pytestmark = pytest.mark.vcr

REASONING = ["I need the weather.", "Now the population.", "And Rome's weather.", "Done."]


@tool
def get_weather(city: str) -> str:
    """The current weather in a city."""
    return {"Paris": "sunny", "Rome": "rainy"}.get(city, "unknown")


@tool
def get_population(city: str) -> str:
    """The population of a city."""
    return {"Paris": "2.1 million"}.get(city, "unknown")


@pytest.mark.emulator_script(
    Reply.tool_calls([("get_weather", {"city": "Paris"})], reasoning=REASONING[0]),
    Reply.tool_calls([("get_population", {"city": "Paris"})], reasoning=REASONING[1]),
    Reply.tool_calls([("get_weather", {"city": "Rome"})], reasoning=REASONING[2]),
    Reply.text("Paris is sunny with 2.1 million people; Rome is rainy.", reasoning=REASONING[3]),
)
# LangGraph's prebuilt agent, which users still run, deprecated in favour of langchain's
# create_agent (the same loop): its deprecation is expected here, and only here.
@pytest.mark.filterwarnings("ignore:create_react_agent has been moved")
def test_react_agent_three_tool_rounds_in_thinking_mode(vcr: Any) -> None:
    model = ChatDeepSeek(model="deepseek-flash", thinking="enabled", max_tokens=2048)
    agent = create_react_agent(model, [get_weather, get_population])
    question = "Weather and population of Paris, and the weather in Rome?"
    state = agent.invoke({"messages": [HumanMessage(question)]})

    answers = [m for m in state["messages"] if isinstance(m, AIMessage)]
    assert [bool(m.tool_calls) for m in answers] == [True, True, True, False]
    assert answers[-1].content == "Paris is sunny with 2.1 million people; Rome is rainy."
    assert [m.additional_kwargs["reasoning_content"] for m in answers] == REASONING
    tool_results = [m.content for m in state["messages"] if m.type == "tool"]
    assert tool_results == ["sunny", "2.1 million", "rainy"]

    bodies = [json.loads(request.body) for request in vcr.requests]
    assert len(bodies) == 4
    for turn, body in enumerate(bodies):
        assert body["thinking"] == {"type": "enabled"}
        assert {t["function"]["name"] for t in body["tools"]} == {"get_weather", "get_population"}
        calls = [m for m in body["messages"] if m["role"] == "assistant" and m.get("tool_calls")]
        assert [m["reasoning_content"] for m in calls] == REASONING[:turn]
