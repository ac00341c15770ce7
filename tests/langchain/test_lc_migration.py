"""Every public behaviour of langchain-deepseek, stated through our public API and the wire.

Read from langchain-deepseek 1.1.1 (`langchain_deepseek/chat_models.py`) and its unit tests
(https://github.com/langchain-ai/langchain/tree/master/libs/partners/deepseek/tests/unit_tests),
and from `BaseChatOpenAI`, which it inherits (langchain-openai 1.8.1). A user switches by
changing one import; where we differ on purpose, the test asserts our behaviour and names the
difference, and README "Migrating from langchain-deepseek" lists it with its reason.
"""

from __future__ import annotations

import asyncio
import json
import warnings
from typing import Any

import pytest
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    HumanMessage,
    ToolMessage,
)
from pydantic import BaseModel, Field, SecretStr

import langchain_deepseek_ext
from deepseek_ext_core import MissingAPIKeyError
from langchain_deepseek_ext import ChatDeepSeek, InvalidResponseError
from langchain_deepseek_ext.chat_models import DEFAULT_API_BASE, DEFAULT_BETA_API_BASE

from ..wire import Answer, Wire


class SampleTool(BaseModel):
    """Sample tool schema for testing."""

    value: str = Field(description="A test value")


@pytest.fixture(autouse=True)
def _no_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DEEPSEEK_API_KEY", "DEEPSEEK_API_BASE", "DEEPSEEK_BASE_URL", "OPENAI_API_KEY"):
        monkeypatch.delenv(name, raising=False)


def model(wire: Wire, **kwargs: Any) -> ChatDeepSeek:
    return ChatDeepSeek(
        **{"model": "deepseek-chat", "api_key": "sk-test", **wire.langchain(), **kwargs}
    )


def streamed(chat: Any, messages: Any) -> AIMessageChunk:
    chunks = list(chat.stream(messages))
    total = chunks[0]
    for chunk in chunks[1:]:
        total += chunk
    assert isinstance(total, AIMessageChunk)
    return total


# ---- names and defaults -------------------------------------------------------------------------


def test_the_module_names_the_peer_exports() -> None:
    assert DEFAULT_API_BASE == "https://api.deepseek.com/v1"
    assert DEFAULT_BETA_API_BASE == "https://api.deepseek.com/beta"
    assert isinstance(langchain_deepseek_ext.__version__, str)
    assert langchain_deepseek_ext.__version__[0].isdigit()


def test_model_is_the_model_name_and_api_base_the_effective_url() -> None:
    chat = ChatDeepSeek(model="deepseek-chat", api_key="k")
    assert (chat.model, chat.model_name) == ("deepseek-chat", "deepseek-chat")
    assert chat.api_base == DEFAULT_API_BASE
    assert ChatDeepSeek(model="m", api_key="k", base_url="https://gw.example/v1").api_base == (
        "https://gw.example/v1"
    )


