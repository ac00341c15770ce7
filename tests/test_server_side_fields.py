"""What DeepSeek added inside chat completions on 2026-11-13, and whatever it adds next, through
the core and both adapters: tools of other types than `function` go to the wire unchanged;
message fields no client models come back on the framework message and go back to DeepSeek
unchanged (also after LangChain `dumps`/`loads` and a LlamaIndex `Context` round trip);
`safety_check` and `latest_reminder` are typed and checked before sending. The field and tool
type below are made up, so the test holds for blocks nobody has seen yet."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from langchain_core.load import dumps, loads
from langchain_core.messages import ChatMessage as LCChatMessage
from langchain_core.messages import HumanMessage
from llama_index.core.base.llms.types import ChatMessage, MessageRole

from deepseek_ext_core import (
    AssistantMessage,
    ChatRequest,
    InvalidConversationError,
    InvalidRequestError,
    LatestReminderMessage,
    UserMessage,
)
from deepseek_ext_core.integration import prepare_chat_request
from langchain_deepseek_ext import FIELDS_KEY as LC_FIELDS_KEY
from langchain_deepseek_ext import ChatDeepSeek
from langchain_deepseek_ext import latest_reminder_message as lc_reminder
from llamaindex_deepseek_ext import FIELDS_KEY as LI_FIELDS_KEY
from llamaindex_deepseek_ext import DeepSeek
from llamaindex_deepseek_ext import latest_reminder_message as li_reminder

from .wire import Answer, Wire

MADE_UP_TOOL = {"type": "deepseek_crystal_ball", "name": "ball", "options": {"depth": 3}}
MADE_UP_FIELDS = {"oracle_blocks": [{"type": "vision", "text": "a sunny day"}], "oracle_note": "n"}
REMINDER = "2026-11-09,Monday,Singapore, Marina Bay,Web,English"


def _sent_back(wire: Wire) -> dict[str, Any]:
    assistants = [m for m in wire.body["messages"] if m["role"] == "assistant"]
    assert len(assistants) == 1
    return assistants[0]


# ---- LangChain ----------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["invoke", "stream", "ainvoke"])
def test_langchain_keeps_unknown_fields_and_sends_them_back(mode: str) -> None:
    wire = Wire(Answer(content="It will be sunny.", extra=MADE_UP_FIELDS))
    chat = ChatDeepSeek(model="deepseek-flash", api_key="k", **wire.langchain())
    bound = chat.bind_tools([MADE_UP_TOOL])
    if mode == "invoke":
        message: Any = bound.invoke("weather?")
    elif mode == "ainvoke":
        message = asyncio.run(bound.ainvoke("weather?"))
    else:
        chunks = list(bound.stream("weather?"))
        message = chunks[0]
        for chunk in chunks[1:]:
            message += chunk
    assert wire.body["tools"] == [MADE_UP_TOOL]
    assert message.additional_kwargs[LC_FIELDS_KEY] == MADE_UP_FIELDS
    restored = loads(dumps(message), allowed_objects="core")  # a checkpoint round trip
    chat.invoke([HumanMessage("weather?"), restored, HumanMessage("and tomorrow?")])
    sent = _sent_back(wire)
    assert {key: sent[key] for key in MADE_UP_FIELDS} == MADE_UP_FIELDS
    assert sent["content"] == "It will be sunny."


def test_langchain_safety_check_and_latest_reminder_reach_the_wire() -> None:
    wire = Wire()
    chat = ChatDeepSeek(
        model="deepseek-flash", api_key="k", safety_check={"level": "high"}, **wire.langchain()
    )
    reminder = lc_reminder(
        date="2026-11-09",
        weekday="Monday",
        location="Singapore",
        platform="Web",
        language="English",
    )
    chat.invoke([reminder, HumanMessage("news today?")])
    assert wire.body["safety_check"] == {"level": "high"}
    assert wire.body["messages"][0] == {
        "role": "latest_reminder",
        "content": "2026-11-09,Monday,Singapore,Web,English",
    }
    chat.invoke(
        [LCChatMessage(role="latest_reminder", content=REMINDER), HumanMessage("x")],
        safety_check={"level": "low"},
    )
    assert wire.body["safety_check"] == {"level": "low"}
    assert wire.body["messages"][0]["content"] == REMINDER


def test_langchain_refuses_the_rules_before_sending() -> None:
    wire = Wire()
    chat = ChatDeepSeek(
        model="deepseek-flash",
        api_key="k",
        thinking="disabled",
        safety_check={"level": "high"},
        **wire.langchain(),
    )
    from pydantic import BaseModel

    class Weather(BaseModel):
        """Weather."""

        city: str

    with pytest.raises(InvalidRequestError, match="safety_check"):
        chat.bind_tools([Weather], tool_choice="Weather").invoke("x")
    # A web tool lifts the rule.
    chat.bind_tools([Weather, {"type": "deepseek_web_search"}], tool_choice="Weather").invoke("x")
    with pytest.raises(ValueError, match="level"):
        chat.invoke("x", safety_check={"level": "medium"})
    with pytest.raises(InvalidConversationError, match="right before the user message"):
        chat.invoke([HumanMessage("x"), LCChatMessage(role="latest_reminder", content=REMINDER)])
    with pytest.raises(InvalidConversationError, match="platform"):
        chat.invoke(
            [
                LCChatMessage(role="latest_reminder", content="2026-11-09,Mon,,Phone,English"),
                HumanMessage("x"),
            ]
        )
    assert len(wire.requests) == 1


# ---- LlamaIndex ---------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["chat", "stream_chat", "achat"])
def test_llamaindex_keeps_unknown_fields_and_sends_them_back(mode: str) -> None:
    wire = Wire(Answer(content="It will be sunny.", extra=MADE_UP_FIELDS))
    llm = DeepSeek(model="deepseek-flash", api_key="k", **wire.llamaindex())
    question = [ChatMessage(role="user", content="weather?")]
    if mode == "chat":
        response: Any = llm.chat(question, tools=[MADE_UP_TOOL])
    elif mode == "achat":
        response = asyncio.run(llm.achat(question, tools=[MADE_UP_TOOL]))
    else:
        response = list(llm.stream_chat(question, tools=[MADE_UP_TOOL]))[-1]
    assert wire.body["tools"] == [MADE_UP_TOOL]
    assert response.message.additional_kwargs[LI_FIELDS_KEY] == MADE_UP_FIELDS
    # What a workflow Context stores: the message as JSON, and back.
    restored = ChatMessage.model_validate_json(response.message.model_dump_json())
    llm.chat([*question, restored, ChatMessage(role="user", content="and tomorrow?")])
    sent = _sent_back(wire)
    assert {key: sent[key] for key in MADE_UP_FIELDS} == MADE_UP_FIELDS


def test_llamaindex_context_serialization_keeps_the_fields() -> None:
    from llama_index.core.agent.workflow import FunctionAgent
    from llama_index.core.workflow import Context, JsonSerializer

    wire = Wire(Answer(content="sunny", extra=MADE_UP_FIELDS))
    llm = DeepSeek(model="deepseek-flash", api_key="k", **wire.llamaindex())
    message = llm.chat([ChatMessage(role="user", content="weather?")]).message

    async def round_trip() -> list[ChatMessage]:
        agent = FunctionAgent(tools=[], llm=llm)
        ctx = Context(agent)
        await ctx.store.set("messages", [message])
        saved = ctx.to_dict(serializer=JsonSerializer())
        restored = Context.from_dict(agent, saved, serializer=JsonSerializer())
        stored: list[ChatMessage] = await restored.store.get("messages")
        return stored

    (restored,) = asyncio.run(round_trip())
    llm.chat(
        [
            ChatMessage(role="user", content="weather?"),
            restored,
            ChatMessage(role="user", content="more"),
        ]
    )
    sent = _sent_back(wire)
    assert {key: sent[key] for key in MADE_UP_FIELDS} == MADE_UP_FIELDS


def test_llamaindex_safety_check_and_latest_reminder_reach_the_wire() -> None:
    wire = Wire()
    llm = DeepSeek(
        model="deepseek-flash", api_key="k", safety_check={"level": "high"}, **wire.llamaindex()
    )
    reminder = li_reminder(date="2026-11-09", weekday="星期一", platform="App", language="中文")
    assert reminder.role == MessageRole.SYSTEM  # other LLMs read it as a system note
    llm.chat([reminder, ChatMessage(role="user", content="今天有什么新闻")])
    assert wire.body["safety_check"] == {"level": "high"}
    reminder_sent = {"role": "latest_reminder", "content": "2026-11-09,星期一,,App,中文"}
    assert wire.body["messages"][0] == reminder_sent
    with pytest.raises(InvalidRequestError, match="safety_check"):
        llm.chat(
            [ChatMessage(role="user", content="x")],
            tools=[
                {"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}
            ],
            tool_choice="required",
            thinking="disabled",
        )
    assert len(wire.requests) == 1


# ---- the core -----------------------------------------------------------------------------------


def test_the_core_sends_server_tools_and_extra_fields_as_given() -> None:
    request = ChatRequest(
        model="deepseek-flash",
        messages=[
            UserMessage("q"),
            AssistantMessage(content="a", extra_fields=MADE_UP_FIELDS),
            LatestReminderMessage(REMINDER),
            UserMessage("q2"),
        ],
        tools=[MADE_UP_TOOL, {"type": "function", "function": {"name": "f"}}],
        safety_check={"level": "high"},
    )
    body = prepare_chat_request(request).body
    assert body["tools"][0] == MADE_UP_TOOL
    assert body["messages"][1] == {"role": "assistant", "content": "a", **MADE_UP_FIELDS}
    assert body["messages"][2] == {"role": "latest_reminder", "content": REMINDER}
    assert json.loads(json.dumps(body))["safety_check"] == {"level": "high"}


def _body_with(message: AssistantMessage) -> dict[str, Any]:
    messages = [UserMessage("q"), message, UserMessage("q")]
    return prepare_chat_request(ChatRequest(model="deepseek-flash", messages=messages)).body


def test_a_modelled_field_is_never_overwritten_by_an_extra_one() -> None:
    message = AssistantMessage(content="real", extra_fields={"content": "fake", "x": 1})
    body = _body_with(message)
    assert body["messages"][1] == {"role": "assistant", "content": "real", "x": 1}


def test_a_message_with_only_server_blocks_is_sent() -> None:
    body = _body_with(AssistantMessage(extra_fields=MADE_UP_FIELDS))
    assert body["messages"][1]["oracle_note"] == "n"
