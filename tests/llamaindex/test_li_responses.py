"""`DeepSeekResponses`: every LlamaIndex call through DeepSeek's `/responses`, with the
answers `DeepSeek` gives (reasoning, tool calls, usage), and a FunctionAgent in thinking mode."""

from __future__ import annotations

import pytest
from llama_index.core.agent.workflow import FunctionAgent
from llama_index.core.base.llms.types import ChatMessage, ThinkingBlock
from llama_index.core.tools import FunctionTool

from deepseek_ext_emulator import Reply
from llamaindex_deepseek_ext import DeepSeekResponses

from .li_support import API_KEY, Emu


def _llm(emu: Emu, **kwargs: object) -> DeepSeekResponses:
    return DeepSeekResponses(api_key=API_KEY, api_base=emu.base_url, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("mode", ["chat", "achat", "stream", "astream", "complete"])
async def test_calls_go_to_responses_and_read_like_deepseek(emu: Emu, mode: str) -> None:
    emu.script(Reply.text("Paris.", reasoning="The capital of France."))
    llm = _llm(emu, model="deepseek-v4-pro", max_tokens=200)
    messages = [ChatMessage(role="user", content="Capital of France?")]
    if mode == "chat":
        response = llm.chat(messages)
    elif mode == "achat":
        response = await llm.achat(messages)
    elif mode == "stream":
        response = list(llm.stream_chat(messages))[-1]
    elif mode == "astream":
        response = [r async for r in await llm.astream_chat(messages)][-1]
    else:
        completion = llm.complete("Capital of France?")
        assert completion.text == "Paris."
        response = None
    if response is not None:
        assert response.message.content == "Paris."
        thinking = [b for b in response.message.blocks if isinstance(b, ThinkingBlock)]
        assert thinking and thinking[0].content == "The capital of France."
        assert response.additional_kwargs["total_tokens"] > 0
    request = emu.emulator.last_request
    assert request.path == "/responses"
    assert request.body["max_output_tokens"] == 200
    assert llm.class_name() == "DeepSeekResponses"


async def test_a_function_agent_in_thinking_mode_over_three_rounds(emu: Emu) -> None:
    def get_weather(city: str) -> str:
        """The weather in a city."""
        return f"sunny in {city}"

    for city in ("Paris", "Rome", "Oslo"):
        emu.script(Reply.tool_calls([("get_weather", {"city": city})], reasoning=f"Now {city}."))
    emu.script(Reply.text("Sunny everywhere.", reasoning="All three are sunny."))
    agent = FunctionAgent(
        tools=[FunctionTool.from_defaults(get_weather)], llm=_llm(emu, model="deepseek-v4-pro")
    )

    answer = await agent.run("Weather in Paris, Rome and Oslo?")

    assert str(answer) == "Sunny everywhere."
    items = emu.emulator.last_request.body["input"]
    kinds = [item["type"] for item in items]
    assert kinds.count("reasoning") == 3 and kinds.count("function_call_output") == 3
    outputs = [item["output"] for item in items if item["type"] == "function_call_output"]
    assert outputs == ["sunny in Paris", "sunny in Rome", "sunny in Oslo"]


@pytest.mark.parametrize("mode", ["chat", "stream"])
def test_a_web_search_turn_goes_back_with_its_searches(emu: Emu, mode: str) -> None:
    from ..reference_traffic import web_search_answer

    emu.script(web_search_answer(stream=mode == "stream"))
    llm = _llm(emu, model="deepseek-v4-flash", built_in_tools=[{"type": "web_search"}])
    question = ChatMessage(role="user", content="Latest stable Ruby?")
    if mode == "chat":
        answer = llm.chat([question]).message
    else:
        answer = list(llm.stream_chat([question]))[-1].message
    assert "4.0.6" in str(answer.content)
    # What a chat store does to the history: the message as JSON and back.
    stored = ChatMessage.model_validate_json(answer.model_dump_json())

    llm.chat([question, stored, ChatMessage(role="user", content="And the one before it?")])

    assert emu.bodies[0]["tools"] == [{"type": "web_search"}]
    sent = emu.bodies[-1]["input"]
    searches = [i for i in sent if i["type"] == "web_search_call"]
    assert [s["action"]["type"] for s in searches] == ["search", "open_page", "open_page",
                                                       "open_page"]  # fmt: skip


def test_built_in_tools_are_server_tools(emu: Emu) -> None:
    with pytest.raises(ValueError, match="built_in_tools takes server tools by type"):
        _llm(emu, built_in_tools=[{"type": "function", "name": "f"}])
    emu.script(Reply.text("ok"))
    llm = _llm(emu, built_in_tools=[{"type": "web_search"}])
    llm.chat([ChatMessage(role="user", content="hi")])
    assert emu.bodies[-1]["tools"] == [{"type": "web_search"}]


def test_what_deepseek_ignores_is_refused_in_additional_kwargs_too(emu: Emu) -> None:
    from deepseek_ext_core import InvalidRequestError

    llm = _llm(emu, additional_kwargs={"previous_response_id": "resp_1"})
    with pytest.raises(InvalidRequestError, match="previous_response_id is not supported"):
        llm.chat([ChatMessage(role="user", content="hi")])
    assert emu.bodies == []