def test_key_and_base_come_from_the_peers_environment_variables(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DEEPSEEK_API_KEY", "sk-env")
    monkeypatch.setenv("DEEPSEEK_API_BASE", "https://gw.example/deepseek")
    wire = Wire()
    chat = ChatDeepSeek(model="deepseek-chat", **wire.langchain())
    assert chat.api_base == "https://gw.example/deepseek"
    chat.invoke("hi")
    assert wire.url == "https://gw.example/deepseek/chat/completions"
    assert wire.last.headers["authorization"] == "Bearer sk-env"


def test_difference_a_missing_key_raises_at_the_first_request_not_at_construction() -> None:
    chat = ChatDeepSeek(model="deepseek-chat")  # the peer raises here
    with pytest.raises(MissingAPIKeyError, match="DEEPSEEK_API_KEY"):
        chat.invoke("hi")


def test_difference_openai_api_key_is_never_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-openai")
    with pytest.raises(MissingAPIKeyError):
        ChatDeepSeek(model="deepseek-chat", base_url=DEFAULT_API_BASE).invoke("hi")


def test_type_secrets_and_tracing_names() -> None:
    chat = ChatDeepSeek(model="deepseek-chat", api_key="k", temperature=0.3, max_tokens=9)
    assert chat._llm_type == "chat-deepseek"
    assert chat.lc_secrets == {"api_key": "DEEPSEEK_API_KEY"}
    params = chat._get_ls_params()
    assert params["ls_provider"] == "deepseek"
    assert (params["ls_model_name"], params["ls_temperature"], params["ls_max_tokens"]) == (
        "deepseek-chat",
        0.3,
        9,
    )


def test_profiles_come_from_the_capability_table() -> None:
    profile = ChatDeepSeek(model="deepseek-reasoner", api_key="k").profile
    assert profile is not None
    assert profile["reasoning_output"] is True
    assert profile["max_input_tokens"] == 1_048_576
    assert profile["tool_calling"] is True
    assert ChatDeepSeek(model="deepseek-v4-pro", api_key="k").profile["image_inputs"] is False  # type: ignore[index]
    assert ChatDeepSeek(model="deepseek-flash", api_key="k").profile["image_inputs"] is True  # type: ignore[index]
    assert ChatDeepSeek(model="some-new-model", api_key="k").profile is None


def test_difference_profiles_say_no_native_structured_output() -> None:
    # DeepSeek has no json_schema response format; agents then ask through a tool.
    profile = ChatDeepSeek(model="deepseek-flash", api_key="k").profile
    assert profile is not None and profile["structured_output"] is False


# ---- answers ------------------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["reasoning_content", "reasoning"])
def test_reasoning_lands_in_additional_kwargs(key: str) -> None:
    wire = Wire(
        Answer(content="Main content", reasoning="This is the reasoning", reasoning_key=key)
    )
    chat = model(wire)
    message = chat.invoke("hi")
    assert message.content == "Main content"
    assert message.additional_kwargs["reasoning_content"] == "This is the reasoning"
    assert streamed(chat, "hi").additional_kwargs["reasoning_content"] == "This is the reasoning"


def test_a_stream_without_reasoning_has_no_reasoning_key_and_names_the_provider() -> None:
    chunks = list(model(Wire(Answer(content="Main content"))).stream("hi"))
    assert all("reasoning_content" not in c.additional_kwargs for c in chunks)
    assert all(c.response_metadata.get("model_provider") == "deepseek" for c in chunks if c.content)


def test_model_provider_and_cache_hits_in_the_answer() -> None:
    wire = Wire(Answer())
    chat = model(wire)
    for message in (chat.invoke("hi"), streamed(chat, "hi")):
        assert message.response_metadata["model_provider"] == "deepseek"
        assert message.usage_metadata is not None
        assert message.usage_metadata["input_tokens"] == 12
        assert message.usage_metadata["input_token_details"]["cache_read"] == 8


def test_difference_an_unreadable_body_is_a_typed_error() -> None:
    # The peer re-raises json.JSONDecodeError("DeepSeek API returned an invalid response").
    import httpx

    transport = httpx.MockTransport(lambda request: httpx.Response(200, text="<html>"))
    chat = ChatDeepSeek(
        model="deepseek-chat",
        api_key="k",
        max_retries=0,
        http_client=httpx.Client(transport=transport),
    )
    with pytest.raises(InvalidResponseError, match="not a valid ChatCompletion"):
        chat.invoke("hi")


# ---- what is sent -------------------------------------------------------------------------------


def test_tool_message_lists_are_sent_as_json_text() -> None:
    wire = Wire()
    chat = model(wire)
    cases: list[tuple[str | list[str | dict[Any, Any]], str]] = [
        ([], "[]"),
        (["item1", "item2"], '["item1", "item2"]'),
        ("test string", "test string"),
    ]
    for content, sent in cases:
        call = AIMessage("", tool_calls=[{"id": "test_id", "name": "f", "args": {}}])
        chat.invoke([HumanMessage("q"), call, ToolMessage(content=content, tool_call_id="test_id")])
        assert wire.body["messages"][-1]["content"] == sent


def test_assistant_list_content_is_sent_as_its_text_blocks_joined() -> None:
    wire = Wire()
    history = [
        HumanMessage("q"),
        AIMessage([{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]),
        HumanMessage("again"),
    ]
    model(wire).invoke(history)
    assert wire.body["messages"][1]["content"] == "ab"


@pytest.mark.parametrize(
    ("kept", "sent"), [({"reasoning_content": "reasoning..."}, "reasoning..."), ({}, "")]
)
def test_a_thinking_tool_call_turn_carries_reasoning_content(
    kept: dict[str, Any], sent: str
) -> None:
    wire = Wire()
    chat = model(wire, model="deepseek-reasoner", extra_body={"thinking": {"type": "enabled"}})
    call = AIMessage(
        content="",
        tool_calls=[{"id": "call_1", "name": "get_weather", "args": {"location": "New York"}}],
        additional_kwargs=kept,
    )
    tool = ToolMessage(content='{"temp": 10}', tool_call_id="call_1")
    chat.bind_tools([SampleTool]).invoke([HumanMessage("hi"), call, tool])
    turn = wire.body["messages"][1]
    assert turn["tool_calls"]
    assert turn["reasoning_content"] == sent


def test_strict_tools_and_strict_structured_output_go_to_beta_on_deepseeks_host() -> None:
    wire = Wire(Answer(tool_calls=[_call("SampleTool", '{"value": "v"}')]))
    chat = model(wire)
    chat.bind_tools([SampleTool], strict=True).invoke("hi")
    assert wire.url == "https://api.deepseek.com/beta/chat/completions"
    chat.with_structured_output(SampleTool, strict=True).invoke("hi")
    assert wire.url == "https://api.deepseek.com/beta/chat/completions"
    chat.bind_tools([SampleTool], strict=False).invoke("hi")
    assert wire.url == "https://api.deepseek.com/chat/completions"
    chat.bind_tools([SampleTool]).invoke("hi")
    assert wire.url == "https://api.deepseek.com/chat/completions"


def test_strict_on_a_custom_base_leaves_the_base_alone() -> None:
    wire = Wire()
    model(wire, base_url="https://gw.example/v1").bind_tools([SampleTool], strict=True).invoke("hi")
    assert wire.url == "https://gw.example/v1/chat/completions"


def test_difference_json_schema_structured_output_is_deepseeks_native_json_schema() -> None:
    # The peer turns method="json_schema" into function calling; DeepSeek's own json_schema
    # output lives on /responses, and that is where it goes.
    wire = Wire(Answer(content='{"value": "v"}'))
    parsed = model(wire).with_structured_output(SampleTool, method="json_schema").invoke("hi")
    assert parsed == SampleTool(value="v")
    assert wire.url.endswith("/responses")
    assert wire.body["text"]["format"]["type"] == "json_schema"


def _call(name: str, arguments: str) -> dict[str, Any]:
    return {"id": "call_1", "type": "function", "function": {"name": name, "arguments": arguments}}


@pytest.mark.parametrize(
    "base", ["https://my-deepseek.services.ai.azure.com/models", "https://azure.com/x"]
)
def test_azure_gets_the_string_form_of_a_named_tool_choice(base: str) -> None:
    wire = Wire(Answer(tool_calls=[_call("SampleTool", '{"value": "v"}')]))
    chat = model(wire, base_url=base, thinking="disabled")
    chat.bind_tools([SampleTool], tool_choice="SampleTool").invoke("hi")
    assert wire.body["tool_choice"] == "required"
    chat.with_structured_output(SampleTool).invoke("hi")
    assert wire.body["tool_choice"] == "required"
    model(wire, thinking="disabled").bind_tools([SampleTool], tool_choice="SampleTool").invoke("hi")
    assert wire.body["tool_choice"] == {"type": "function", "function": {"name": "SampleTool"}}


@pytest.mark.parametrize(
    ("choice", "sent"),
    [
        ("any", "required"),
        ("required", "required"),
        ("auto", "auto"),
        ("none", "none"),
        ("SampleTool", {"type": "function", "function": {"name": "SampleTool"}}),
        (True, {"type": "function", "function": {"name": "SampleTool"}}),
    ],
)
def test_tool_choice_values_as_base_chat_openai_sends_them(choice: Any, sent: Any) -> None:
    wire = Wire()
    model(wire, thinking="disabled").bind_tools([SampleTool], tool_choice=choice).invoke("hi")
    assert wire.body["tool_choice"] == sent


@pytest.mark.parametrize("value", [True, False])
def test_parallel_tool_calls_is_sent_as_given(value: bool) -> None:
    wire = Wire()
    model(wire).bind_tools([SampleTool], parallel_tool_calls=value).invoke("hi")
    assert wire.body["parallel_tool_calls"] is value


def test_openai_style_constructor_arguments_are_sent() -> None:
    wire = Wire()
    chat = model(
        wire,
        seed=42,
        response_format={"type": "json_object"},
        n=1,
        logit_bias={1: -100},
        parallel_tool_calls=False,
        default_query={"v": "1"},
        temperature=0.2,
        top_p=0.9,
        max_tokens=64,
        stop=["\n\n"],
        frequency_penalty=0.1,
        presence_penalty=0.2,
        model_kwargs={"top_k": 5},
        extra_body={"custom": True},
        default_headers={"X-Team": "a"},
    )
    chat.invoke("json please")
    body = wire.body
    expected = {
        "seed": 42, "response_format": {"type": "json_object"}, "n": 1, "logit_bias": {"1": -100},
        "parallel_tool_calls": False, "temperature": 0.2, "top_p": 0.9, "max_tokens": 64,
        "stop": ["\n\n"], "frequency_penalty": 0.1, "presence_penalty": 0.2, "top_k": 5,
        "custom": True,
    }  # fmt: skip
    assert {key: body.get(key) for key in expected} == expected
    assert wire.last.url.params["v"] == "1"
    assert wire.last.headers["x-team"] == "a"


def test_an_unknown_argument_is_moved_to_model_kwargs_with_a_warning_and_sent() -> None:
    wire = Wire()
    with pytest.warns(UserWarning, match="'guided_choice' is not one of its parameters"):
        chat = model(wire, guided_choice=["a", "b"])
    assert chat.model_kwargs == {"guided_choice": ["a", "b"]}
    chat.invoke("hi")
    assert wire.body["guided_choice"] == ["a", "b"]


def test_known_request_parameters_move_without_a_warning() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        chat = model(Wire(), response_format={"type": "json_object"}, user="u1", top_k=3)
    assert chat.model_kwargs == {
        "response_format": {"type": "json_object"},
        "user": "u1",
        "top_k": 3,
    }


@pytest.mark.parametrize(
    ("typo", "meant"), [("temprature", "temperature"), ("max_token", "max_tokens")]
)
def test_a_misspelt_field_raises_naming_both(typo: str, meant: str) -> None:
    with pytest.raises(TypeError, match=f"'{typo}'.*did you mean '{meant}'"):
        model(Wire(), **{typo: 1})


def test_a_field_given_twice_raises() -> None:
    with pytest.raises(TypeError, match="'seed' twice"):
        model(Wire(), seed=1, model_kwargs={"seed": 2})


def test_a_field_inside_model_kwargs_is_taken_out_with_a_warning() -> None:
    with pytest.warns(UserWarning, match="'temperature' is a parameter of its own"):
        chat = model(Wire(), model_kwargs={"temperature": 0.5})
    assert (chat.temperature, chat.model_kwargs) == (0.5, {})


def test_difference_n_above_one_is_refused() -> None:
    with pytest.raises(ValueError, match=r"n=2.*batch"):
        model(Wire(), n=2)


def test_a_response_format_deepseek_lacks_is_refused_before_sending() -> None:
    wire = Wire()
    chat = model(wire, response_format={"type": "json_schema", "json_schema": {}})
    with pytest.raises(ValueError, match="response_format"):
        chat.invoke("hi")
    assert wire.requests == []


def test_get_num_tokens_from_messages_takes_allow_fetching_images() -> None:
    chat = ChatDeepSeek(model="deepseek-chat", api_key="k")
    messages: list[BaseMessage] = [HumanMessage("hello there")]
    estimate = chat.get_num_tokens_from_messages(messages, allow_fetching_images=False)
    assert estimate == chat.get_num_tokens_from_messages(messages) > 0


def test_async_and_batch_calls_reach_the_same_wire() -> None:
    wire = Wire(Answer(content="async"))
    chat = model(wire)
    assert asyncio.run(chat.ainvoke("hi")).content == "async"
    assert [m.content for m in chat.batch(["a", "b"])] == ["async", "async"]
    assert len(wire.requests) == 3
    assert all(json.loads(r.content)["model"] == "deepseek-chat" for r in wire.requests)


def test_secret_key_is_not_in_repr_or_dumps() -> None:
    chat = ChatDeepSeek(model="deepseek-chat", api_key=SecretStr("sk-very-secret"))
    assert "sk-very-secret" not in repr(chat)
    assert "sk-very-secret" not in json.dumps(chat.to_json(), default=str)
