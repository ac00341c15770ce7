"""Our own conformance suite for `DeepSeek` (what langchain-tests checks, for LlamaIndex).

Runs against the offline emulator (`emu` fixture in conftest.py): metadata; chat and stream, sync
and async, with reasoning in the first chunk; tools; structured output in both modes; reasoning
round trip; usage; secrets.
"""

from __future__ import annotations

import json
import pickle
from typing import Any

import pytest
from llama_index.core.base.llms.types import (
    ChatMessage,
    ChatResponse,
    ThinkingBlock,
    ToolCallBlock,
)
from llama_index.core.callbacks import CallbackManager, TokenCountingHandler
from llama_index.core.prompts import PromptTemplate
from llama_index.core.tools import FunctionTool
from pydantic import BaseModel

from deepseek_ext_core import ThinkingModeConflictError
from deepseek_ext_emulator import Reply, ToolCall
from llamaindex_deepseek_ext import DeepSeek, ToolArgumentsError, deepseek_tokenizer

from .li_support import API_KEY, Emu, collect

MESSAGES = [ChatMessage(role="user", content="Say hello")]


# -- metadata ---------------------------------------------------------------------------------


@pytest.mark.parametrize("model", ["deepseek-flash", "deepseek-v4-pro", "deepseek-v4-flash"])
def test_metadata_v4_family(model: str) -> None:
    meta = DeepSeek(model=model, api_key="sk-test").metadata
    assert meta.context_window == 1_048_576
    assert meta.is_chat_model and meta.is_function_calling_model
    assert meta.model_name == model


@pytest.mark.parametrize("model", ["deepseek-chat", "deepseek-reasoner"])
def test_legacy_names_are_function_calling(model: str) -> None:
    assert DeepSeek(model=model, api_key="sk-test").metadata.is_function_calling_model


def test_metadata_overrides() -> None:
    meta = DeepSeek(api_key="k", context_window=4096, max_tokens=100).metadata
    assert (meta.context_window, meta.num_output) == (4096, 100)


# -- chat and stream --------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_chat(emu: Emu, mode: str) -> None:
    emu.script(Reply.text("Hello!", reasoning="The user wants a greeting."))
    llm = emu.llm()
    response = llm.chat(MESSAGES) if mode == "sync" else await llm.achat(MESSAGES)
    assert response.message.content == "Hello!"
    thinking = response.message.blocks[0]
    assert isinstance(thinking, ThinkingBlock)
    assert thinking.content == "The user wants a greeting."
    assert response.additional_kwargs["finish_reason"] == "stop"
    assert emu.bodies[0]["messages"] == [{"role": "user", "content": "Say hello"}]
    assert emu.bodies[0]["stream"] is False


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_stream_yields_every_chunk_reasoning_first(emu: Emu, mode: str) -> None:
    emu.script(Reply.text("Hello there friend", reasoning="Greet them warmly"))
    llm = emu.llm()
    if mode == "sync":
        responses = list(llm.stream_chat(MESSAGES))
    else:
        responses = [r async for r in await llm.astream_chat(MESSAGES)]
    # The very first chunk (role + empty reasoning) is delivered, not swallowed.
    assert "thinking_delta" in responses[0].additional_kwargs
    assert isinstance(responses[0].message.blocks[0], ThinkingBlock)
    thinking = "".join(r.additional_kwargs.get("thinking_delta", "") for r in responses)
    assert thinking == "Greet them warmly"
    assert "".join(r.delta or "" for r in responses) == "Hello there friend"
    last = responses[-1]
    assert last.message.content == "Hello there friend"
    block = last.message.blocks[0]
    assert isinstance(block, ThinkingBlock) and block.content == "Greet them warmly"
    assert last.additional_kwargs["total_tokens"] > 0  # usage on by default
    assert emu.bodies[0]["stream_options"] == {"include_usage": True}


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_complete_and_stream_complete(emu: Emu, mode: str) -> None:
    emu.script(Reply.text("Paris"), Reply.text("Paris is big"))
    llm = emu.llm(thinking="disabled")
    if mode == "sync":
        first = llm.complete("Capital of France?")
        chunks = list(llm.stream_complete("Describe it"))
    else:
        first = await llm.acomplete("Capital of France?")
        chunks = [c async for c in await llm.astream_complete("Describe it")]
    assert first.text == "Paris"
    assert first.additional_kwargs["prompt_tokens"] > 0
    assert chunks[-1].text == "Paris is big"
    assert "".join(c.delta or "" for c in chunks) == "Paris is big"
    assert emu.bodies[0]["thinking"] == {"type": "disabled"}


