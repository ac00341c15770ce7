"""Each DeepSeek request check, answered with DeepSeek's own error bodies."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from deepseek_ext_emulator import Emulator, Reply

from .emu_ref import chat, client

REQUEST_ID = re.compile(r"\(request_id: [0-9a-f-]{36}\)$")
TOOLS: list[dict[str, Any]] = [
    {"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}
]


@pytest.fixture
def http(deepseek_emulator: Emulator) -> Iterator[httpx.Client]:
    with client(deepseek_emulator.base_url) as c:
        yield c


def _error(response: httpx.Response, status: int) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert list(body["error"]) == ["message", "type", "param", "code"]
    assert body["error"]["param"] is None
    assert body["error"]["code"] == "invalid_request_error"
    return str(body["error"]["message"])


def _tool_turn(
    *, reasoning: Any = "thought", answered: tuple[str, ...] = ("call_a",)
) -> list[dict[str, Any]]:
    assistant: dict[str, Any] = {
        "role": "assistant",
        "content": "",
        "tool_calls": [
            {
                "id": "call_a",
                "type": "function",
                "function": {"name": "get_weather", "arguments": "{}"},
            }
        ],
    }
    if reasoning is not ...:
        assistant["reasoning_content"] = reasoning
    tools = [{"role": "tool", "tool_call_id": cid, "content": "sunny"} for cid in answered]
    return [{"role": "user", "content": "weather?"}, assistant, *tools]


# -- 401 ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "suffix"),
    [
        ({}, ""),
        ({"Authorization": "Bearer sk-wrong-abcd"}, "abcd"),
        ({"Authorization": "Basic x"}, "ic x"),
    ],
)
def test_bad_or_missing_key_is_401_with_last_four_chars(
    deepseek_emulator: Emulator, headers: dict[str, str], suffix: str
) -> None:
    response = httpx.post(
        f"{deepseek_emulator.base_url}/chat/completions", json=chat(), headers=headers
    )
    assert _error(response, 401) == f"Authentication Fails, Your api key: ****{suffix} is invalid"
    assert response.json()["error"]["type"] == "authentication_error"
    assert response.headers["content-type"] == "application/json"


def test_api_key_none_accepts_any_bearer_but_not_none() -> None:
    with Emulator(api_key=None) as emu:
        ok = httpx.post(
            f"{emu.base_url}/chat/completions", json=chat(), headers={"Authorization": "Bearer x"}
        )
        missing = httpx.post(f"{emu.base_url}/chat/completions", json=chat())
    assert ok.status_code == 200
    assert missing.status_code == 401


def test_recorded_requests_never_hold_the_key(
    deepseek_emulator: Emulator, http: httpx.Client
) -> None:
    http.post("/chat/completions?x=1", json=chat(), headers={"X-Extra": "1"})
    recorded = deepseek_emulator.last_request
    assert recorded.headers["authorization"] == "<redacted>"
    assert "test-key" not in repr(deepseek_emulator.requests)
    assert (recorded.method, recorded.path, recorded.query) == ("POST", "/chat/completions", "x=1")
    assert recorded.headers["x-extra"] == "1"
    assert recorded.body == chat()


# -- 400 ---------------------------------------------------------------------------------


def test_unknown_model(http: httpx.Client) -> None:
    message = _error(http.post("/chat/completions", json=chat("gpt-4o")), 400)
    assert message == (
        "The supported API model names are deepseek-flash, deepseek-v4-pro, but you passed gpt-4o."
    )


def test_400_bodies_are_octet_stream_like_2026(http: httpx.Client) -> None:
    response = http.post("/chat/completions", json=chat("nope"))
    assert response.headers["content-type"] == "application/octet-stream"


@pytest.mark.parametrize("value", [0, -1, 393217, "100", True, 1.5])
def test_max_tokens_out_of_range(http: httpx.Client, value: Any) -> None:
    message = _error(http.post("/chat/completions", json=chat(max_tokens=value)), 400)
    assert message == "Invalid max_tokens value, the valid range of max_tokens is [1, 393216]"


@pytest.mark.parametrize("value", [1, 393216, None])
def test_max_tokens_in_range(http: httpx.Client, value: Any) -> None:
    assert http.post("/chat/completions", json=chat(max_tokens=value)).status_code == 200


def test_missing_reasoning_content_with_tools_in_thinking_mode(http: httpx.Client) -> None:
    body = {"model": "deepseek-v4-pro", "messages": _tool_turn(reasoning=...), "tools": TOOLS}
    message = _error(http.post("/chat/completions", json=body), 400)
    assert message.startswith(
        "The `reasoning_content` in the thinking mode must be passed back to the API."
    )
    assert REQUEST_ID.search(message)
    body["messages"] = _tool_turn(reasoning=None)
    assert http.post("/chat/completions", json=body).status_code == 400


@pytest.mark.parametrize(
    "change",
    [
        {"messages": _tool_turn(reasoning="")},  # "" passes, as pydantic-ai's replay shows
        {"messages": _tool_turn(reasoning=...), "tools": None},  # no tools: not required
        {"messages": _tool_turn(reasoning=...), "thinking": {"type": "disabled"}},
        {"messages": _tool_turn(reasoning=...), "model": "deepseek-chat"},
    ],
)
def test_reasoning_content_rule_does_not_over_trigger(
    http: httpx.Client, change: dict[str, Any]
) -> None:
    body = {"model": "deepseek-v4-pro", "messages": _tool_turn(), "tools": TOOLS, **change}
    assert http.post("/chat/completions", json=body).status_code == 200


def test_insufficient_tool_messages(http: httpx.Client) -> None:
    messages = _tool_turn(answered=())
    body = {"model": "deepseek-chat", "messages": messages, "tools": TOOLS}
    assert _error(http.post("/chat/completions", json=body), 400) == (
        "insufficient tool messages following tool_calls message"
    )
    # a user message between the call and its answer breaks the protocol too
    messages = _tool_turn()
    messages.insert(2, {"role": "user", "content": "hurry"})
    body["messages"] = messages
    assert http.post("/chat/completions", json=body).status_code == 400


def test_two_calls_need_two_tool_messages(http: httpx.Client) -> None:
    messages = _tool_turn()
    messages[1]["tool_calls"].append(
        {"id": "call_b", "type": "function", "function": {"name": "get_weather", "arguments": "{}"}}
    )
    body = {"model": "deepseek-chat", "messages": messages, "tools": TOOLS}
    assert http.post("/chat/completions", json=body).status_code == 400
    messages.append({"role": "tool", "tool_call_id": "call_b", "content": "rainy"})
    assert http.post("/chat/completions", json=body).status_code == 200


def test_assistant_without_content_or_tool_calls(http: httpx.Client) -> None:
    messages: list[dict[str, Any]] = [
        {"role": "user", "content": "a"},
        {"role": "assistant", "content": None},
        {"role": "user", "content": "b"},
    ]
    message = _error(
        http.post("/chat/completions", json={"model": "deepseek-chat", "messages": messages}), 400
    )
    assert message == "content or tool_calls must be set"
    messages[1]["content"] = ""
    assert (
        http.post(
            "/chat/completions", json={"model": "deepseek-chat", "messages": messages}
        ).status_code
        == 200
    )


@pytest.mark.parametrize(
    "tool_choice", ["required", {"type": "function", "function": {"name": "get_weather"}}]
)
def test_forced_tool_choice_in_thinking_mode(http: httpx.Client, tool_choice: Any) -> None:
    body = chat("deepseek-flash", tools=TOOLS, tool_choice=tool_choice)
    assert _error(http.post("/chat/completions", json=body), 400) == (
        "Thinking mode does not support this tool_choice"
    )
    body["thinking"] = {"type": "disabled"}
    assert http.post("/chat/completions", json=body).status_code == 200
    body.update(thinking={"type": "enabled"}, tool_choice="auto")
    assert http.post("/chat/completions", json=body).status_code == 200


def test_logprobs_in_thinking_mode(http: httpx.Client) -> None:
    assert _error(
        http.post("/chat/completions", json=chat("deepseek-reasoner", logprobs=True)), 400
    )
    ok = http.post("/chat/completions", json=chat("deepseek-chat", logprobs=True))
    assert ok.json()["choices"][0]["logprobs"]["content"]


def test_prefix_needs_beta_and_last_position(
    deepseek_emulator: Emulator, http: httpx.Client
) -> None:
    prefix = {"role": "assistant", "content": "```python\n", "prefix": True}
    last = {"model": "deepseek-chat", "messages": [{"role": "user", "content": "sort"}, prefix]}
    message = _error(http.post("/chat/completions", json=last), 400)
    assert message.startswith("prefix is only available when using beta api")
    not_last = {
        "model": "deepseek-chat",
        "messages": [{"role": "user", "content": "a"}, prefix, {"role": "user", "content": "b"}],
    }
    assert http.post("/beta/chat/completions", json=not_last).status_code == 400
    deepseek_emulator.push(Reply.text("def sort(): ..."))
    ok = http.post("/beta/chat/completions", json=last)
    assert ok.json()["choices"][0]["message"]["content"] == "def sort(): ..."


def test_strict_tools_need_beta(http: httpx.Client) -> None:
    strict = [{"type": "function", "function": {**TOOLS[0]["function"], "strict": True}}]
    body = chat("deepseek-chat", tools=strict)
    assert "beta" in _error(http.post("/chat/completions", json=body), 400)
    assert http.post("/v1/chat/completions", json=body).status_code == 400
    assert http.post("/beta/chat/completions", json=body).status_code == 200


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        (b"{not json", "Failed to parse the request body as JSON"),
        (b'{"model": "deepseek-chat"}', "missing field `messages`"),
        (b'{"messages": [{"role": "user", "content": "x"}]}', "missing field `model`"),
        (
            b'{"model": "deepseek-chat", "messages": [{"role": "developer", "content": "x"}]}',
            "unknown variant `developer`",
        ),
        (
            b'{"model": "deepseek-chat", "messages": [{"role": "tool", "content": "x"}]}',
            "missing field `tool_call_id`",
        ),
        (
            b'{"model": "deepseek-chat", "messages": '
            b'[{"role": "system", "content": [{"type": "text"}]}]}',
            "invalid type: sequence, expected a string",
        ),
    ],
)
def test_malformed_bodies(http: httpx.Client, raw: bytes, fragment: str) -> None:
    response = http.post(
        "/chat/completions", content=raw, headers={"Content-Type": "application/json"}
    )
    assert fragment in _error(response, 400)


# -- 402, routes, modes ----------------------------------------------------------------------


def test_insufficient_balance_and_balance_endpoint(
    deepseek_emulator: Emulator, http: httpx.Client
) -> None:
    assert http.get("/user/balance").json()["is_available"] is True
    deepseek_emulator.balance_exhausted = True
    response = http.post("/chat/completions", json=chat())
    assert _error(response, 402) == "Insufficient Balance"
    assert response.json()["error"]["type"] == "unknown_error"
    assert http.get("/user/balance").json()["is_available"] is False
    assert (
        http.post("/beta/completions", json={"model": "deepseek-chat", "prompt": "x"}).status_code
        == 402
    )


def test_rejected_requests_do_not_consume_the_script(
    deepseek_emulator: Emulator, http: httpx.Client
) -> None:
    deepseek_emulator.push(Reply.text("scripted"))
    assert http.post("/chat/completions", json=chat("bad-model")).status_code == 400
    assert deepseek_emulator.pending == 1
    answer = http.post("/chat/completions", json=chat()).json()
    assert answer["choices"][0]["message"]["content"] == "scripted"


def test_validate_false_accepts_anything_json(
    deepseek_emulator: Emulator, http: httpx.Client
) -> None:
    deepseek_emulator.validate = False
    body = chat("my-proxy-model", max_tokens=10**9)
    assert http.post("/chat/completions", json=body).json()["model"] == "my-proxy-model"


def test_unknown_path_and_wrong_method(http: httpx.Client) -> None:
    assert http.post("/completions", json={}).status_code == 404  # FIM is /beta only
    assert http.get("/chat/completions").status_code == 405
    assert http.post("/models").status_code == 405


@pytest.mark.parametrize(
    ("model", "thinking", "served", "has_reasoning"),
    [
        ("deepseek-chat", None, "deepseek-flash", False),
        ("deepseek-reasoner", None, "deepseek-flash", True),
        ("deepseek-flash", None, "deepseek-flash", True),
        ("deepseek-v4-flash", None, "deepseek-flash", True),
        ("deepseek-v4-pro", None, "deepseek-v4-pro", True),
        ("deepseek-v4-pro", "disabled", "deepseek-v4-pro", False),
        ("deepseek-chat", "enabled", "deepseek-flash", True),
    ],
)
def test_thinking_defaults_and_switch(
    http: httpx.Client, model: str, thinking: str | None, served: str, has_reasoning: bool
) -> None:
    body = chat(model) if thinking is None else chat(model, thinking={"type": thinking})
    answer = http.post("/chat/completions", json=body).json()
    assert answer["model"] == served
    assert ("reasoning_content" in answer["choices"][0]["message"]) is has_reasoning
    assert ("completion_tokens_details" in answer["usage"]) is has_reasoning
