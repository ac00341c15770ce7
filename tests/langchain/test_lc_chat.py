"""ChatDeepSeek against the offline DeepSeek emulator (a real loopback HTTP server)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.exceptions import ContextOverflowError, ModelRateLimitError
from langchain_core.load import dumpd, dumps, load, loads
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage

import deepseek_ext_core as core
import langchain_deepseek_ext as lde
from deepseek_ext_emulator import Emulator, Reply, Usage
from langchain_deepseek_ext import ChatDeepSeek

MODES = ["invoke", "ainvoke", "stream", "astream"]
Run = Callable[..., Awaitable[AIMessage]]

WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Weather for a city",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    },
}


@pytest.mark.parametrize("mode", MODES)
async def test_text_reasoning_usage_and_metadata(
    run: Run, chat: ChatDeepSeek, emulator: Emulator, mode: str
) -> None:
    emulator.push(
        Reply.text(
            "Bonjour",
            reasoning="French greeting",
            usage=Usage(
                prompt_tokens=200, completion_tokens=30, cached_tokens=128, reasoning_tokens=20
            ),
        )
    )
    message = await run(chat, [SystemMessage("translate"), HumanMessage("hello")], mode)
    assert message.content == "Bonjour"
    assert message.additional_kwargs["reasoning_content"] == "French greeting"
    assert message.content_blocks[0] == {"type": "reasoning", "reasoning": "French greeting"}
    assert message.usage_metadata == {
        "input_tokens": 200,
        "output_tokens": 30,
        "total_tokens": 230,
        "input_token_details": {"cache_read": 128},
        "output_token_details": {"reasoning": 20},
    }
    metadata = message.response_metadata
    assert metadata["finish_reason"] == "stop"
    assert metadata["model_name"] == "deepseek-flash"
    assert metadata["request_id"]
    assert metadata["token_usage"]["prompt_cache_miss_tokens"] == 72
    assert metadata["estimated_cost"] > 0
    body = emulator.last_request.body
    assert body["messages"] == [
        {"role": "system", "content": "translate"},
        {"role": "user", "content": "hello"},
    ]
    assert body["stream"] is mode.endswith("stream")
    if mode.endswith("stream"):
        assert body["stream_options"] == {"include_usage": True}


async def test_stream_yields_reasoning_then_content_deltas(
    chat: ChatDeepSeek, emulator: Emulator
) -> None:
    emulator.push(Reply.text("a b c", reasoning="x y", chunks=3, reasoning_chunks=2))
    chunks = list(chat.stream("hi"))
    reasoning = [c.additional_kwargs.get("reasoning_content") for c in chunks]
    texts = [c.text for c in chunks]
    assert "".join(r for r in reasoning if r) == "x y"
    assert "".join(texts) == "a b c"
    assert sum(1 for t in texts if t) == 3
    assert chunks[-1].usage_metadata is not None
    assert all(c.usage_metadata is None for c in chunks[:-1])


async def test_stream_usage_off(make_chat: Callable[..., ChatDeepSeek], emulator: Emulator) -> None:
    emulator.push(Reply.text("ok"))
    chunks = list(make_chat(stream_usage=False).stream("hi"))
    assert emulator.last_request.body["stream_options"] == {"include_usage": False}
    assert all(c.usage_metadata is None for c in chunks)


async def test_callbacks_see_every_token(
    make_chat: Callable[..., ChatDeepSeek], emulator: Emulator
) -> None:
    tokens: list[str] = []

    class Collect(BaseCallbackHandler):
        def on_llm_new_token(self, token: Any, **kwargs: Any) -> None:
            tokens.append(token)

    emulator.push(Reply.text("one two three", chunks=3))
    result = make_chat(streaming=True).invoke("hi", config={"callbacks": [Collect()]})
    assert result.content == "one two three"
    assert "".join(tokens) == "one two three"
    assert len([t for t in tokens if t]) == 3  # one callback per streamed piece


async def test_batch_and_abatch(chat: ChatDeepSeek, emulator: Emulator) -> None:
    emulator.responder = lambda body: Reply.text(body["messages"][-1]["content"].upper())
    assert [m.content for m in chat.batch(["a", "b"])] == ["A", "B"]
    assert [m.content for m in await chat.abatch(["c", "d"])] == ["C", "D"]


async def test_astream_events(chat: ChatDeepSeek, emulator: Emulator) -> None:
    emulator.push(Reply.text("x y", chunks=2))
    events = [e async for e in chat.astream_events("hi", version="v2")]
    streamed = [e["data"]["chunk"].text for e in events if e["event"] == "on_chat_model_stream"]
    assert "".join(streamed) == "x y"


@pytest.mark.parametrize(
    ("choice", "sent"),
    [
        ("auto", "auto"),
        ("none", "none"),
        ("any", "required"),
        ("required", "required"),
        ("get_weather", {"type": "function", "function": {"name": "get_weather"}}),
        (True, {"type": "function", "function": {"name": "get_weather"}}),
    ],
)
async def test_tool_choice_on_the_wire(
    make_chat: Callable[..., ChatDeepSeek], emulator: Emulator, choice: Any, sent: Any
) -> None:
    emulator.push(Reply.tool_calls([("get_weather", {"city": "Paris"})]))
    model = make_chat(thinking="disabled").bind_tools([WEATHER], tool_choice=choice)
    message = model.invoke("weather in Paris?")
    assert emulator.last_request.body["tool_choice"] == sent
    assert message.tool_calls[0]["args"] == {"city": "Paris"}


async def test_forced_tool_choice_turns_thinking_off_when_unset(
    chat: ChatDeepSeek, emulator: Emulator
) -> None:
    emulator.push(Reply.tool_calls([("get_weather", {"city": "Oslo"})]))
    chat.bind_tools([WEATHER], tool_choice="any").invoke("weather?")
    assert emulator.last_request.body["thinking"] == {"type": "disabled"}


async def test_forced_tool_choice_with_thinking_enabled_raises(
    make_chat: Callable[..., ChatDeepSeek], emulator: Emulator
) -> None:
    model = make_chat(thinking="enabled").bind_tools([WEATHER], tool_choice="any")
    with pytest.raises(core.ThinkingModeConflictError):
        model.invoke("weather?")
    assert emulator.requests == []


async def test_strict_tools_go_to_beta(chat: ChatDeepSeek, emulator: Emulator) -> None:
    emulator.push(Reply.tool_calls([("get_weather", {"city": "Rome"})]))
    chat.bind_tools([WEATHER], strict=True).invoke("weather?")
    assert emulator.last_request.path == "/beta/chat/completions"
    function = emulator.last_request.body["tools"][0]["function"]
    assert function["strict"] is True
    assert function["parameters"]["additionalProperties"] is False


async def test_parallel_tool_calls(chat: ChatDeepSeek, emulator: Emulator) -> None:
    emulator.push(
        Reply.tool_calls([("get_weather", {"city": "A"}), ("get_weather", {"city": "B"})])
    )
    message = chat.bind_tools([WEATHER], parallel_tool_calls=False).invoke("two cities")
    assert [c["args"]["city"] for c in message.tool_calls] == ["A", "B"]
    assert emulator.last_request.body["parallel_tool_calls"] is False


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("checkpoint", [False, True])
async def test_reasoning_round_trip_in_a_tool_loop(
    run: Run,
    make_chat: Callable[..., ChatDeepSeek],
    emulator: Emulator,
    mode: str,
    checkpoint: bool,
) -> None:
    model = make_chat(thinking="enabled").bind_tools([WEATHER])
    emulator.push(Reply.tool_calls([("get_weather", {"city": "Paris"})], reasoning="need data"))
    history: list[Any] = [HumanMessage("weather in Paris?")]
    first = await run(model, history, mode)
    assert first.additional_kwargs["reasoning_content"] == "need data"
    history += [first, ToolMessage("sunny", tool_call_id=first.tool_calls[0]["id"])]
    if checkpoint:  # what a LangGraph checkpoint does to the history
        history = loads(dumps(history), allowed_objects="messages")
    emulator.push(Reply.text("It is sunny.", reasoning="done"))
    final = await run(model, history, mode)
    assert final.content == "It is sunny."
    sent = emulator.last_request.body["messages"][1]
    assert sent["reasoning_content"] == "need data"
    assert sent["tool_calls"][0]["function"]["arguments"] == '{"city": "Paris"}'


async def test_prefix_completion_goes_to_beta(chat: ChatDeepSeek, emulator: Emulator) -> None:
    emulator.push(Reply.text("print('hi')\n"))
    prefix = AIMessage("```python\n", additional_kwargs={"prefix": True, "reasoning_content": "r"})
    chat.invoke([HumanMessage("code"), prefix], stop=["```"])
    request = emulator.last_request
    assert request.path == "/beta/chat/completions"
    assert request.body["messages"][-1] == {
        "role": "assistant",
        "content": "```python\n",
        "reasoning_content": "r",
        "prefix": True,
    }
    assert request.body["stop"] == ["```"]


async def test_images_rejected_for_text_only_model(
    make_chat: Callable[..., ChatDeepSeek], emulator: Emulator
) -> None:
    image = {"type": "image_url", "image_url": {"url": "https://x/y.png"}}
    with pytest.raises(core.UnsupportedInputError):
        make_chat(model="deepseek-v4-pro").invoke([HumanMessage([image])])
    assert emulator.requests == []


async def test_images_sent_to_vision_model(chat: ChatDeepSeek, emulator: Emulator) -> None:
    emulator.push(Reply.text("a cat"))
    image = {"type": "image", "url": "https://x/cat.png"}
    chat.invoke([HumanMessage([{"type": "text", "text": "what?"}, image])])
    content = emulator.last_request.body["messages"][0]["content"]
    assert content[1] == {"type": "image_url", "image_url": {"url": "https://x/cat.png"}}


async def test_per_call_kwargs_and_model_override(chat: ChatDeepSeek, emulator: Emulator) -> None:
    emulator.push(Reply.text("ok"))
    chat.invoke("hi", model="deepseek-v4-pro", temperature=0.5, max_tokens=7, user_id="u-1")
    body = emulator.last_request.body
    assert (body["model"], body["temperature"], body["max_tokens"], body["user_id"]) == (
        "deepseek-v4-pro", 0.5, 7, "u-1",
    )  # fmt: skip


async def test_unknown_kwarg_fails_before_sending(chat: ChatDeepSeek, emulator: Emulator) -> None:
    with pytest.raises(ValueError, match="temprature"):
        chat.invoke("hi", temprature=0.5)
    assert emulator.requests == []


async def test_constructor_settings_and_extra_body(
    make_chat: Callable[..., ChatDeepSeek], emulator: Emulator
) -> None:
    emulator.push(Reply.text("ok"))
    model = make_chat(
        model_name="deepseek-v4-pro",
        thinking=True,
        reasoning_effort="max",
        max_tokens=64,
        model_kwargs={"a": 1},
        extra_body={"b": 2},
    )
    model.invoke("hi")
    body = emulator.last_request.body
    assert body["model"] == "deepseek-v4-pro"
    assert body["thinking"] == {"type": "enabled"}
    assert body["reasoning_effort"] == "max"
    assert (body["a"], body["b"]) == (1, 2)


@pytest.mark.parametrize(
    ("reply", "langchain_type", "core_type"),
    [
        (Reply.error(429, "Rate Limit Reached"), ModelRateLimitError, core.RateLimitError),
        (
            Reply.context_length_exceeded(2_000_000),
            ContextOverflowError,
            core.ContextLengthExceededError,
        ),
    ],
)
@pytest.mark.parametrize("mode", MODES)
async def test_errors_speak_both_vocabularies(
    run: Run,
    chat: ChatDeepSeek,
    emulator: Emulator,
    reply: Reply,
    langchain_type: type,
    core_type: type,
    mode: str,
) -> None:
    emulator.push(reply)
    with pytest.raises(langchain_type) as caught:
        await run(chat, "hi", mode)
    assert isinstance(caught.value, core_type)
    assert isinstance(caught.value.__cause__, core_type)
    assert caught.value.status_code in (400, 429)  # type: ignore[attr-defined]


async def test_authentication_error(make_chat: Callable[..., ChatDeepSeek]) -> None:
    with pytest.raises(lde.AuthenticationError) as caught:
        make_chat(api_key="sk-wrong").invoke("hi")
    assert "sk-wrong" not in str(caught.value)


async def test_serialization_hides_key_and_round_trips(monkeypatch: pytest.MonkeyPatch) -> None:
    model = ChatDeepSeek(api_key="sk-secret-value", model="deepseek-v4-pro", thinking="enabled")
    dumped = dumpd(model)
    assert "sk-secret-value" not in dumps(model)
    assert dumped["kwargs"]["api_key"] == {"lc": 1, "type": "secret", "id": ["DEEPSEEK_API_KEY"]}
    monkeypatch.setenv("DEEPSEEK_API_KEY", "sk-secret-value")
    restored = load(
        dumped,
        secrets_from_env=True,
        valid_namespaces=["langchain_deepseek_ext"],
        allowed_objects=[ChatDeepSeek],
    )
    assert isinstance(restored, ChatDeepSeek)
    assert (restored.model_name, restored.thinking) == ("deepseek-v4-pro", "enabled")
    assert restored.api_key is not None
    assert restored.api_key.get_secret_value() == "sk-secret-value"
    assert "sk-secret-value" not in repr(model)


def test_token_counting_is_offline() -> None:
    model = ChatDeepSeek(api_key="sk-x", base_url="http://127.0.0.1:9")
    assert model.get_num_tokens("hello world") > 0
    short = model.get_num_tokens_from_messages([HumanMessage("hi")])
    long = model.get_num_tokens_from_messages([HumanMessage("hi " * 100)])
    assert 0 < short < long
    assert model.get_num_tokens_from_messages([HumanMessage("hi")], tools=[WEATHER]) > short
    with pytest.raises(NotImplementedError):
        model.get_token_ids("hi")


def test_ls_params() -> None:
    model = ChatDeepSeek(api_key="sk-x", temperature=0.2, max_tokens=9, stop=["x"])
    params = model._get_ls_params()
    assert params == {
        "ls_provider": "deepseek",
        "ls_model_name": "deepseek-flash",
        "ls_model_type": "chat",
        "ls_temperature": 0.2,
        "ls_max_tokens": 9,
        "ls_stop": ["x"],
    }


def test_aliases_and_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEEPSEEK_API_KEY", "sk-env")
    monkeypatch.setenv("DEEPSEEK_API_BASE", "http://127.0.0.1:9/v1")
    model = ChatDeepSeek(model_name="deepseek-chat", timeout=5, stop_sequences=["z"])
    assert model.api_key is not None
    assert model.api_key.get_secret_value() == "sk-env"
    assert (model.api_base, model.model_name, model.request_timeout, model.stop) == (
        "http://127.0.0.1:9/v1", "deepseek-chat", 5, ["z"],
    )  # fmt: skip
    assert ChatDeepSeek(base_url="http://h").api_base == "http://h"


def test_importing_the_adapter_patches_no_langchain_core_table() -> None:
    import subprocess
    import sys

    script = (
        "import importlib\n"
        "l = importlib.import_module('langchain_core.load.load')\n"
        "before = (len(l.ALL_SERIALIZABLE_MAPPINGS), dict(l._default_class_paths_cache))\n"
        "import langchain_deepseek_ext\n"
        "after = (len(l.ALL_SERIALIZABLE_MAPPINGS), dict(l._default_class_paths_cache))\n"
        "print(before == after)"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "True"


def test_loads_needs_the_classes_named_as_documented() -> None:
    text = dumps(ChatDeepSeek(api_key="sk-unused", model="deepseek-chat"))
    with pytest.raises(ValueError, match="not allowed"):
        loads(text, allowed_objects="all", secrets_map={"DEEPSEEK_API_KEY": "sk-unused"})
    restored = loads(
        text,
        allowed_objects=[ChatDeepSeek],
        valid_namespaces=["langchain_deepseek_ext"],
        secrets_map={"DEEPSEEK_API_KEY": "sk-unused"},
    )
    assert isinstance(restored, ChatDeepSeek)
    assert restored.model_name == "deepseek-chat"


@pytest.mark.parametrize("cut", ["no [DONE] after every chunk", "dropped mid-answer"])
@pytest.mark.parametrize("mode", ["invoke", "ainvoke"])
async def test_a_cut_stream_under_invoke_keeps_what_arrived_on_the_error(
    make_chat: Callable[..., ChatDeepSeek], emulator: Emulator, cut: str, mode: str
) -> None:
    from deepseek_ext_emulator import Fault
    from langchain_deepseek_ext import StreamTruncatedError

    reply = Reply.text("one two three four", chunks=4)
    emulator.push(
        Fault.no_done(reply=reply)
        if cut.startswith("no")
        else Fault.drop_after_chunks(3, reply=reply)
    )
    model = make_chat(streaming=True)
    with pytest.raises(StreamTruncatedError) as caught:
        if mode == "invoke":
            model.invoke("count")
        else:
            await model.ainvoke("count")
    partial = caught.value.partial
    assert partial is not None
    expected = "one two three four" if cut.startswith("no") else "one two th"
    assert (partial.message.content or "").startswith(expected[:5])
    if cut.startswith("no"):
        assert partial.message.content == expected
        assert partial.finish_reason == "stop"
