"""Every constructor argument llama-index-llms-deepseek's `DeepSeek` accepts, given to ours: each
one is sent, used, or refused with an error that names it. None vanishes.

`PEER_ARGUMENTS` is the fields of `llama_index.llms.deepseek.DeepSeek` 0.4.1 and the further
keyword arguments of `llama_index.llms.openai.OpenAI.__init__` (0.8.3), which it passes on.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from llama_index.core.base.llms.types import ChatMessage
from llama_index.core.callbacks import CallbackManager, LlamaDebugHandler
from llama_index.core.output_parsers import PydanticOutputParser
from llama_index.core.prompts import PromptTemplate
from llama_index.core.types import PydanticProgramMode
from pydantic import BaseModel

from deepseek_ext_core import ServiceUnavailableError
from llamaindex_deepseek_ext import DeepSeek

from ..wire import Answer, Wire

PEER_ARGUMENTS = frozenset(
    [
        # DeepSeek.model_fields
        "additional_kwargs", "api_base", "api_key", "api_version", "audio_config",
        "callback_manager", "completion_to_prompt", "context_window", "default_headers",
        "is_chat_model", "is_function_calling_model", "logprobs", "max_retries", "max_tokens",
        "messages_to_prompt", "modalities", "model", "output_parser", "pydantic_program_mode",
        "query_wrapper_prompt", "rate_limiter", "reasoning_effort", "reuse_client",
        "should_use_structured_outputs", "strict", "system_prompt", "temperature", "timeout",
        "tokenizer", "top_logprobs",
        # OpenAI.__init__ keywords that are not fields
        "http_client", "async_http_client", "openai_client", "async_openai_client",
        "max_new_tokens",
    ]
)  # fmt: skip

_HAS_RATE_LIMITER = "rate_limiter" in DeepSeek.model_fields

MESSAGES = [ChatMessage(role="user", content="hi")]


class Joke(BaseModel):
    text: str


@dataclass
class Sent:
    key: str
    expected: Any


@dataclass
class Used:
    check: Callable[[Callable[..., DeepSeek], Wire], None]


@dataclass
class Refused:
    pass


@dataclass
class Case:
    value: Any
    outcome: Sent | Used | Refused
    also: dict[str, Any] = field(default_factory=dict)


def _url(build: Callable[..., DeepSeek], wire: Wire) -> None:
    build(api_base="https://gw.example/v1").chat(MESSAGES)
    assert wire.url == "https://gw.example/v1/chat/completions"


def _key(build: Callable[..., DeepSeek], wire: Wire) -> None:
    build(api_key="sk-given").chat(MESSAGES)
    assert wire.last.headers["authorization"] == "Bearer sk-given"


def _api_version(build: Callable[..., DeepSeek], wire: Wire) -> None:
    build(api_version="2024-05-01-preview").chat(MESSAGES)
    assert wire.last.url.params["api-version"] == "2024-05-01-preview"


def _callback_manager(build: Callable[..., DeepSeek], wire: Wire) -> None:
    handler = LlamaDebugHandler()
    build(callback_manager=CallbackManager([handler])).chat(MESSAGES)
    assert handler.get_llm_inputs_outputs()


def _context_window(build: Callable[..., DeepSeek], wire: Wire) -> None:
    assert build(context_window=4096).metadata.context_window == 4096


def _function_calling(build: Callable[..., DeepSeek], wire: Wire) -> None:
    assert build(is_function_calling_model=False).metadata.is_function_calling_model is False


def _headers(build: Callable[..., DeepSeek], wire: Wire) -> None:
    build(default_headers={"X-Team": "a"}).chat(MESSAGES)
    assert wire.last.headers["x-team"] == "a"


def _max_retries(build: Callable[..., DeepSeek], wire: Wire) -> None:
    wire.answers[:] = [Answer(status=503), Answer()]
    with pytest.raises(ServiceUnavailableError):
        build(max_retries=0).chat(MESSAGES)
    assert len(wire.requests) == 1  # the default would have retried


def _model(build: Callable[..., DeepSeek], wire: Wire) -> None:
    build(model="deepseek-v4-pro").chat(MESSAGES)
    assert wire.body["model"] == "deepseek-v4-pro"


def _output_parser(build: Callable[..., DeepSeek], wire: Wire) -> None:
    wire.answers[:] = [Answer(content='{"text": "a joke"}')]
    parser = PydanticOutputParser(Joke)
    output = build(output_parser=parser).predict(PromptTemplate("tell one"))
    assert "a joke" in str(output)
    assert "JSON" in wire.body["messages"][-1]["content"]  # the parser's format instructions


def _program_mode(build: Callable[..., DeepSeek], wire: Wire) -> None:
    wire.answers[:] = [Answer(content='{"text": "a joke"}')]
    model = build(pydantic_program_mode=PydanticProgramMode.LLM)
    assert model.structured_predict(Joke, PromptTemplate("tell one")) == Joke(text="a joke")
    assert "tools" not in wire.body  # the LLM program mode parses text, no tool call


def _rate_limiter(build: Callable[..., DeepSeek], wire: Wire) -> None:
    from llama_index.core.rate_limiter import TokenBucketRateLimiter

    limiter = TokenBucketRateLimiter(requests_per_minute=60)
    build(rate_limiter=limiter).chat(MESSAGES)
    assert limiter._request_tokens < 60  # one request took one token


def _strict(build: Callable[..., DeepSeek], wire: Wire) -> None:
    from llama_index.core.tools import FunctionTool

    def add(a: int, b: int) -> int:
        """Add two numbers."""
        return a + b

    build(strict=True).chat_with_tools([FunctionTool.from_defaults(add)], user_msg="1+1")
    assert wire.url.endswith("/beta/chat/completions")
    assert wire.body["tools"][0]["function"]["strict"] is True


def _system_prompt(build: Callable[..., DeepSeek], wire: Wire) -> None:
    build(system_prompt="Be brief.").predict(PromptTemplate("hi"))
    assert wire.body["messages"][0] == {"role": "system", "content": "Be brief."}


def _timeout(build: Callable[..., DeepSeek], wire: Wire) -> None:
    build(timeout=7.0).chat(MESSAGES)
    assert wire.last.extensions["timeout"]["read"] == 7.0


def _http_clients(build: Callable[..., DeepSeek], wire: Wire) -> None:
    model = build()
    model.chat(MESSAGES)
    asyncio.run(model.achat(MESSAGES))
    assert len(wire.requests) == 2  # both went through the injected clients


def _is_chat_model(build: Callable[..., DeepSeek], wire: Wire) -> None:
    assert build(is_chat_model=True).metadata.is_chat_model is True
    with pytest.raises(TypeError, match="is_chat_model"):
        build(is_chat_model=False)


def _accepts_only(name: str, same: Any, other: Any) -> Used:
    def check(build: Callable[..., DeepSeek], wire: Wire) -> None:
        build(**{name: same}).chat(MESSAGES)
        assert wire.requests
        with pytest.raises(TypeError, match=name):
            build(**{name: other})

    return Used(check)


CASES: dict[str, Case] = {
    "additional_kwargs": Case({"top_p": 0.5}, Sent("top_p", 0.5)),
    "api_base": Case(None, Used(_url)),
    "api_key": Case(None, Used(_key)),
    "api_version": Case(None, Used(_api_version)),
    "audio_config": Case({"voice": "alloy"}, Refused()),
    "callback_manager": Case(None, Used(_callback_manager)),
    "completion_to_prompt": Case(lambda text: text, Refused()),
    "context_window": Case(None, Used(_context_window)),
    "default_headers": Case(None, Used(_headers)),
    "is_chat_model": Case(None, Used(_is_chat_model)),
    "is_function_calling_model": Case(None, Used(_function_calling)),
    "logprobs": Case(True, Sent("logprobs", True)),
    "max_retries": Case(None, Used(_max_retries)),
    "max_tokens": Case(50, Sent("max_tokens", 50)),
    "messages_to_prompt": Case(lambda messages: "", Refused()),
    "modalities": Case(None, _accepts_only("modalities", ["text"], ["audio"])),
    "model": Case(None, Used(_model)),
    "output_parser": Case(None, Used(_output_parser)),
    "pydantic_program_mode": Case(None, Used(_program_mode)),
    "query_wrapper_prompt": Case(PromptTemplate("{query_str}"), Refused()),
    # Newer llama-index-core releases give every LLM a rate limiter; on older ones the
    # argument is not a field, and is refused like any other unknown name.
    "rate_limiter": Case(None, Used(_rate_limiter) if _HAS_RATE_LIMITER else Refused()),
    "reasoning_effort": Case("max", Sent("reasoning_effort", "max"), {"thinking": "enabled"}),
    "reuse_client": Case(None, _accepts_only("reuse_client", True, False)),
    "should_use_structured_outputs": Case(
        None, _accepts_only("should_use_structured_outputs", False, True)
    ),
    "strict": Case(None, Used(_strict)),
    "system_prompt": Case(None, Used(_system_prompt)),
    "temperature": Case(0.4, Sent("temperature", 0.4)),
    "timeout": Case(None, Used(_timeout)),
    "tokenizer": Case(None, _accepts_only("tokenizer", None, "gpt2")),
    "top_logprobs": Case(3, Sent("top_logprobs", 3), {"logprobs": True}),
    "http_client": Case(None, Used(_http_clients)),
    "async_http_client": Case(None, Used(_http_clients)),
    "openai_client": Case(object(), Refused()),
    "async_openai_client": Case(object(), Refused()),
    "max_new_tokens": Case(21, Sent("max_tokens", 21)),
}


def test_every_argument_of_the_peer_has_a_case() -> None:
    assert set(CASES) == PEER_ARGUMENTS


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_argument_is_sent_used_or_refused(name: str) -> None:
    case = CASES[name]
    wire = Wire()

    def build(**kwargs: Any) -> DeepSeek:
        base = {"model": "deepseek-chat", "api_key": "sk-test", **wire.llamaindex(), **case.also}
        return DeepSeek(**{**base, **kwargs})

    outcome = case.outcome
    if isinstance(outcome, Refused):
        with pytest.raises(TypeError, match=name):
            build(**{name: case.value})
    elif isinstance(outcome, Sent):
        build(**{name: case.value}).chat(MESSAGES)
        assert wire.body[outcome.key] == outcome.expected
    else:
        outcome.check(build, wire)
