"""Request to wire body: thinking-mode guard, /beta routing, input checks, strict request models."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import ValidationError

from deepseek_ext_core import (
    AssistantMessage,
    ChatRequest,
    FIMRequest,
    FunctionName,
    ImagePart,
    InvalidRequestError,
    NamedToolChoice,
    TextPart,
    ThinkingModeConflictError,
    Tool,
    ToolFunction,
    UnsupportedInputError,
    UserMessage,
)
from deepseek_ext_core.integration import (
    json_mode_instruction,
    prepare_chat_request,
    prepare_fim_request,
    thinking_mode,
)

WEATHER_PARAMS: dict[str, Any] = {
    "type": "object",
    "properties": {"city": {"type": "string", "minLength": 1, "title": "City"}},
}


def weather_tool(*, strict: bool | None = None, name: str = "get_weather") -> Tool:
    return Tool(function=ToolFunction(name=name, parameters=WEATHER_PARAMS, strict=strict))


def request(model: str = "deepseek-flash", **kwargs: Any) -> ChatRequest:
    kwargs.setdefault("messages", [UserMessage("Weather in Paris?")])
    return ChatRequest(model=model, **kwargs)


FORCED = {
    "required": {"tool_choice": "required", "tools": [weather_tool()]},
    "named": {
        "tool_choice": NamedToolChoice(function=FunctionName(name="get_weather")),
        "tools": [weather_tool()],
    },
    "logprobs": {"logprobs": True, "top_logprobs": 2},
}


# ---- thinking-mode guard (docs/deepseek-api.md §2.1, §5.2)  --------------------------------------


def test_thinking_mode_turns_a_bool_into_deepseeks_word() -> None:
    assert [thinking_mode(v) for v in (True, False, None)] == ["enabled", "disabled", None]
    assert thinking_mode("enabled") == "enabled"


@pytest.mark.parametrize("model", ["deepseek-flash", "deepseek-v4-pro", "deepseek-v4-flash"])
@pytest.mark.parametrize("forced", list(FORCED.values()), ids=list(FORCED))
def test_forced_choice_or_logprobs_with_default_thinking_disables_thinking(
    model: str, forced: dict[str, Any]
) -> None:
    body = prepare_chat_request(request(model, reasoning_effort="max", **forced)).body
    assert body["thinking"] == {"type": "disabled"}
    assert "reasoning_effort" not in body
    if "tool_choice" in forced:
        assert body["tool_choice"] in (
            "required",
            {"type": "function", "function": {"name": "get_weather"}},
        )
    else:
        assert body["logprobs"] is True
        assert body["top_logprobs"] == 2


@pytest.mark.parametrize("forced", list(FORCED.values()), ids=list(FORCED))
def test_forced_choice_or_logprobs_with_explicit_thinking_raises(forced: dict[str, Any]) -> None:
    with pytest.raises(ThinkingModeConflictError, match="thinking"):
        prepare_chat_request(request(thinking="enabled", **forced))


@pytest.mark.parametrize("forced", list(FORCED.values()), ids=list(FORCED))
def test_explicitly_disabled_thinking_passes_forced_choices(forced: dict[str, Any]) -> None:
    body = prepare_chat_request(request(thinking="disabled", **forced)).body
    assert body["thinking"] == {"type": "disabled"}


@pytest.mark.parametrize("forced", list(FORCED.values()), ids=list(FORCED))
def test_non_thinking_model_is_untouched(forced: dict[str, Any]) -> None:
    body = prepare_chat_request(request("deepseek-chat", **forced)).body
    assert "thinking" not in body
    for key in ("tool_choice", "logprobs"):
        if key in forced:
            assert key in body


def test_auto_tool_choice_keeps_thinking_and_effort() -> None:
    body = prepare_chat_request(
        request(tool_choice="auto", tools=[weather_tool()], reasoning_effort="high")
    ).body
    assert "thinking" not in body  # server default (on) left alone
    assert body["reasoning_effort"] == "high"
    assert body["tool_choice"] == "auto"


def test_thinking_enabled_is_sent_as_an_object() -> None:
    body = prepare_chat_request(request(thinking="enabled", reasoning_effort="low")).body
    assert body["thinking"] == {"type": "enabled"}
    assert body["reasoning_effort"] == "low"


def test_thinking_disabled_drops_the_effort() -> None:
    body = prepare_chat_request(request(thinking="disabled", reasoning_effort="max")).body
    assert body["thinking"] == {"type": "disabled"}
    assert "reasoning_effort" not in body


def test_reasoning_effort_is_not_sent_outside_thinking_mode() -> None:
    body = prepare_chat_request(request("deepseek-chat", reasoning_effort="high")).body
    assert "reasoning_effort" not in body


# ---- routing ----------------------------------------------------------------------------------


def test_plain_request_goes_to_chat_completions() -> None:
    prepared = prepare_chat_request(request(tools=[weather_tool()]))
    assert prepared.path == "/chat/completions"
    assert prepared.body["tools"][0]["function"]["parameters"] == WEATHER_PARAMS
    assert "strict" not in prepared.body["tools"][0]["function"]


def test_prefix_last_message_goes_to_beta() -> None:
    prepared = prepare_chat_request(
        request(
            messages=[UserMessage("quick sort"), AssistantMessage("```python\n", prefix=True)],
            stop=["```"],
        )
    )
    assert prepared.path == "/beta/chat/completions"
    assert prepared.body["messages"][-1] == {
        "role": "assistant",
        "content": "```python\n",
        "prefix": True,
    }
    assert prepared.body["stop"] == ["```"]


def test_strict_tools_go_to_beta_with_converted_schemas() -> None:
    prepared = prepare_chat_request(request(tools=[weather_tool(strict=True)]))
    assert prepared.path == "/beta/chat/completions"
    function = prepared.body["tools"][0]["function"]
    assert function["strict"] is True
    assert function["parameters"] == {
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
        "additionalProperties": False,
    }
    assert WEATHER_PARAMS["properties"]["city"]["minLength"] == 1  # caller's schema untouched


def test_strict_tool_without_parameters_gets_an_empty_strict_object() -> None:
    tool = Tool(function=ToolFunction(name="ping", strict=True))
    function = prepare_chat_request(request(tools=[tool])).body["tools"][0]["function"]
    assert function["parameters"] == {
        "type": "object",
        "properties": {},
        "required": [],
        "additionalProperties": False,
    }


def test_mixing_strict_and_non_strict_tools_is_rejected() -> None:
    with pytest.raises(InvalidRequestError, match="strict"):
        prepare_chat_request(request(tools=[weather_tool(strict=True), weather_tool(name="other")]))


# ---- input checks -----------------------------------------------------------------------------


@pytest.mark.parametrize("choice", ["auto", "required"])
def test_tool_choice_without_tools_is_rejected(choice: str) -> None:
    with pytest.raises(InvalidRequestError, match="without any tools"):
        prepare_chat_request(request("deepseek-chat", tool_choice=choice))


def test_tool_choice_none_without_tools_is_fine() -> None:
    assert prepare_chat_request(request(tool_choice="none")).body["tool_choice"] == "none"


def test_named_tool_choice_must_name_a_tool() -> None:
    choice = NamedToolChoice(function=FunctionName(name="get_time"))
    with pytest.raises(InvalidRequestError, match="get_time"):
        prepare_chat_request(request("deepseek-chat", tools=[weather_tool()], tool_choice=choice))


def test_max_tokens_above_the_model_maximum_is_rejected() -> None:
    assert prepare_chat_request(request(max_tokens=393_216)).body["max_tokens"] == 393_216
    with pytest.raises(InvalidRequestError, match="393216"):
        prepare_chat_request(request(max_tokens=393_217))


def test_max_tokens_for_an_unknown_model_is_left_to_the_server() -> None:
    assert prepare_chat_request(request("my-proxy-model", max_tokens=10**6)).body["max_tokens"]


def test_top_logprobs_needs_logprobs() -> None:
    with pytest.raises(InvalidRequestError, match="logprobs"):
        prepare_chat_request(request("deepseek-chat", top_logprobs=3))


IMAGE_MESSAGE = UserMessage((TextPart("What is it?"), ImagePart("https://example.com/cat.png")))


def test_image_to_a_text_only_model_is_rejected_before_sending() -> None:
    with pytest.raises(UnsupportedInputError, match="deepseek-v4-pro"):
        prepare_chat_request(request("deepseek-v4-pro", messages=[IMAGE_MESSAGE]))


def test_image_to_deepseek_flash_is_sent() -> None:
    body = prepare_chat_request(request(messages=[IMAGE_MESSAGE])).body
    assert body["messages"][0]["content"][1] == {
        "type": "image_url",
        "image_url": {"url": "https://example.com/cat.png"},
    }


# ---- body details -----------------------------------------------------------------------------


def test_stream_options_default_and_override() -> None:
    assert "stream_options" not in prepare_chat_request(request()).body
    assert prepare_chat_request(request()).body["stream"] is False
    streamed = prepare_chat_request(request(), stream=True)
    assert streamed.stream is True
    assert streamed.body["stream_options"] == {"include_usage": True}
    explicit = prepare_chat_request(request(stream=True, stream_options={"include_usage": False}))
    assert explicit.body["stream_options"] == {"include_usage": False}
    assert prepare_chat_request(request(stream=True), stream=False).body["stream"] is False


def test_documented_parameters_are_passed_through() -> None:
    body = prepare_chat_request(
        request(
            "deepseek-chat",
            max_tokens=100,
            temperature=0.0,
            top_p=0.5,
            frequency_penalty=-2,
            presence_penalty=2,
            stop="END",
            response_format={"type": "json_object"},
            user_id="user_1-a",
        )
    ).body
    assert {
        k: body[k]
        for k in (
            "max_tokens",
            "temperature",
            "top_p",
            "frequency_penalty",
            "presence_penalty",
            "stop",
            "response_format",
            "user_id",
        )
    } == {
        "max_tokens": 100,
        "temperature": 0.0,
        "top_p": 0.5,
        "frequency_penalty": -2,
        "presence_penalty": 2,
        "stop": "END",
        "response_format": {"type": "json_object"},
        "user_id": "user_1-a",
    }
    assert "reasoning_passback" not in body
    assert "extra_body" not in body


def test_extra_body_is_merged_last() -> None:
    body = prepare_chat_request(
        request(
            temperature=0.5,
            extra_body={"temperature": 1.3, "parallel_tool_calls": False, "thinking": None},
        )
    ).body
    assert body["temperature"] == 1.3
    assert body["parallel_tool_calls"] is False
    assert body["thinking"] is None


def test_json_bytes_is_compact_utf8() -> None:
    prepared = prepare_chat_request(request(messages=[UserMessage('上海 😀 "q"')]))
    raw = prepared.json_bytes()
    assert "上海 😀".encode() in raw
    assert b"\\u" not in raw
    assert b", " not in raw
    assert b": " not in raw
    assert raw.startswith(b'{"model":"deepseek-flash","messages":[{"role":"user"')
    assert json.loads(raw) == prepared.body


def test_fim_request_goes_to_beta_completions() -> None:
    prepared = prepare_fim_request(
        FIMRequest(model="deepseek-flash", prompt="def f(", suffix="    return x", max_tokens=64),
        stream=True,
    )
    assert prepared.path == "/beta/completions"
    assert prepared.body == {
        "model": "deepseek-flash",
        "prompt": "def f(",
        "suffix": "    return x",
        "max_tokens": 64,
        "stream": True,
        "stream_options": {"include_usage": True},
    }


# ---- request models reject typos and out-of-range values --------------------------------------

BAD_FIELDS: dict[str, dict[str, Any]] = {
    "misspelled max_token": {"max_token": 10},
    "misspelled temprature": {"temprature": 0.5},
    "openai user field": {"user": "u1"},
    "temperature above 2": {"temperature": 2.5},
    "temperature below 0": {"temperature": -0.1},
    "top_p above 1": {"top_p": 1.01},
    "penalty below -2": {"frequency_penalty": -2.5},
    "penalty above 2": {"presence_penalty": 2.5},
    "max_tokens zero": {"max_tokens": 0},
    "top_logprobs above 20": {"logprobs": True, "top_logprobs": 21},
    "17 stop sequences": {"stop": [str(i) for i in range(17)]},
    "thinking as bool": {"thinking": True},
    "unknown effort": {"reasoning_effort": "xhigh"},
    "unknown passback policy": {"reasoning_passback": "sometimes"},
    "json_schema response format": {"response_format": {"type": "json_schema"}},
    "bad user_id": {"user_id": "has space"},
    "129 tools": {"tools": [weather_tool(name=f"t{i}") for i in range(129)]},
    "no messages": {"messages": []},
    "dict message": {"messages": [{"role": "user", "content": "hi"}]},
    "unknown stream option": {"stream_options": {"include_usage": True, "extra": 1}},
}


@pytest.mark.parametrize("fields", list(BAD_FIELDS.values()), ids=list(BAD_FIELDS))
def test_chat_request_rejects_typos_and_out_of_range_values(fields: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        request(**fields)


@pytest.mark.parametrize(
    "function",
    [
        {"name": ""},
        {"name": "f", "paramaters": {}},
    ],
)
def test_tool_function_rejects_empty_names_and_typos(function: dict[str, Any]) -> None:
    # Names DeepSeek refuses as they are (spaces, dots, over 64 characters) are mapped when the
    # request is prepared (tests/core/test_tool_names.py); an empty one has nothing to map.
    with pytest.raises(ValidationError):
        Tool.model_validate({"type": "function", "function": function})


@pytest.mark.parametrize(
    "fields", [{"max_tokens": 4097}, {"sufix": "x"}, {"logprobs": 21}, {"echo": "maybe"}]
)
def test_fim_request_rejects_typos_and_out_of_range_values(fields: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        FIMRequest(model="deepseek-flash", prompt="x", **fields)


def test_request_is_frozen() -> None:
    built = request()
    with pytest.raises(ValidationError):
        built.model = "other"  # type: ignore[misc]


def test_json_mode_instruction_says_json_and_carries_the_schema() -> None:
    # DeepSeek's JSON mode needs the word "json" in the prompt (docs/deepseek-api.md §6.1); both
    # adapters use this.
    schema = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
    assert "json" in json_mode_instruction().lower()
    with_schema = json_mode_instruction(schema)
    assert "json" in with_schema.lower()
    assert json.loads(with_schema.split("\n", 1)[1]) == schema
