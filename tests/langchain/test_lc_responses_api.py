"""`ChatDeepSeek(use_responses_api=True)` (or `output_version="responses/v1"`): every call
through DeepSeek's `/responses`, as `ChatOpenAI(use_responses_api=True)` users expect."""

from __future__ import annotations

import json
from typing import Any

import pytest
from langchain.agents import create_agent
from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage
from langchain_core.runnables import RunnableConfig
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


V3_BETA = "ignore:The method `BaseChatModel.*_v3` is in beta:langchain_core._api.beta_decorator.LangChainBetaWarning"  # noqa: E501


@pytest.mark.filterwarnings(V3_BETA)
async def test_stream_events_v3_carry_reasoning_text_and_calls(
    emulator: Emulator, make_chat: Any
) -> None:
    emulator.push(Reply.text("Paris.", reasoning="The capital is Paris.", chunks=3))
    emulator.push(Reply.tool_calls([("get_weather", {"city": "Rome"})], reasoning="Look it up."))
    model: ChatDeepSeek = make_chat(model="deepseek-v4-pro", use_responses_api=True)

    events = [e async for e in await model.astream_events("Capital?", version="v3")]
    finished = [e["content"] for e in events if e["event"] == "content-block-finish"]
    assert finished == [
        {"type": "reasoning", "reasoning": "The capital is Paris."},
        {"type": "text", "text": "Paris."},
    ]
    deltas = [e for e in events if e["event"] == "content-block-delta"]
    assert len(deltas) > 2  # streamed as it came, not in one piece at the end
    assert events[-1]["event"] == "message-finish"
    assert events[-1]["usage"]["output_token_details"]["reasoning"] > 0

    tools = model.bind_tools([get_weather])
    events = list(tools.stream_events("Weather in Rome?", version="v3"))
    blocks = [e["content"] for e in events if e["event"] == "content-block-finish"]
    assert blocks[0] == {"type": "reasoning", "reasoning": "Look it up."}
    call = next(b for b in blocks if b["type"] == "tool_call")
    assert (call["name"], call["args"]) == ("get_weather", {"city": "Rome"})
    assert emulator.last_request.path == "/responses"


def test_a_checkpointed_agent_continues_a_thread_on_responses(
    emulator: Emulator, make_chat: Any
) -> None:
    from langgraph.checkpoint.memory import InMemorySaver

    emulator.push(Reply.tool_calls([("get_weather", {"city": "Oslo"})], reasoning="Check Oslo."))
    emulator.push(Reply.text("Sunny in Oslo.", reasoning="It said sunny."))
    emulator.push(Reply.text("You asked about Oslo.", reasoning="From the thread."))
    model: ChatDeepSeek = make_chat(model="deepseek-v4-pro", use_responses_api=True)
    # InMemorySaver stores each step serialized, so the second turn reads the history back
    # from a checkpoint, not from the objects the first turn made.
    agent = create_agent(model, [get_weather], checkpointer=InMemorySaver())
    thread: RunnableConfig = {"configurable": {"thread_id": "t1"}}

    agent.invoke({"messages": [("user", "Weather in Oslo?")]}, thread)
    state = agent.invoke({"messages": [("user", "Which city did I ask about?")]}, thread)

    assert state["messages"][-1].content == "You asked about Oslo."
    items = emulator.last_request.body["input"]
    kinds = [item["type"] for item in items]
    # The checkpointed turn replays with its reasoning before its call, as DeepSeek requires.
    assert (
        kinds.index("reasoning")
        < kinds.index("function_call")
        < kinds.index("function_call_output")
    )
    reasoning = next(item for item in items if item["type"] == "reasoning")
    assert "Check Oslo." in json.dumps(reasoning)
    assert [i["content"] for i in items if i.get("role") == "user"][-1] == (
        "Which city did I ask about?"
    )


@pytest.mark.parametrize("mode", ["invoke", "stream"])
def test_a_web_search_turn_round_trips_through_a_checkpoint(
    emulator: Emulator, make_chat: Any, mode: str
) -> None:
    from langchain_core.load import dumps, loads

    from ..reference_traffic import web_search_answer

    emulator.push(web_search_answer(stream=mode == "stream"))
    model: ChatDeepSeek = make_chat(model="deepseek-v4-flash", use_responses_api=True)
    search = model.bind_tools([{"type": "web_search"}])
    question = HumanMessage("Latest stable Ruby?")
    if mode == "invoke":
        answer: Any = search.invoke([question])
    else:
        chunks = list(search.stream([question]))
        answer = chunks[0]
        for chunk in chunks[1:]:
            answer = answer + chunk
    assert "4.0.6" in answer.text
    history = loads(dumps([question, answer]), allowed_objects="messages")

    search.invoke([*history, HumanMessage("And the one before it?")])

    sent = emulator.last_request.body["input"]
    searches = [i for i in sent if i["type"] == "web_search_call"]
    assert [s["action"]["type"] for s in searches] == ["search", "open_page", "open_page",
                                                       "open_page"]  # fmt: skip
    assert isinstance(searches[0]["action"]["queries"], list)