def test_callbacks_fire_and_token_counting_reads_usage(emu: Emu) -> None:
    emu.script(Reply.text("Hi", usage=_usage(11, 3)), Reply.text("Yo", usage=_usage(13, 2)))
    counter = TokenCountingHandler(tokenizer=lambda text: text.split())
    llm = emu.llm(callback_manager=CallbackManager([counter]))
    llm.chat(MESSAGES)
    collect(llm.stream_chat(MESSAGES))
    assert [e.prompt_token_count for e in counter.llm_token_counts] == [11, 13]
    assert [e.completion_token_count for e in counter.llm_token_counts] == [3, 2]


def test_offline_tokenizer_counts_text_without_usage() -> None:
    # Used by TokenCountingHandler when a response carries no usage; never downloads.
    counter = TokenCountingHandler(tokenizer=deepseek_tokenizer)
    assert counter.tokenizer("") == []
    english = deepseek_tokenizer("The quick brown fox jumps over the lazy dog.")
    chinese = deepseek_tokenizer("你好世界今天天气很好")
    assert 5 <= len(english) <= 15
    assert 3 <= len(chinese) <= 12


# -- tools ------------------------------------------------------------------------------------


def get_weather(city: str) -> str:
    """Weather for a city."""
    return f"sunny in {city}"


def get_time(city: str) -> str:
    """Local time in a city."""
    return f"noon in {city}"


WEATHER = FunctionTool.from_defaults(fn=get_weather)
TIME = FunctionTool.from_defaults(fn=get_time)


@pytest.mark.parametrize("mode", ["sync", "async", "stream", "astream"])
async def test_chat_with_tools(emu: Emu, mode: str) -> None:
    emu.script(Reply.tool_calls([("get_weather", {"city": "Paris"})], reasoning="look it up"))
    llm = emu.llm()
    kwargs: dict[str, Any] = {"user_msg": "Weather in Paris?"}
    if mode == "sync":
        response = llm.chat_with_tools([WEATHER], **kwargs)
    elif mode == "async":
        response = await llm.achat_with_tools([WEATHER], **kwargs)
    elif mode == "stream":
        response = collect(llm.stream_chat_with_tools([WEATHER], **kwargs))
    else:
        gen = await llm.astream_chat_with_tools([WEATHER], **kwargs)
        response = [r async for r in gen][-1]
    (selection,) = llm.get_tool_calls_from_response(response)
    assert (selection.tool_name, selection.tool_kwargs) == ("get_weather", {"city": "Paris"})
    assert selection.tool_id.startswith("call_")
    body = emu.bodies[0]
    assert body["tools"][0]["function"]["name"] == "get_weather"
    assert "tool_choice" not in body  # auto is DeepSeek's default with tools


def test_parallel_tool_calls_kept_only_when_allowed(emu: Emu) -> None:
    calls = [("get_weather", {"city": "Paris"}), ("get_time", {"city": "Oslo"})]
    emu.script(Reply.tool_calls(calls), Reply.tool_calls(calls))
    llm = emu.llm()
    both = llm.chat_with_tools([WEATHER, TIME], user_msg="x", allow_parallel_tool_calls=True)
    one = llm.chat_with_tools([WEATHER, TIME], user_msg="x")
    assert [s.tool_name for s in llm.get_tool_calls_from_response(both)] == [
        "get_weather",
        "get_time",
    ]
    assert [s.tool_name for s in llm.get_tool_calls_from_response(one)] == ["get_weather"]


def test_tool_required_under_thinking_guard(emu: Emu) -> None:
    emu.script(Reply.tool_calls([("get_weather", {"city": "Rome"})]))
    llm = emu.llm()  # thinking left to the model default (on for deepseek-flash)
    llm.chat_with_tools([WEATHER], user_msg="x", tool_required=True)
    body = emu.bodies[0]
    assert body["tool_choice"] == "required"
    assert body["thinking"] == {"type": "disabled"}
    with pytest.raises(ThinkingModeConflictError):
        emu.llm(thinking="enabled").chat_with_tools(
            [WEATHER], user_msg="x", tool_choice="get_weather"
        )
    assert len(emu.bodies) == 1  # the conflict never reached the wire


