"""LlamaIndex structured output on DeepSeek's native JSON-schema output (`/responses`), in
thinking mode too: `structured_predict`, async, streamed, `as_structured_llm`, on `DeepSeek`
and `DeepSeekResponses`."""

from __future__ import annotations

from typing import Any

import pytest
from llama_index.core.base.llms.types import ChatMessage
from llama_index.core.prompts import PromptTemplate
from pydantic import BaseModel

from deepseek_ext_core import APIStatusError
from deepseek_ext_emulator import Reply
from llamaindex_deepseek_ext import DeepSeek, DeepSeekResponses

from .li_support import API_KEY, Emu


class Country(BaseModel):
    name: str
    code: str | None


class Capital(BaseModel):
    city: str
    country: Country


ANSWER = {"city": "Tokyo", "country": {"name": "Japan", "code": "JP"}}
PROMPT = PromptTemplate("The capital of {country}?")


def _llm(emu: Emu, cls: type[DeepSeek] = DeepSeek, **kwargs: Any) -> DeepSeek:
    return cls(api_key=API_KEY, api_base=emu.base_url, model="deepseek-v4-pro", **kwargs)


@pytest.mark.parametrize("cls", [DeepSeek, DeepSeekResponses])
@pytest.mark.parametrize("mode", ["sync", "async", "stream", "astream"])
async def test_a_nested_model_in_thinking_mode(emu: Emu, cls: type[DeepSeek], mode: str) -> None:
    emu.script(Reply.json(ANSWER, reasoning="Tokyo is Japan's capital.", chunks=7))
    llm = _llm(emu, cls, thinking="enabled")
    if mode == "sync":
        result: Any = llm.structured_predict(Capital, PROMPT, country="Japan")
    elif mode == "async":
        result = await llm.astructured_predict(Capital, PROMPT, country="Japan")
    elif mode == "stream":
        result = list(llm.stream_structured_predict(Capital, PROMPT, country="Japan"))[-1]
    else:
        stream = await llm.astream_structured_predict(Capital, PROMPT, country="Japan")
        result = [partial async for partial in stream][-1]
    assert Capital.model_validate(result.model_dump()) == Capital.model_validate(ANSWER)
    request = emu.emulator.last_request
    assert request.path == "/responses"
    assert request.body["text"]["format"]["type"] == "json_schema"
    assert request.body["text"]["format"]["name"] == "Capital"
    assert "reasoning" not in request.body  # thinking on, as the model's default


def test_as_structured_llm_goes_native(emu: Emu) -> None:
    emu.script(Reply.json(ANSWER))
    sllm = _llm(emu).as_structured_llm(Capital)
    response = sllm.chat([ChatMessage(role="user", content="The capital of Japan?")])
    assert response.raw == Capital.model_validate(ANSWER)
    assert emu.emulator.last_request.path == "/responses"


def test_a_gateway_without_responses_names_the_tools_setting(emu: Emu) -> None:
    emu.script(Reply.error(404, "Not Found"))
    with pytest.raises(APIStatusError, match="structured_output='tools'"):
        _llm(emu, max_retries=0).structured_predict(Capital, PROMPT, country="Japan")
