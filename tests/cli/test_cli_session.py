"""The offline demo's scripted DeepSeek: the answers it gives to the requests the demo makes."""

from __future__ import annotations

import json
from typing import Any

from deepseek_ext_cli._demo_kit import AGENT_SYSTEM_PROMPT, AGENT_TURNS, DOCS_QUESTION
from deepseek_ext_cli._session import answer, demo_responder
from deepseek_ext_emulator import Fault, Reply

_TOOLS = [
    {"type": "function", "function": {"name": name, "parameters": {"type": "object"}}}
    for name in ("get_weather", "convert_currency")
]


def _call(call_id: str, name: str, args: dict[str, Any]) -> dict[str, Any]:
    function = {"name": name, "arguments": json.dumps(args)}
    return {"id": call_id, "type": "function", "function": function}


def _first_turn() -> list[dict[str, Any]]:
    return [
        {"role": "system", "content": AGENT_SYSTEM_PROMPT},
        {"role": "user", "content": AGENT_TURNS[0]},
        {
            "role": "assistant",
            "content": "",
            "reasoning_content": "two cities",
            "tool_calls": [
                _call("c1", "get_weather", {"city": "Hangzhou"}),
                _call("c2", "get_weather", {"city": "Paris"}),
            ],
        },
        {"role": "tool", "tool_call_id": "c1", "content": "27°C, humid, light rain from 15:00"},
        {"role": "tool", "tool_call_id": "c2", "content": "18°C, overcast, dry"},
    ]


def _reply(messages: list[dict[str, Any]], **body: Any) -> Reply:
    reply = answer({"model": "deepseek-flash", "messages": messages, "tools": _TOOLS, **body})
    assert reply is not None
    return reply


def test_first_question_calls_the_weather_tool_per_city_in_parallel() -> None:
    reply = _reply(_first_turn()[:2])

    assert [(c.name, json.loads(c.arguments)) for c in reply.calls] == [
        ("get_weather", {"city": "Hangzhou"}),
        ("get_weather", {"city": "Paris"}),
    ]
    assert reply.reasoning and "get_weather" in reply.reasoning
    assert reply.usage is not None
    assert reply.usage.cached_tokens == 0  # nothing was sent before


def test_the_answer_is_written_from_the_tool_results_sent_back() -> None:
    reply = _reply(_first_turn())

    assert not reply.calls
    assert reply.content == (
        "Right now it's 27°C, humid, light rain from 15:00 in Hangzhou and 18°C, overcast, dry "
        "in Paris. Take an umbrella in Hangzhou this afternoon."
    )
    usage = reply.usage
    assert usage is not None
    assert 0 < usage.cached_tokens < usage.prompt_tokens
    assert usage.cached_tokens % 64 == 0
    assert usage.reasoning_tokens is not None
    assert 0 < usage.reasoning_tokens < usage.completion_tokens


def test_second_turn_reuses_the_weather_from_the_history() -> None:
    history = [*_first_turn(), {"role": "assistant", "content": "It rains in Hangzhou."}]
    reply = _reply([*history, {"role": "user", "content": AGENT_TURNS[1]}])

    assert [(c.name, json.loads(c.arguments)) for c in reply.calls] == [
        ("convert_currency", {"amount": 500.0, "from_currency": "EUR", "to_currency": "CNY"}),
    ]
    assert reply.reasoning and "light rain" in reply.reasoning


def test_second_turn_alone_also_asks_for_the_weather() -> None:
    reply = _reply([{"role": "user", "content": AGENT_TURNS[1]}])

    assert [c.name for c in reply.calls] == ["convert_currency", "get_weather"]


def test_docs_answer_depends_on_the_retrieved_context() -> None:
    prompt = "Context information is below.\n{}\nQuery: " + DOCS_QUESTION
    found = answer({"messages": [{"role": "user", "content": prompt.format("reasoning_passback")}]})
    missing = answer({"messages": [{"role": "user", "content": prompt.format("nothing here")}]})

    assert found is not None and "`auto`" in found.content and "`never`" in found.content
    assert missing is not None and "do not cover" in missing.content


def test_other_requests_fall_through_to_the_emulator() -> None:
    assert answer({"messages": [{"role": "user", "content": "hello"}]}) is None
    assert demo_responder()({"messages": [{"role": "user", "content": "hello"}]}) is None


def test_pace_slows_the_stream_down() -> None:
    paced = demo_responder(pace=0.01)({"messages": _first_turn()[:2], "tools": _TOOLS})

    assert isinstance(paced, Fault)
    assert paced.chunk_delay == 0.01
    assert paced.reply is not None and len(paced.reply.calls) == 2