def test_strict_tools_use_beta(emu: Emu) -> None:
    emu.script(Reply.tool_calls([("get_weather", {"city": "Rome"})]))
    emu.llm(strict=True).chat_with_tools([WEATHER], user_msg="x")
    assert emu.paths[0].endswith("/beta/chat/completions")
    assert emu.bodies[0]["tools"][0]["function"]["strict"] is True


def test_non_json_arguments_are_selected_with_the_marker_keyword(emu: Emu) -> None:
    emu.script(Reply.tool_calls([ToolCall(name="get_weather", arguments="{city: Paris")]))
    llm = emu.llm()
    response = llm.chat_with_tools([WEATHER], user_msg="x")
    (selection,) = llm.get_tool_calls_from_response(response)
    assert selection.tool_kwargs == {"arguments_were_not_valid_json": "{city: Paris"}
    with pytest.raises(ToolArgumentsError, match=r"get_weather.*not a JSON object"):
        llm.get_tool_calls_from_response(response, strict_arguments=True)


def test_predict_and_call(emu: Emu) -> None:
    emu.script(Reply.tool_calls([("get_weather", {"city": "Lima"})]))
    output = emu.llm().predict_and_call([WEATHER], user_msg="Weather in Lima?")
    assert output.response == "sunny in Lima"


# -- reasoning round trip ---------------------------------------------------------------------


def test_reasoning_round_trip_in_tool_loop(emu: Emu) -> None:
    emu.script(
        Reply.tool_calls([("get_weather", {"city": "Paris"})], reasoning="I should check"),
        Reply.text("It is sunny.", reasoning="Now answer"),
    )
    llm = emu.llm()
    history = [ChatMessage(role="user", content="Weather in Paris?")]
    first = llm.chat_with_tools([WEATHER], chat_history=list(history))
    (call,) = llm.get_tool_calls_from_response(first)
    history += [
        first.message,
        ChatMessage(
            role="tool", content=get_weather(**call.tool_kwargs),
            additional_kwargs={"tool_call_id": call.tool_id},
        ),
    ]  # fmt: skip
    final = llm.chat_with_tools([WEATHER], chat_history=history)
    assert final.message.content == "It is sunny."
    sent = emu.bodies[1]["messages"][1]
    assert sent["reasoning_content"] == "I should check"
    assert sent["tool_calls"][0]["function"]["arguments"] == '{"city": "Paris"}'


# -- structured output ------------------------------------------------------------------------


class City(BaseModel):
    """A city."""

    name: str
    population: int


PROMPT = PromptTemplate("Give me the largest city of {country}.")


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_structured_predict_function_calling(emu: Emu, mode: str) -> None:
    emu.script(Reply.tool_calls([("City", {"name": "Tokyo", "population": 14000000})]))
    llm = emu.llm(structured_output="tools")
    if mode == "sync":
        city = llm.structured_predict(City, PROMPT, country="Japan")
    else:
        city = await llm.astructured_predict(City, PROMPT, country="Japan")
    assert city == City(name="Tokyo", population=14000000)
    body = emu.bodies[0]
    assert body["tool_choice"] == "required" and body["tools"]
    assert body["thinking"] == {"type": "disabled"}  # the core's guard
    assert "response_format" not in body


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_structured_predict_thinking_uses_json_mode(emu: Emu, mode: str) -> None:
    emu.script(Reply.json({"name": "Lagos", "population": 15000000}, reasoning="Nigeria..."))
    llm = emu.llm(thinking="enabled", structured_output="tools")
    if mode == "sync":
        city = llm.structured_predict(City, PROMPT, country="Nigeria")
    else:
        city = await llm.astructured_predict(City, PROMPT, country="Nigeria")
    assert city.name == "Lagos"
    body = emu.bodies[0]
    assert body["response_format"] == {"type": "json_object"}
    assert "tool_choice" not in body and "tools" not in body
    assert body["thinking"] == {"type": "enabled"}
    assert "json" in body["messages"][0]["content"].lower()


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("blank", ["", "  \n\n   \n"])
async def test_a_blank_json_answer_is_retried_once_then_named(
    emu: Emu, mode: str, blank: str
) -> None:
    # DeepSeek answers JSON it cannot produce with whitespace (docs/deepseek-api.md §6.1).
    emu.script(Reply.text(blank), Reply.json({"name": "Lima", "population": 10000000}))
    llm = emu.llm(thinking="enabled", structured_output="tools")
    if mode == "sync":
        city = llm.structured_predict(City, PROMPT, country="Peru")
    else:
        city = await llm.astructured_predict(City, PROMPT, country="Peru")
    assert city.name == "Lima" and len(emu.bodies) == 2
    emu.script(Reply.text(blank), Reply.text(blank))
    with pytest.raises(ValueError, match="empty content twice"):
        llm.structured_predict(City, PROMPT, country="Peru")
    assert len(emu.bodies) == 4


