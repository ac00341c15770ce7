"""Every public behaviour of llama-index-llms-deepseek, stated through our public API and the wire.

Read from llama-index-llms-deepseek 0.4.1 (`llama_index/llms/deepseek/base.py`, `utils.py`) and
its tests (https://github.com/run-llama/llama_index/tree/main/llama-index-integrations/llms/
llama-index-llms-deepseek/tests), and from `OpenAILike` and `OpenAI`, which it inherits
(llama-index-llms-openai 0.8.3). A user switches by changing one import; where we differ on
purpose, the test asserts our behaviour and names the difference, and README "Migrating from
llama-index-llms-deepseek" lists it with its reason.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from llama_index.core.base.llms.base import BaseLLM
from llama_index.core.base.llms.types import ChatMessage, ThinkingBlock
from llama_index.core.prompts import PromptTemplate

from deepseek_ext_core import MissingAPIKeyError
from llamaindex_deepseek_ext import DeepSeek

from ..wire import Answer, Wire


@pytest.fixture(autouse=True)
def _no_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DEEPSEEK_API_KEY", "DEEPSEEK_BASE_URL", "OPENAI_API_KEY", "OPENAI_API_BASE"):
        monkeypatch.delenv(name, raising=False)


def llm(wire: Wire, **kwargs: Any) -> DeepSeek:
    return DeepSeek(
        **{"model": "deepseek-chat", "api_key": "fake_key", **wire.llamaindex(), **kwargs}
    )


MESSAGES = [ChatMessage(role="user", content="Hello")]


def test_it_is_a_llamaindex_llm_named_deepseek() -> None:
    assert BaseLLM in DeepSeek.__mro__
    assert DeepSeek.class_name() == "DeepSeek"
    assert DeepSeek(model="deepseek-chat", api_key="k").to_dict()["class_name"] == "DeepSeek"


def test_positional_model_key_and_base_as_the_peer_takes_them() -> None:
    model = DeepSeek("deepseek-chat", "fake_key", "https://gw.example/v1")
    assert (model.model, model.api_base) == ("deepseek-chat", "https://gw.example/v1")
    assert model.api_key is not None and model.api_key.get_secret_value() == "fake_key"


def test_api_base_is_the_effective_url() -> None:
    assert DeepSeek(model="deepseek-chat", api_key="k").api_base == "https://api.deepseek.com"


def test_the_key_comes_from_deepseek_api_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEEPSEEK_API_KEY", "sk-env")
    wire = Wire()
    DeepSeek(model="deepseek-chat", **wire.llamaindex()).chat(MESSAGES)
    assert wire.last.headers["authorization"] == "Bearer sk-env"


def test_difference_openai_api_key_is_never_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-openai")
    with pytest.raises(MissingAPIKeyError):
        DeepSeek(model="deepseek-chat").chat(MESSAGES)


def test_chat_complete_and_their_streams_return_the_text() -> None:
    wire = Wire(Answer(content="DeepSeek is awesome!"))
    model = llm(wire)
    assert model.chat(MESSAGES).message.content == "DeepSeek is awesome!"
    assert model.complete("Is DeepSeek awesome?").text == "DeepSeek is awesome!"
    assert list(model.stream_chat(MESSAGES))[-1].message.content == "DeepSeek is awesome!"
    assert list(model.stream_complete("x"))[-1].text == "DeepSeek is awesome!"
    assert wire.url == "https://api.deepseek.com/chat/completions"


def test_async_chat_complete_and_their_streams_return_the_text() -> None:
    model = llm(Wire(Answer(content="DeepSeek async")))

    async def run() -> list[str]:
        chat = await model.achat(MESSAGES)
        done = await model.acomplete("x")
        chunks = [r async for r in await model.astream_chat(MESSAGES)]
        pieces = [r async for r in await model.astream_complete("x")]
        return [
            str(chat.message.content),
            done.text,
            str(chunks[-1].message.content),
            pieces[-1].text,
        ]

    assert asyncio.run(run()) == ["DeepSeek async"] * 4


def test_difference_context_window_and_tool_support_come_from_the_capability_table() -> None:
    # The peer reports 64,000 tokens for every model and tools only for deepseek-chat.
    for name in ("deepseek-chat", "deepseek-reasoner", "deepseek-flash"):
        metadata = DeepSeek(model=name, api_key="k").metadata
        assert metadata.context_window == 1_048_576
        assert metadata.is_function_calling_model is True
        assert metadata.is_chat_model is True
        assert metadata.model_name == name


def test_context_window_and_tool_support_can_be_overridden() -> None:
    metadata = DeepSeek(
        model="deepseek-chat", api_key="k", context_window=64000, is_function_calling_model=False
    ).metadata
    assert (metadata.context_window, metadata.is_function_calling_model) == (64000, False)


def test_difference_no_temperature_is_sent_unless_given() -> None:
    # The peer sent temperature=0.1 (LlamaIndex's OpenAI default) on every request.
    wire = Wire()
    llm(wire).chat(MESSAGES)
    assert "temperature" not in wire.body
    llm(wire, temperature=0.1).chat(MESSAGES)
    assert wire.body["temperature"] == 0.1


def test_request_settings_are_sent() -> None:
    wire = Wire()
    model = llm(
        wire,
        max_tokens=64,
        additional_kwargs={"top_p": 0.9, "guided_choice": ["a"]},
        default_headers={"X-Team": "a"},
        api_version="2024-05-01-preview",
        timeout=9.0,
    )
    model.chat(MESSAGES)
    assert (wire.body["max_tokens"], wire.body["top_p"], wire.body["guided_choice"]) == (
        64,
        0.9,
        ["a"],
    )
    assert wire.last.headers["x-team"] == "a"
    assert wire.last.url.params["api-version"] == "2024-05-01-preview"
    assert wire.last.extensions["timeout"]["read"] == 9.0


def test_max_new_tokens_is_max_tokens() -> None:
    wire = Wire()
    model = llm(wire, max_new_tokens=12)
    model.chat(MESSAGES)
    assert (model.max_tokens, wire.body["max_tokens"]) == (12, 12)


def test_system_prompt_is_sent_by_predict() -> None:
    wire = Wire()
    llm(wire, system_prompt="Answer in French.").predict(PromptTemplate("Hello"))
    assert wire.body["messages"][0] == {"role": "system", "content": "Answer in French."}


@pytest.mark.parametrize("key", ["reasoning_content", "reasoning"])
def test_difference_reasoning_is_kept_as_a_thinking_block(key: str) -> None:
    # The peer drops it, and a thinking-mode tool loop then fails with HTTP 400.
    wire = Wire(Answer(content="4", reasoning="2+2", reasoning_key=key))
    response = llm(wire).chat(MESSAGES)
    thinking = [b for b in response.message.blocks if isinstance(b, ThinkingBlock)]
    assert [b.content for b in thinking] == ["2+2"]


def test_strict_tools_go_to_beta_on_deepseeks_host_and_not_on_a_gateway() -> None:
    from llama_index.core.tools import FunctionTool

    def add(a: int, b: int) -> int:
        """Add two numbers."""
        return a + b

    tool = FunctionTool.from_defaults(add)
    wire = Wire()
    llm(wire, strict=True).chat_with_tools([tool], user_msg="1+1")
    assert wire.url == "https://api.deepseek.com/beta/chat/completions"
    llm(wire, strict=True, api_base="https://gw.example/v1").chat_with_tools([tool], user_msg="x")
    assert wire.url == "https://gw.example/v1/chat/completions"


@pytest.mark.parametrize(
    ("argument", "value", "message"),
    [
        ("is_chat_model", False, "chat completions only"),
        ("reuse_client", False, "per event loop"),
        ("should_use_structured_outputs", True, "json_schema"),
        ("modalities", ["text", "audio"], "text only"),
        ("audio_config", {"voice": "alloy"}, "text only"),
        ("tokenizer", "gpt2", "offline estimate"),
        ("openai_client", object(), "openai SDK"),
        ("async_openai_client", object(), "openai SDK"),
        ("temprature", 0.1, "did you mean 'temperature'"),
        ("presence_penalty", 0.1, "additional_kwargs"),
    ],
)
def test_arguments_without_a_meaning_for_deepseek_raise_naming_them(
    argument: str, value: Any, message: str
) -> None:
    with pytest.raises(TypeError, match=argument) as info:
        DeepSeek(model="deepseek-chat", api_key="sk-secret-value", **{argument: value})
    assert message in str(info.value)
    assert "sk-secret-value" not in str(info.value)


@pytest.mark.parametrize(
    ("argument", "value"),
    [
        ("is_chat_model", True),
        ("reuse_client", True),
        ("should_use_structured_outputs", False),
        ("modalities", ["text"]),
        ("tokenizer", None),
        ("openai_client", None),
    ],
)
def test_arguments_that_ask_for_what_deepseek_does_are_accepted(argument: str, value: Any) -> None:
    wire = Wire()
    llm(wire, **{argument: value}).chat(MESSAGES)
    assert wire.requests


def test_a_stored_dict_and_a_pickle_come_back_with_their_settings() -> None:
    import pickle

    model = DeepSeek(
        model="deepseek-chat", api_key="sk-secret", api_version="v1", system_prompt="Be brief."
    )
    for copy in (DeepSeek.from_dict(model.to_dict()), pickle.loads(pickle.dumps(model))):
        assert (copy.model, copy.api_version, copy.system_prompt) == (
            "deepseek-chat",
            "v1",
            "Be brief.",
        )
        assert copy.api_key is None  # never stored: read from DEEPSEEK_API_KEY again
