"""with_structured_output: three methods, on thinking and non-thinking models (emulator)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from langchain_core.exceptions import OutputParserException
from langchain_core.messages import HumanMessage, SystemMessage
from pydantic import BaseModel
from typing_extensions import TypedDict

from deepseek_ext_emulator import Emulator, Reply
from langchain_deepseek_ext import ChatDeepSeek


class Joke(BaseModel):
    """A joke."""

    setup: str
    punchline: str


class JokeDict(TypedDict):
    setup: str
    punchline: str


JOKE = {"setup": "Why?", "punchline": "Because."}
JOKE_SCHEMA = {
    "title": "Joke",
    "description": "A joke.",
    "type": "object",
    "properties": {"setup": {"type": "string"}, "punchline": {"type": "string"}},
    "required": ["setup", "punchline"],
}


def parsed_equals_joke(value: Any) -> bool:
    return (value.model_dump() if isinstance(value, BaseModel) else value) == JOKE


@pytest.mark.parametrize("schema", [Joke, JokeDict, JOKE_SCHEMA])
@pytest.mark.parametrize("asynchronous", [False, True])
async def test_function_calling_forces_the_tool_without_explicit_thinking(
    chat: ChatDeepSeek, emulator: Emulator, schema: Any, asynchronous: bool
) -> None:
    emulator.push(Reply.tool_calls([("Joke" if schema is not JokeDict else "JokeDict", JOKE)]))
    structured = chat.with_structured_output(schema)
    result = await structured.ainvoke("a joke") if asynchronous else structured.invoke("a joke")
    assert parsed_equals_joke(result)
    assert isinstance(result, Joke) == (schema is Joke)
    body = emulator.last_request.body
    assert body["tool_choice"]["function"]["name"] in ("Joke", "JokeDict")
    assert body["thinking"] == {"type": "disabled"}  # the core's guard for forced tools


async def test_function_calling_with_thinking_enabled_offers_the_tool(
    make_chat: Callable[..., ChatDeepSeek], emulator: Emulator
) -> None:
    emulator.push(Reply.tool_calls([("Joke", JOKE)], reasoning="pick a joke"))
    result = make_chat(thinking="enabled").with_structured_output(Joke).invoke("a joke")
    assert result == Joke(**JOKE)
    body = emulator.last_request.body
    assert body["tool_choice"] == "auto"
    assert body["thinking"] == {"type": "enabled"}
    assert body["messages"][0]["role"] == "system"
    assert "`Joke` tool" in body["messages"][0]["content"]


async def test_function_calling_strict_goes_to_beta(chat: ChatDeepSeek, emulator: Emulator) -> None:
    emulator.push(Reply.tool_calls([("Joke", JOKE)]))
    assert chat.with_structured_output(Joke, strict=True).invoke("a joke") == Joke(**JOKE)
    assert emulator.last_request.path == "/beta/chat/completions"
    assert emulator.last_request.body["tools"][0]["function"]["strict"] is True


@pytest.mark.parametrize("thinking", [None, "enabled", "disabled"])
async def test_json_mode_adds_json_word_when_missing(
    make_chat: Callable[..., ChatDeepSeek], emulator: Emulator, thinking: str | None
) -> None:
    emulator.push(Reply.json(JOKE))
    structured = make_chat(thinking=thinking).with_structured_output(Joke, method="json_mode")
    assert structured.invoke("tell me a joke") == Joke(**JOKE)
    body = emulator.last_request.body
    assert body["response_format"] == {"type": "json_object"}
    assert "json" in json.dumps(body["messages"]).lower()
    assert "tool_choice" not in body


async def test_json_mode_keeps_prompt_that_mentions_json(
    chat: ChatDeepSeek, emulator: Emulator
) -> None:
    emulator.push(Reply.json(JOKE))
    messages = [SystemMessage("Answer in JSON."), HumanMessage("joke")]
    assert chat.with_structured_output(None, method="json_mode").invoke(messages) == JOKE
    assert emulator.last_request.body["messages"] == [
        {"role": "system", "content": "Answer in JSON."},
        {"role": "user", "content": "joke"},
    ]


@pytest.mark.parametrize("asynchronous", [False, True])
@pytest.mark.parametrize("blank", ["", "  \n\n   \n"])  # DeepSeek pads unreadable JSON
async def test_json_mode_retries_empty_content_once(
    chat: ChatDeepSeek, emulator: Emulator, asynchronous: bool, blank: str
) -> None:
    emulator.push(Reply.text(blank), Reply.json(JOKE))
    structured = chat.with_structured_output(Joke, method="json_mode")
    result = (
        await structured.ainvoke("a json joke")
        if asynchronous
        else structured.invoke("a json joke")
    )
    assert result == Joke(**JOKE)
    assert len(emulator.requests) == 2


@pytest.mark.parametrize("blank", ["", " \n \n"])
async def test_json_mode_empty_twice_raises(
    chat: ChatDeepSeek, emulator: Emulator, blank: str
) -> None:
    emulator.push(Reply.text(blank), Reply.text(blank))
    with pytest.raises(OutputParserException, match="empty content twice"):
        chat.with_structured_output(Joke, method="json_mode").invoke("a json joke")
    assert len(emulator.requests) == 2


async def test_json_mode_include_raw_reports_the_error(
    chat: ChatDeepSeek, emulator: Emulator
) -> None:
    emulator.push(Reply.text(""), Reply.text(""))
    out = chat.with_structured_output(Joke, method="json_mode", include_raw=True).invoke("json")
    assert out["parsed"] is None
    assert isinstance(out["parsing_error"], OutputParserException)
    assert out["raw"].content == ""


@pytest.mark.parametrize("schema", [Joke, JOKE_SCHEMA])
@pytest.mark.parametrize("thinking", [None, "enabled"])
async def test_json_schema_is_deepseeks_native_output_on_responses(
    make_chat: Callable[..., ChatDeepSeek], emulator: Emulator, schema: Any, thinking: str | None
) -> None:
    emulator.push(Reply.json(JOKE))
    model = make_chat(thinking=thinking)
    result = model.with_structured_output(schema, method="json_schema").invoke("a joke")
    assert parsed_equals_joke(result)
    request = emulator.last_request
    assert request.path == "/responses"
    assert request.body["text"]["format"]["type"] == "json_schema"
    assert "punchline" in request.body["text"]["format"]["schema"]["properties"]
    assert "tools" not in request.body


@pytest.mark.parametrize("schema", [Joke, JOKE_SCHEMA])
async def test_json_schema_rejects_answers_that_do_not_match(
    chat: ChatDeepSeek, emulator: Emulator, schema: Any
) -> None:
    emulator.push(Reply.json({"setup": "only half"}))
    with pytest.raises(OutputParserException):
        chat.with_structured_output(schema, method="json_schema").invoke("a joke")


async def test_include_raw_with_function_calling(chat: ChatDeepSeek, emulator: Emulator) -> None:
    emulator.push(Reply.tool_calls([("Joke", JOKE)]))
    out = chat.with_structured_output(Joke, include_raw=True).invoke("a joke")
    assert out["parsed"] == Joke(**JOKE)
    assert out["parsing_error"] is None
    assert out["raw"].tool_calls[0]["name"] == "Joke"


def test_unknown_method_and_missing_schema_raise(chat: ChatDeepSeek) -> None:
    with pytest.raises(ValueError, match="unknown method"):
        chat.with_structured_output(Joke, method="xml")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="needs a schema"):
        chat.with_structured_output(None)