def test_stream_structured_predict_both_modes(emu: Emu) -> None:
    emu.script(
        Reply.tool_calls([("City", {"name": "Cairo", "population": 9000000})]),
        Reply.json({"name": "Cairo", "population": 9000000}),
    )
    plain = list(
        emu.llm(structured_output="tools").stream_structured_predict(City, PROMPT, country="Egypt")
    )
    thinking = list(
        emu.llm(thinking="enabled", structured_output="tools").stream_structured_predict(
            City, PROMPT, country="Egypt"
        )
    )
    for results in (plain, thinking):
        last = results[-1]
        assert isinstance(last, City)
        assert last.name == "Cairo" and last.population == 9000000
    assert "response_format" not in emu.bodies[0]
    assert emu.bodies[1]["response_format"] == {"type": "json_object"}


def test_as_structured_llm(emu: Emu) -> None:
    emu.script(Reply.tool_calls([("City", {"name": "Lima", "population": 10000000})]))
    sllm = emu.llm(structured_output="tools").as_structured_llm(City)
    response = sllm.chat([ChatMessage(role="user", content="Largest city of Peru?")])
    assert json.loads(response.message.content or "") == {"name": "Lima", "population": 10000000}


# -- usage ------------------------------------------------------------------------------------


def _usage(prompt: int, completion: int, cached: int = 0) -> Any:
    from deepseek_ext_emulator import Usage

    return Usage(prompt_tokens=prompt, completion_tokens=completion, cached_tokens=cached)


@pytest.mark.parametrize("stream", [False, True])
def test_usage_in_additional_kwargs(emu: Emu, stream: bool) -> None:
    emu.script(Reply.text("ok", reasoning="hmm", usage=_usage(1000, 50, cached=640)))
    llm = emu.llm()
    response: ChatResponse = collect(llm.stream_chat(MESSAGES)) if stream else llm.chat(MESSAGES)
    extra = response.additional_kwargs
    assert (extra["prompt_tokens"], extra["completion_tokens"], extra["total_tokens"]) == (
        1000,
        50,
        1050,
    )
    assert (extra["cache_hit_tokens"], extra["cache_miss_tokens"]) == (640, 360)
    assert extra["reasoning_tokens"] >= 0
    assert extra["estimated_cost_usd"] > 0


# -- secrets ----------------------------------------------------------------------------------

SECRET = "sk-very-secret-0123456789"


