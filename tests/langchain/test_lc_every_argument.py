"""Every constructor argument langchain-deepseek's `ChatDeepSeek` accepts, given to ours: each one
is sent, used, or refused with an error that names it. None vanishes.

`PEER_ARGUMENTS` is the field names and aliases of `langchain_deepseek.ChatDeepSeek` 1.1.1 (with
langchain-openai 1.8.1 and langchain-core 1.8), read from `ChatDeepSeek.model_fields`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from langchain_core.caches import InMemoryCache
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.rate_limiters import InMemoryRateLimiter

from langchain_deepseek_ext import ChatDeepSeek, ServiceUnavailableError

from ..wire import Answer, Wire

PEER_ARGUMENTS = frozenset(
    [
        "name",
        "cache",
        "verbose",
        "callbacks",
        "tags",
        "metadata",
        "custom_get_token_ids",
        "rate_limiter",
        "disable_streaming",
        "output_version",
        "profile",
        "client",
        "async_client",
        "root_client",
        "root_async_client",
        "model_name",
        "model",
        "temperature",
        "model_kwargs",
        "openai_api_key",
        "api_key",
        "openai_api_base",
        "base_url",
        "openai_organization",
        "organization",
        "openai_proxy",
        "request_timeout",
        "timeout",
        "stream_usage",
        "max_retries",
        "presence_penalty",
        "frequency_penalty",
        "seed",
        "logprobs",
        "top_logprobs",
        "logit_bias",
        "streaming",
        "n",
        "top_p",
        "max_tokens",
        "reasoning_effort",
        "reasoning",
        "verbosity",
        "tiktoken_model_name",
        "default_headers",
        "default_query",
        "http_client",
        "http_async_client",
        "http_socket_options",
        "stream_chunk_timeout",
        "stop",
        "stop_sequences",
        "extra_body",
        "include_response_headers",
        "disabled_params",
        "context_management",
        "include",
        "prompt_cache_options",
        "service_tier",
        "store",
        "truncation",
        "use_previous_response_id",
        "use_responses_api",
        "api_base",
    ]
)


@dataclass
class Sent:
    """Sent in the body of a request."""

    key: str
    expected: Any


@dataclass
class Used:
    """Used as the check says (it builds the model with the argument and asserts)."""

    check: Callable[[Callable[..., ChatDeepSeek], Any], None]


@dataclass
class Refused:
    """Refused when built, by an error that names the argument."""


@dataclass
class Case:
    value: Any
    outcome: Sent | Used | Refused
    also: dict[str, Any] = field(default_factory=dict)
    """Other arguments the case needs (top_logprobs needs logprobs)."""


class _Recorder(BaseCallbackHandler):
    def __init__(self) -> None:
        self.starts: list[dict[str, Any]] = []

    def on_chat_model_start(self, serialized: Any, messages: Any, **kwargs: Any) -> None:
        self.starts.append(kwargs)


class _CountingLimiter(InMemoryRateLimiter):
    def __init__(self) -> None:
        super().__init__(requests_per_second=1000, max_bucket_size=1000)
        self.acquired = 0

    def acquire(self, *, blocking: bool = True) -> bool:
        self.acquired += 1
        return super().acquire(blocking=blocking)


def _cache(build: Callable[..., ChatDeepSeek], wire: Any) -> None:
    chat = build(cache=InMemoryCache())
    chat.invoke("same question")
    chat.invoke("same question")
    assert len(wire.requests) == 1


def _callbacks(build: Callable[..., ChatDeepSeek], wire: Any) -> None:
    recorder = _Recorder()
    build(callbacks=[recorder], tags=["t1"], metadata={"m": 1}).invoke("hi")
    assert recorder.starts and "t1" in recorder.starts[0]["tags"]
    assert recorder.starts[0]["metadata"]["m"] == 1


def _rate_limiter(build: Callable[..., ChatDeepSeek], wire: Any) -> None:
    limiter = _CountingLimiter()
    build(rate_limiter=limiter).invoke("hi")
    assert limiter.acquired == 1


def _disable_streaming(build: Callable[..., ChatDeepSeek], wire: Any) -> None:
    list(build(disable_streaming=True).stream("hi"))
    assert wire.body["stream"] is False


def _streaming(build: Callable[..., ChatDeepSeek], wire: Any) -> None:
    assert build(streaming=True).invoke("hi").content == "ok"
    assert wire.body["stream"] is True


def _stream_usage(build: Callable[..., ChatDeepSeek], wire: Any) -> None:
    list(build(stream_usage=False).stream("hi"))
    assert wire.body["stream_options"] == {"include_usage": False}


def _use_responses_api(build: Callable[..., ChatDeepSeek], wire: Any) -> None:
    assert build(use_responses_api=True).invoke("hi").content == "ok"
    assert wire.url.endswith("/responses")


def _output_version(build: Callable[..., ChatDeepSeek], wire: Any) -> None:
    content = build(output_version="v1").invoke("hi").content
    assert isinstance(content, list)
    assert content == [{"type": "text", "text": "ok"}] or content[-1] == {
        "type": "text",
        "text": "ok",
    }


def _max_retries(build: Callable[..., ChatDeepSeek], wire: Any) -> None:
    wire.answers[:] = [Answer(status=503), Answer()]
    with pytest.raises(ServiceUnavailableError):
        build(max_retries=0).invoke("hi")
    assert len(wire.requests) == 1  # the default would have retried


def _timeout(name: str) -> Used:
    def check(build: Callable[..., ChatDeepSeek], wire: Any) -> None:
        build(**{name: 7.0}).invoke("hi")
        assert wire.last.extensions["timeout"]["read"] == 7.0

    return Used(check)


def _base_url(name: str) -> Used:
    def check(build: Callable[..., ChatDeepSeek], wire: Any) -> None:
        build(**{name: "https://gw.example/v1"}).invoke("hi")
        assert str(wire.last.url) == "https://gw.example/v1/chat/completions"

    return Used(check)


def _api_key(build: Callable[..., ChatDeepSeek], wire: Any) -> None:
    build(api_key="sk-given").invoke("hi")
    assert wire.last.headers["authorization"] == "Bearer sk-given"


def _model(name: str) -> Used:
    def check(build: Callable[..., ChatDeepSeek], wire: Any) -> None:
        build(**{name: "deepseek-v4-pro"}).invoke("hi")
        assert wire.body["model"] == "deepseek-v4-pro"

    return Used(check)


def _http_clients(build: Callable[..., ChatDeepSeek], wire: Any) -> None:
    chat = build()
    chat.invoke("hi")
    asyncio.run(chat.ainvoke("hi"))
    assert len(wire.requests) == 2  # both went through the injected clients


def _attribute(name: str, value: Any) -> Used:
    def check(build: Callable[..., ChatDeepSeek], wire: Any) -> None:
        assert getattr(build(**{name: value}), name) == value

    return Used(check)


def _token_ids(build: Callable[..., ChatDeepSeek], wire: Any) -> None:
    assert build(custom_get_token_ids=lambda text: [len(text)]).get_token_ids("abc") == [3]


def _profile(build: Callable[..., ChatDeepSeek], wire: Any) -> None:
    assert build(profile={"max_input_tokens": 5}).profile == {"max_input_tokens": 5}


def _headers(build: Callable[..., ChatDeepSeek], wire: Any) -> None:
    build(default_headers={"X-Team": "a"}).invoke("hi")
    assert wire.last.headers["x-team"] == "a"


def _query(build: Callable[..., ChatDeepSeek], wire: Any) -> None:
    build(default_query={"v": "1"}).invoke("hi")
    assert wire.last.url.params["v"] == "1"


def _name(build: Callable[..., ChatDeepSeek], wire: Any) -> None:
    assert build(name="my-model").get_name() == "my-model"


REFUSED_VALUES: dict[str, Any] = {
    "client": object(), "async_client": object(), "root_client": object(),
    "root_async_client": object(), "openai_api_key": "sk-x", "openai_api_base": "https://x",
    "openai_organization": "org", "organization": "org", "openai_proxy": "http://proxy:1",
    "reasoning": {"effort": "high"}, "verbosity": "low", "tiktoken_model_name": "gpt-4o",
    "http_socket_options": [(1, 9, 1)], "stream_chunk_timeout": 30.0,
    "include_response_headers": True, "disabled_params": {"parallel_tool_calls": None},
    "context_management": [{"type": "compaction"}], "include": ["reasoning"],
    "prompt_cache_options": {"key": "k"}, "service_tier": "flex", "store": True,
    "truncation": "auto", "use_previous_response_id": True,
}  # fmt: skip
"""OpenAI-only settings, each with a value that asks for something."""

CASES: dict[str, Case] = {
    "name": Case("my-model", Used(_name)),
    "cache": Case(None, Used(_cache)),
    "verbose": Case(True, _attribute("verbose", True)),
    "callbacks": Case(None, Used(_callbacks)),
    "tags": Case(None, Used(_callbacks)),
    "metadata": Case(None, Used(_callbacks)),
    "custom_get_token_ids": Case(None, Used(_token_ids)),
    "rate_limiter": Case(None, Used(_rate_limiter)),
    "disable_streaming": Case(True, Used(_disable_streaming)),
    "output_version": Case("v1", Used(_output_version)),
    "use_responses_api": Case(True, Used(_use_responses_api)),
    "profile": Case(None, Used(_profile)),
    "model_name": Case(None, _model("model_name")),
    "model": Case(None, _model("model")),
    "temperature": Case(0.3, Sent("temperature", 0.3)),
    "model_kwargs": Case({"top_k": 4}, Sent("top_k", 4)),
    "api_key": Case(None, Used(_api_key)),
    "base_url": Case(None, _base_url("base_url")),
    "api_base": Case(None, _base_url("api_base")),
    "request_timeout": Case(None, _timeout("request_timeout")),
    "timeout": Case(None, _timeout("timeout")),
    "stream_usage": Case(None, Used(_stream_usage)),
    "max_retries": Case(None, Used(_max_retries)),
    "presence_penalty": Case(0.5, Sent("presence_penalty", 0.5)),
    "frequency_penalty": Case(0.5, Sent("frequency_penalty", 0.5)),
    "seed": Case(7, Sent("seed", 7)),
    "logprobs": Case(True, Sent("logprobs", True)),
    "top_logprobs": Case(3, Sent("top_logprobs", 3), also={"logprobs": True}),
    "logit_bias": Case({15: -100}, Sent("logit_bias", {"15": -100})),
    "streaming": Case(None, Used(_streaming)),
    "n": Case(1, Sent("n", 1)),
    "top_p": Case(0.5, Sent("top_p", 0.5)),
    "max_tokens": Case(99, Sent("max_tokens", 99)),
    "reasoning_effort": Case("max", Sent("reasoning_effort", "max"), {"thinking": "enabled"}),
    "default_headers": Case(None, Used(_headers)),
    "default_query": Case(None, Used(_query)),
    "http_client": Case(None, Used(_http_clients)),
    "http_async_client": Case(None, Used(_http_clients)),
    "stop": Case(["END"], Sent("stop", ["END"])),
    "stop_sequences": Case(["END"], Sent("stop", ["END"])),
    "extra_body": Case({"custom": 1}, Sent("custom", 1)),
    **{name: Case(value, Refused()) for name, value in REFUSED_VALUES.items()},
}


def test_every_argument_of_the_peer_has_a_case() -> None:
    assert set(CASES) == PEER_ARGUMENTS


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_argument_is_sent_used_or_refused(name: str) -> None:
    case = CASES[name]
    wire = Wire()

    def build(**kwargs: Any) -> ChatDeepSeek:
        base = {"model": "deepseek-chat", "api_key": "sk-test", **wire.langchain(), **case.also}
        if "model_name" in kwargs:
            base.pop("model")
        return ChatDeepSeek(**{**base, **kwargs})

    outcome = case.outcome
    if isinstance(outcome, Refused):
        with pytest.raises(TypeError, match=f"'{name}'"):
            build(**{name: case.value})
    elif isinstance(outcome, Sent):
        build(**{name: case.value}).invoke("hi")
        assert wire.body[outcome.key] == outcome.expected
    else:
        outcome.check(build, wire)


@pytest.mark.parametrize("name", ["client", "openai_proxy", "include_response_headers", "store"])
def test_a_refused_argument_left_at_none_or_false_asks_for_nothing(name: str) -> None:
    for value in (None, False):
        ChatDeepSeek(model="deepseek-chat", api_key="k", **{name: value})
