"""`with_structured_output(method="json_schema")`: DeepSeek's native JSON-schema output on
`/responses`, in thinking mode, into a nested pydantic model, a TypedDict and a dict."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel
from typing_extensions import TypedDict

from deepseek_ext_core import APIStatusError
from deepseek_ext_emulator import Emulator, Reply
from langchain_deepseek_ext import ChatDeepSeek


class Country(BaseModel):
    name: str
    code: str | None


class Capital(BaseModel):
    city: str
    country: Country


class CapitalDict(TypedDict):
    city: str


ANSWER = {"city": "Tokyo", "country": {"name": "Japan", "code": "JP"}}


@pytest.mark.parametrize("mode", ["invoke", "ainvoke"])
async def test_a_nested_model_in_thinking_mode(
    emulator: Emulator, make_chat: Any, mode: str
) -> None:
    emulator.push(Reply.json(ANSWER, reasoning="Tokyo is Japan's capital."))
    model: ChatDeepSeek = make_chat(model="deepseek-v4-pro", thinking="enabled")
    structured = model.with_structured_output(Capital, method="json_schema", include_raw=True)
    result = (
        structured.invoke("Capital of Japan?")
        if mode == "invoke"
        else await structured.ainvoke("Capital of Japan?")
    )
    assert result["parsed"] == Capital.model_validate(ANSWER)
    raw = result["raw"]
    assert raw.additional_kwargs["reasoning_content"] == "Tokyo is Japan's capital."
    assert raw.usage_metadata["output_token_details"]["reasoning"] > 0
    request = emulator.last_request
    assert request.path == "/responses"
    fmt = request.body["text"]["format"]
    assert fmt["type"] == "json_schema" and fmt["name"] == "Capital"
    assert "reasoning" not in request.body  # thinking stays on: the model's default
    assert '"type": ["string", "null"]' not in str(fmt["schema"])


def test_typed_dicts_and_dicts_and_thinking_off(emulator: Emulator, make_chat: Any) -> None:
    emulator.push(Reply.json({"city": "Paris"}), Reply.json({"city": "Rome"}))
    model: ChatDeepSeek = make_chat(thinking="disabled")
    assert model.with_structured_output(CapitalDict, method="json_schema").invoke("x") == {
        "city": "Paris"
    }
    assert emulator.last_request.body["reasoning"] == {"effort": "none"}
    schema = {"title": "place", "type": "object", "properties": {"city": {"type": "string"}},
              "required": ["city"]}  # fmt: skip
    assert model.with_structured_output(schema, method="json_schema").invoke("y") == {
        "city": "Rome"
    }


def test_a_gateway_without_responses_names_the_other_methods(make_chat: Any) -> None:
    with Emulator(api_key="test-key") as emu:
        emu.push(Reply.error(404, "Not Found"))
        model: ChatDeepSeek = make_chat(base_url=emu.base_url)
        with pytest.raises(APIStatusError, match="method='json_mode' or method='function_calling'"):
            model.with_structured_output(Capital, method="json_schema").invoke("x")
