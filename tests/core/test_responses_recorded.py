"""Every recorded /responses exchange of pydantic-ai's and ruby_llm's suites, read back.

Two checks per exchange: the recorded answer reads into the core's `Response` (streams through
`stream_responses`, the way a user meets them), and the emulator answers the recorded request
the way DeepSeek did (accepted, or refused with DeepSeek's own message). The vercel-ai
recordings are replayed in `test_responses.py`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from deepseek_ext_core import DeepSeekClient, UserMessage
from deepseek_ext_core.responses import Response, ResponsesRequest
from deepseek_ext_emulator import Emulator, Reply

from ..reference_traffic import load_interactions

KEY = "test-key"
CASSETTES = [
    "pydantic-ai/test_deepseek_responses[function_tool].yaml",
    "pydantic-ai/test_deepseek_responses[function_tool_stream].yaml",
    "pydantic-ai/test_deepseek_responses[reasoning_effort].yaml",
    "pydantic-ai/test_deepseek_responses[structured_output].yaml",
    "pydantic-ai/test_deepseek_responses[text].yaml",
    "pydantic-ai/test_deepseek_responses[text_multi_turn].yaml",
    "pydantic-ai/test_deepseek_responses[text_stream].yaml",
    "pydantic-ai/test_deepseek_responses_rejects_interleaved_function_calls.yaml",
    "pydantic-ai/test_deepseek_responses_replay_interleaved_settled_function_calls.yaml",
    "pydantic-ai/test_deepseek_responses_replay_own_reasoning_history.yaml",
    "pydantic-ai/test_deepseek_responses_replay_unsent_item_ids.yaml",
    "ruby_llm/chat_responses_protocol_dialects_with_deepseek_deepseek-v4-flash_chats_with_"
    "reasoning_text_on_the_opt-in_responses_protocol.yml",
    "ruby_llm/chat_responses_protocol_dialects_with_deepseek_deepseek-v4-flash_streams_"
    "reasoning_deltas.yml",
    "ruby_llm/chat_web_search_with_deepseek_deepseek-v4-flash_searches_server-side_and_records_"
    "the_search_turns.yml",
]


@dataclass(frozen=True)
class Exchange:
    """One recorded request to /responses and DeepSeek's answer."""

    name: str
    request: dict[str, Any]
    status: int
    answer: str | dict[str, Any]

    @property
    def streamed(self) -> bool:
        return bool(self.request.get("stream"))


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _exchanges() -> list[Exchange]:
    found = []
    for cassette in CASSETTES:
        for index, interaction in enumerate(load_interactions(cassette)):
            request, response = interaction["request"], interaction["response"]
            assert request["uri"].endswith("/responses"), cassette
            # pydantic-ai keeps JSON bodies as YAML maps (`parsed_body`), ruby_llm as strings.
            body = request.get("parsed_body") or _json(request["body"]["string"])
            answer = response.get("parsed_body") or response["body"]["string"]
            short = cassette.split("/", 1)[0] + ":" + cassette.rsplit("/", 1)[1][:60]
            found.append(Exchange(f"{short}#{index}", body, response["status"]["code"], answer))
    return found


EXCHANGES = _exchanges()
ANSWERED = [e for e in EXCHANGES if e.status == 200]


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    with Emulator(api_key=KEY) as emu:
        yield emu


def _streamed_answer(exchange: Exchange) -> tuple[Response, str, str]:
    """The recorded stream through `stream_responses`: final answer, streamed text, reasoning."""
    body = exchange.answer if isinstance(exchange.answer, str) else json.dumps(exchange.answer)

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, content=body.encode(), headers={"content-type": "text/event-stream"}
        )

    http = httpx.Client(transport=httpx.MockTransport(answer))
    client = DeepSeekClient(api_key=KEY, base_url="https://api.deepseek.com", http_client=http)
    request = ResponsesRequest(model="deepseek-flash", input="hi", stream=True)
    with client.stream_responses(request) as stream:
        events = list(stream)
    text = "".join(e.text for e in events)
    reasoning = "".join(e.reasoning for e in events)
    return stream.final_response(), text, reasoning