def test_secret_never_serialized(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DEEPSEEK_API_KEY", raising=False)
    llm = DeepSeek(api_key=SECRET)
    assert SECRET not in repr(llm) and SECRET not in str(llm)
    assert SECRET not in json.dumps(llm.to_dict(), default=str)
    assert SECRET not in llm.to_json()
    # What instrumentation events carry: `to_payload()` from llama-index-core 0.14.23, the
    # `to_dict()` checked above before it.
    payload = llm.to_payload() if hasattr(llm, "to_payload") else llm.to_dict()
    assert SECRET not in json.dumps(payload, default=str)
    blob = pickle.dumps(llm)
    assert SECRET.encode() not in blob
    restored = pickle.loads(blob)
    assert restored.api_key is None and restored.model == llm.model
    assert llm.api_key is not None and llm.api_key.get_secret_value() == SECRET


def test_never_reads_openai_key(monkeypatch: pytest.MonkeyPatch) -> None:
    from deepseek_ext_core import MissingAPIKeyError

    monkeypatch.delenv("DEEPSEEK_API_KEY", raising=False)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-openai")
    with pytest.raises(MissingAPIKeyError):
        DeepSeek().chat(MESSAGES)


def test_reads_deepseek_key_from_env(emu: Emu, monkeypatch: pytest.MonkeyPatch) -> None:
    # The emulator accepts only its own key (401 otherwise), so success proves the env key.
    monkeypatch.setenv("DEEPSEEK_API_KEY", API_KEY)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-openai")
    emu.script(Reply.text("ok"))
    assert DeepSeek(api_base=emu.base_url).chat(MESSAGES).message.content == "ok"


def test_tool_call_blocks_survive_json_round_trip(emu: Emu) -> None:
    emu.script(Reply.tool_calls([("get_weather", {"city": "Paris"})], reasoning="r"))
    message = emu.llm().chat_with_tools([WEATHER], user_msg="x").message
    restored = ChatMessage.model_validate_json(message.model_dump_json())
    assert [type(b) for b in restored.blocks] == [type(b) for b in message.blocks]
    assert any(isinstance(b, ToolCallBlock) for b in restored.blocks)


def test_instrumentation_events_for_every_chunk(emu: Emu) -> None:
    from llama_index.core.instrumentation import get_dispatcher  # type: ignore[attr-defined]
    from llama_index.core.instrumentation.event_handlers import BaseEventHandler
    from llama_index.core.instrumentation.events import BaseEvent
    from llama_index.core.instrumentation.events.llm import (
        LLMChatEndEvent,
        LLMChatInProgressEvent,
        LLMChatStartEvent,
    )

    seen: list[BaseEvent] = []

    class Recorder(BaseEventHandler):
        def handle(self, event: BaseEvent, **kwargs: Any) -> None:
            seen.append(event)

    recorder = Recorder()
    dispatcher = get_dispatcher()
    dispatcher.add_event_handler(recorder)
    try:
        emu.script(Reply.text("one two three", reasoning="r"))
        responses = list(emu.llm().stream_chat(MESSAGES))
    finally:
        dispatcher.event_handlers.remove(recorder)
    kinds = [type(e) for e in seen]
    assert kinds.count(LLMChatStartEvent) == 1 and kinds.count(LLMChatEndEvent) == 1
    assert kinds.count(LLMChatInProgressEvent) == len(responses)
    start = next(e for e in seen if isinstance(e, LLMChatStartEvent))
    assert "api_key" not in json.dumps(start.model_dict, default=str)


def test_legacy_history_and_options(emu: Emu) -> None:
    # History from an OpenAI-style integration: tool calls only in additional_kwargs.
    legacy = ChatMessage(
        role="assistant",
        content="",
        additional_kwargs={
            "reasoning_content": "old reasoning",
            "tool_calls": [
                {"id": "c9", "type": "function",
                 "function": {"name": "get_weather", "arguments": '{"city": "Oslo"}'}}
            ],
        },
    )  # fmt: skip
    history = [
        ChatMessage(role="user", content="Weather in Oslo?"),
        legacy,
        ChatMessage(role="tool", content="cold", additional_kwargs={"tool_call_id": "c9"}),
    ]
    emu.script(Reply.text("Cold."))
    llm = emu.llm(thinking=False, additional_kwargs={"top_p": 0.5, "x_custom": 1})
    assert llm.chat(history).message.content == "Cold."
    body = emu.bodies[0]
    assert body["thinking"] == {"type": "disabled"}
    assert body["top_p"] == 0.5 and body["x_custom"] == 1
    sent = body["messages"][1]
    assert sent["tool_calls"][0]["id"] == "c9"
    assert sent["reasoning_content"] == "old reasoning"
    with pytest.raises(TypeError, match="unknown DeepSeek option"):
        llm.chat(history, temprature=0.1)


@pytest.mark.parametrize("stream", [False, True])
def test_one_retry_layer(emu: Emu, stream: bool) -> None:
    from deepseek_ext_core import InternalServerError
    from deepseek_ext_emulator import Fault

    emu.script(*(Fault.status(500, retry_after=0) for _ in range(3)))
    llm = emu.llm(max_retries=2)
    with pytest.raises(InternalServerError):
        if stream:
            list(llm.stream_chat(MESSAGES))
        else:
            llm.chat(MESSAGES)
    assert len(emu.bodies) == 3  # 1 + max_retries, not multiplied by another layer


def test_stream_truncated_after_chunks_raises_after_delivery(emu: Emu) -> None:
    from deepseek_ext_core import StreamTruncatedError
    from deepseek_ext_emulator import Fault

    emu.script(Fault.no_done(reply=Reply.text("partial answer here")))
    received: list[ChatResponse] = []
    with pytest.raises(StreamTruncatedError):
        for response in emu.llm().stream_chat(MESSAGES):
            received.append(response)
    assert received and received[-1].message.content == "partial answer here"
