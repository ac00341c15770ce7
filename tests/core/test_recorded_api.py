"""The core client against recorded DeepSeek traffic (cassettes/core/test_recorded_api/).

Where a real recording exists in tests/data/reference-traffic, the cassette's response is those
exact bytes (see tests/reference_traffic.py); FIM, prefix completion, /models, /user/balance and
402 were never recorded publicly, so their cassettes come from the emulator. Re-record live with
`DEEPSEEK_API_KEY=... pytest tests/core/test_recorded_api.py --record-mode=rewrite`.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from deepseek_ext_core import (
    AssistantMessage,
    AuthenticationError,
    ChatRequest,
    ContextLengthExceededError,
    DeepSeekClient,
    FIMRequest,
    InsufficientBalanceError,
    ResponseFormat,
    Tool,
    ToolFunction,
    UserMessage,
)
from deepseek_ext_emulator import Reply

from ..reference_traffic import recorded_reply

pytestmark = pytest.mark.vcr

RUBY = "ruby_llm/chat_"
DS_CHAT = "deepseek_deepseek-chat_"
WEATHER = Tool(
    function=ToolFunction(
        name="weather",
        description="Gets current weather for a location",
        parameters={
            "type": "object",
            "properties": {
                "latitude": {"type": "string", "description": "Latitude (e.g., 52.5200)"},
                "longitude": {"type": "string", "description": "Longitude (e.g., 13.4050)"},
            },
            "required": ["latitude", "longitude"],
            "additionalProperties": False,
        },
    )
)
LANGUAGE = Tool(
    function=ToolFunction(
        name="best_language_to_learn",
        description="Gets the best language to learn",
        parameters={"type": "object", "properties": {}, "required": []},
    )
)


@pytest.fixture
def client() -> DeepSeekClient:
    return DeepSeekClient(max_retries=0)


@pytest.mark.emulator_script(
    recorded_reply(
        RUBY + "basic_chat_functionality_" + DS_CHAT + "can_have_a_basic_conversation.yml"
    )
)
def test_plain_chat(client: DeepSeekClient) -> None:
    reply = client.chat(ChatRequest(model="deepseek-chat", messages=[UserMessage("What's 2 + 2?")]))
    assert "4" in (reply.message.content or "")
    assert reply.message.reasoning_content is None  # non-thinking mode sends no reasoning key
    assert reply.finish_reason == "stop"
    assert reply.usage is not None
    assert reply.usage.prompt_tokens == reply.usage.cache_hit_tokens + reply.usage.cache_miss_tokens
    assert reply.usage.completion_tokens_details is None
    assert reply.request_id and len(reply.request_id) == 32


@pytest.mark.emulator_script(
    recorded_reply(RUBY + "streaming_responses_" + DS_CHAT + "supports_streaming_responses.yml")
)
def test_streaming_chat(client: DeepSeekClient) -> None:
    request = ChatRequest(model="deepseek-chat", messages=[UserMessage("Count from 1 to 3")])
    with client.stream_chat(request) as stream:
        chunks = list(stream)
        final = stream.completion()
    assert len(chunks) > 3
    assert len({chunk.id for chunk in chunks}) == 1
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert final.message.content == text
    assert all(n in text for n in "123")
    assert final.usage is not None and final.usage.total_tokens > 0
    assert final.finish_reason == "stop"


@pytest.mark.emulator_script(
    recorded_reply(RUBY + "deepseek_thinking_control_returns_reasoning_content_for_effort_high.yml")
)
def test_thinking_with_reasoning(client: DeepSeekClient) -> None:
    request = ChatRequest(
        model="deepseek-v4-flash",
        messages=[UserMessage("What is 2 + 2? Answer with just the number.")],
        thinking="enabled",
        reasoning_effort="high",
    )
    reply = client.chat(request)
    assert reply.message.content == "4"
    assert reply.message.reasoning_content
    assert reply.usage is not None and reply.usage.reasoning_tokens > 0
    stored = reply.message.to_message()
    assert stored.reasoning_content == reply.message.reasoning_content


@pytest.mark.emulator_script(
    Reply.text(
        "Hello! How can I help you today?",
        reasoning="The user greets me. I should greet back and offer help.",
        chunks=6,
        reasoning_chunks=8,
    )
)
def test_thinking_stream_keeps_reasoning_apart(client: DeepSeekClient) -> None:
    request = ChatRequest(model="deepseek-flash", messages=[UserMessage("Hello")])
    with client.stream_chat(request) as stream:
        chunks = list(stream)
        final = stream.completion()
    first = chunks[0].choices[0].delta
    assert first.reasoning_content == "" and first.content is None
    reasoning = "".join(c.choices[0].delta.reasoning_content or "" for c in chunks if c.choices)
    assert final.message.reasoning_content == reasoning and reasoning
    assert final.message.content
    assert final.usage is not None and final.usage.reasoning_tokens > 0


@pytest.mark.emulator_script(
    recorded_reply(RUBY + "function_calling_" + DS_CHAT + "can_use_parallel_tool_calls.yml")
)
def test_parallel_tool_calls(client: DeepSeekClient) -> None:
    request = ChatRequest(
        model="deepseek-chat",
        messages=[
            UserMessage(
                "What's the weather in Berlin (52.5200, 13.4050) and "
                "what's the best language to learn?"
            )
        ],
        tools=[WEATHER, LANGUAGE],
    )
    reply = client.chat(request)
    calls = reply.message.tool_calls or []
    assert reply.finish_reason == "tool_calls"
    assert {call.function.name for call in calls} == {"weather", "best_language_to_learn"}
    weather = next(c for c in calls if c.function.name == "weather")
    assert set(json.loads(weather.function.arguments)) == {"latitude", "longitude"}
    assert all(call.id.startswith("call_") for call in calls)


@pytest.mark.emulator_script(
    recorded_reply(
        RUBY
        + "function_calling_"
        + DS_CHAT
        + "can_use_tools_with_multi-turn_streaming_conversations.yml"
    )
)
def test_streamed_tool_call(client: DeepSeekClient) -> None:
    request = ChatRequest(
        model="deepseek-chat",
        messages=[UserMessage("What's the weather in Berlin? (52.5200, 13.4050)")],
        tools=[WEATHER],
    )
    with client.stream_chat(request) as stream:
        for _ in stream:
            pass
        final = stream.completion()
    (call,) = final.message.tool_calls or []
    assert call.function.name == "weather"
    assert json.loads(call.function.arguments) == {"latitude": "52.5200", "longitude": "13.4050"}
    assert final.finish_reason == "tool_calls"


@pytest.mark.emulator_script(
    recorded_reply(RUBY + "with_params_" + DS_CHAT + "supports_response_format_param.yml")
)
def test_json_mode(client: DeepSeekClient) -> None:
    request = ChatRequest(
        model="deepseek-chat",
        messages=[
            UserMessage(
                "What is the square root of 64? Answer with a JSON object with the key `result`."
            )
        ],
        response_format=ResponseFormat(type="json_object"),
    )
    reply = client.chat(request)
    assert json.loads(reply.message.content or "") == {"result": 8}


@pytest.mark.emulator_script(Reply.fim("    return a + b\n", chunks=3))
def test_fim_completion(client: DeepSeekClient) -> None:
    request = FIMRequest(
        model="deepseek-flash", prompt="def add(a, b):\n", suffix="\n", max_tokens=64
    )
    reply = client.fim(request)
    assert reply.object == "text_completion"
    assert "return" in reply.text
    assert reply.usage is not None and reply.usage.completion_tokens > 0


@pytest.mark.emulator_script(Reply.fim("    return a + b\n", chunks=3))
def test_fim_stream(client: DeepSeekClient) -> None:
    request = FIMRequest(
        model="deepseek-flash", prompt="def add(a, b):\n", suffix="\n", max_tokens=64
    )
    with client.stream_fim(request) as stream:
        pieces = [event.text for event in stream]
    assert len(pieces) >= 2
    assert "return" in "".join(pieces)


@pytest.mark.emulator_script(Reply.text("def quick_sort(items):\n    ...\n", chunks=2))
def test_chat_prefix_completion_goes_to_beta(client: DeepSeekClient) -> None:
    request = ChatRequest(
        model="deepseek-chat",
        messages=[
            UserMessage("Please write quick sort code"),
            AssistantMessage(content="```python\n", prefix=True),
        ],
        stop=["```"],
    )
    reply = client.chat(request)
    assert "quick_sort" in (reply.message.content or "")


def test_list_models(client: DeepSeekClient) -> None:
    models = client.list_models()
    ids = {model.id for model in models.data}
    assert {"deepseek-flash", "deepseek-v4-pro"} <= ids


def test_balance(client: DeepSeekClient) -> None:
    balance = client.get_balance()
    assert balance.balance_infos
    info = balance.balance_infos[0]
    assert isinstance(info.total_balance, Decimal)
    assert info.total_balance == info.granted_balance + info.topped_up_balance


@pytest.mark.emulator_script(
    recorded_reply(RUBY + "error_handling_with_" + DS_CHAT + "raises_appropriate_auth_error.yml")
)
def test_wrong_key_is_authentication_error(client: DeepSeekClient) -> None:
    with pytest.raises(AuthenticationError) as raised:
        client.chat(ChatRequest(model="deepseek-chat", messages=[UserMessage("Hello")]))
    assert raised.value.status_code == 401
    assert raised.value.error_type == "authentication_error"


@pytest.mark.emulator_script(Reply.insufficient_balance())
def test_empty_balance_is_402(client: DeepSeekClient) -> None:
    with pytest.raises(InsufficientBalanceError) as raised:
        client.chat(ChatRequest(model="deepseek-flash", messages=[UserMessage("Hello")]))
    assert raised.value.status_code == 402
    assert "Insufficient Balance" in raised.value.message


@pytest.mark.emulator_script(
    recorded_reply(
        RUBY + "real_error_scenarios_" + DS_CHAT + "handles_context_length_exceeded_errors.yml"
    )
)
def test_context_length_exceeded(client: DeepSeekClient) -> None:
    history = [
        UserMessage("<MASSIVE_TEXT>") if i % 2 == 0 else AssistantMessage("<MASSIVE_TEXT>")
        for i in range(10)
    ]
    with pytest.raises(ContextLengthExceededError) as raised:
        client.chat(ChatRequest(model="deepseek-chat", messages=[*history, UserMessage("Hi")]))
    assert raised.value.status_code == 400
    assert "maximum context length" in raised.value.message