@pytest.mark.parametrize("exchange", ANSWERED, ids=lambda e: e.name)
def test_the_recorded_answer_reads_into_a_response(exchange: Exchange) -> None:
    if exchange.streamed:
        final, text, reasoning = _streamed_answer(exchange)
        assert final.output_text == text
        assert (final.reasoning_text or "") == reasoning
    else:
        final = Response.model_validate(_json(exchange.answer))
    assert final.status == "completed"
    # Every recorded answer says something: text, a call, or (a search turn) both.
    assert final.output_text or final.function_calls
    assert final.usage is not None and final.usage.prompt_tokens > 0
    message = final.to_message()
    assert [c.name for c in message.tool_calls] == [c["name"] for c in final.function_calls]


@pytest.mark.parametrize("exchange", EXCHANGES, ids=lambda e: e.name)
def test_the_emulator_answers_the_recorded_request_as_deepseek_did(
    emulator: Emulator, exchange: Exchange
) -> None:
    reply = httpx.post(
        f"{emulator.base_url}/responses",
        json=exchange.request,
        headers={"authorization": f"Bearer {KEY}"},
        timeout=30,
    )
    assert reply.status_code == exchange.status, reply.text
    if exchange.status != 200:
        recorded = _json(exchange.answer)["error"]["message"]
        assert reply.json()["error"]["message"] == recorded


def test_a_web_search_turn_goes_back_with_its_searches_in_order(emulator: Emulator) -> None:
    recorded = next(e for e in EXCHANGES if e.name.startswith("ruby_llm:chat_web_search"))
    emulator.push(Reply.raw_response(200, str(recorded.answer)))
    client = DeepSeekClient(api_key=KEY, base_url=emulator.base_url)
    question = UserMessage("What is the latest stable Ruby version?")
    tools = [{"type": "web_search"}]
    answer = client.responses(
        ResponsesRequest(model="deepseek-flash", input=[question], tools=tools)
    )
    turn = answer.to_message()
    assert turn.content and "4.0.6" in turn.content

    follow_up = [question, turn, UserMessage("And the one before it?")]
    client.responses(ResponsesRequest(model="deepseek-flash", input=follow_up, tools=tools))

    sent = emulator.last_request.body["input"]
    searches = [i for i in answer.output if i["type"] == "web_search_call"]
    assert [i for i in sent if i["type"] == "web_search_call"] == searches  # as they came
    # Reasoning, searches and commentary keep the order DeepSeek gave them.
    kinds = [i["type"] for i in answer.output]
    assert [i["type"] for i in sent[1:-1]] == kinds
    assert sent[-1]["content"] == "And the one before it?"


def test_a_chat_turns_own_fields_are_refused_by_name_not_dropped() -> None:
    from deepseek_ext_core import AssistantMessage, InvalidConversationError
    from deepseek_ext_core.responses import prepare_responses_request

    turn = AssistantMessage(content="Paris.", extra_fields={"citations": [{"url": "https://x"}]})
    history = [UserMessage("Capital?"), turn, UserMessage("Sure?")]
    with pytest.raises(InvalidConversationError, match=r"\['citations'\]"):
        prepare_responses_request(ResponsesRequest(model="deepseek-flash", input=history))


def test_a_server_tool_turn_is_refused_by_name_on_chat_completions() -> None:
    from deepseek_ext_core import ChatRequest, InvalidConversationError, Response
    from deepseek_ext_core.integration import prepare_chat_request

    recorded = next(e for e in EXCHANGES if e.name.startswith("ruby_llm:chat_web_search"))
    turn = Response.model_validate_json(str(recorded.answer)).to_message()
    history = [UserMessage("Latest Ruby?"), turn, UserMessage("And before it?")]
    with pytest.raises(InvalidConversationError, match="send this history through /responses"):
        prepare_chat_request(ChatRequest(model="deepseek-flash", messages=history))
