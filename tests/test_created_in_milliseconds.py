"""A `created` in milliseconds (some gateways send it) is priced as now, never a crash after a
paid answer: the core's cost estimate, both adapters' calls."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from llama_index.core.llms import ChatMessage

from deepseek_ext_core import ChatRequest, DeepSeekClient, UserMessage, estimate_response_cost
from deepseek_ext_emulator import Emulator
from langchain_deepseek_ext import ChatDeepSeek
from llamaindex_deepseek_ext import DeepSeek

KEY = "test-key"


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    with Emulator(api_key=KEY) as emu:
        emu.clock = lambda: 1_796_000_000_000.0  # milliseconds
        yield emu


def test_the_core_prices_it_as_now(emulator: Emulator) -> None:
    with DeepSeekClient(api_key=KEY, base_url=emulator.base_url) as client:
        reply = client.chat(ChatRequest(model="deepseek-flash", messages=[UserMessage("hi")]))
    assert reply.created > 10**12
    cost = estimate_response_cost(reply)
    assert cost is not None and cost > 0


def test_both_adapters_answer_with_a_cost(emulator: Emulator) -> None:
    message = ChatDeepSeek(api_key=KEY, base_url=emulator.base_url).invoke("hi")
    assert message.response_metadata["estimated_cost"] > 0
    response = DeepSeek(api_key=KEY, api_base=emulator.base_url).chat(
        [ChatMessage(role="user", content="hi")]
    )
    assert response.additional_kwargs["estimated_cost_usd"] > 0
