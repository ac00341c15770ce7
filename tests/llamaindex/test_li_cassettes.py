"""The LlamaIndex flows replayed from cassettes (cassettes/llamaindex/test_li_cassettes/).

Cassettes match on the JSON request body, so a replay fails if the adapter sends anything else
than what was recorded: e.g. the FunctionAgent run only replays if reasoning_content is on every
tool-call turn. Re-record offline with
`pytest tests/llamaindex/test_li_cassettes.py --record-mode=rewrite --cassette-source=emulator`
(replies from each test's `emulator_script`), or live with a DEEPSEEK_API_KEY.
"""

from __future__ import annotations

from typing import Any

import pytest
from llama_index.core import Document, VectorStoreIndex
from llama_index.core.agent.workflow import FunctionAgent, ReActAgent
from llama_index.core.base.llms.types import ChatMessage, ThinkingBlock
from llama_index.core.base.response.schema import StreamingResponse
from llama_index.core.prompts import PromptTemplate
from llama_index.core.tools import FunctionTool
from pydantic import BaseModel

from deepseek_ext_emulator import Reply
from llamaindex_deepseek_ext import DeepSeek, DeepSeekFIM

from .test_li_agents import ROUNDS, TOOLS
from .test_li_rag import CORPUS, QUESTION, HashEmbedding

pytestmark = pytest.mark.vcr

HELLO = [ChatMessage(role="user", content="Say hello in one short sentence.")]


def _llm(**kwargs: Any) -> DeepSeek:
    return DeepSeek(model="deepseek-flash", max_tokens=2048, max_retries=0, **kwargs)


@pytest.mark.emulator_script(Reply.text("Hello there!", reasoning="A short greeting."))
def test_chat() -> None:
    response = _llm().chat(HELLO)
    assert response.message.content
    assert isinstance(response.message.blocks[0], ThinkingBlock)
    assert response.additional_kwargs["total_tokens"] > 0


@pytest.mark.emulator_script(Reply.text("Hello there!", reasoning="A short greeting."))
@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_stream_chat(mode: str) -> None:
    llm = _llm()
    if mode == "sync":
        responses = list(llm.stream_chat(HELLO))
    else:
        responses = [r async for r in await llm.astream_chat(HELLO)]
    assert "thinking_delta" in responses[0].additional_kwargs
    assert "".join(r.delta or "" for r in responses) == responses[-1].message.content
    assert responses[-1].additional_kwargs["total_tokens"] > 0


class City(BaseModel):
    """A city."""

    name: str
    population: int


PROMPT = PromptTemplate("Give me the largest city of {country} and its population.")


@pytest.mark.emulator_script(
    Reply.tool_calls([("City", {"name": "Tokyo", "population": 14000000})]),
    Reply.json({"name": "Tokyo", "population": 14000000}, reasoning="Japan's capital."),
)
async def test_structured_predict_both_modes() -> None:
    # The tools path (a forced tool; JSON mode in thinking mode), as recorded; the native
    # json_schema path on /responses is tested against the emulator (test_li_conformance).
    plain = _llm(structured_output="tools").structured_predict(City, PROMPT, country="Japan")
    thinking = await _llm(thinking="enabled", structured_output="tools").astructured_predict(
        City, PROMPT, country="Japan"
    )
    assert plain.name == thinking.name == "Tokyo"


@pytest.mark.emulator_script(
    *(Reply.tool_calls([(name, args)], reasoning=why) for name, args, why in ROUNDS),
    Reply.text("The result is 21.", reasoning="All steps done."),
)
async def test_function_agent_thinking_three_rounds() -> None:
    agent = FunctionAgent(tools=TOOLS, llm=_llm(thinking="enabled"), system_prompt="Use tools.")
    result = await agent.run(user_msg="Compute ((2+3)*4)+1 with the tools.")
    assert "21" in str(result)


@pytest.mark.emulator_script(
    Reply.text('Thought: I need to add.\nAction: add\nAction Input: {"a": 40, "b": 2}'),
    Reply.text("Thought: I can answer without using any more tools.\nAnswer: It is 42."),
)
async def test_react_agent() -> None:
    tools = [FunctionTool.from_defaults(fn=lambda a, b: a + b, name="add", description="a+b")]
    agent = ReActAgent(tools=tools, llm=_llm(thinking="disabled"), streaming=False)
    assert "42" in str(await agent.run(user_msg="What is 40 + 2?"))


@pytest.mark.emulator_script(
    Reply.text("It looks butterscotch."), Reply.text("It looks butterscotch.")
)
def test_rag_query_engines() -> None:
    index = VectorStoreIndex.from_documents(
        [Document(text=t) for t in CORPUS], embed_model=HashEmbedding(model_name="hash")
    )
    plain = index.as_query_engine(llm=_llm(), similarity_top_k=1).query(QUESTION)
    assert "butterscotch" in str(plain)
    streaming = index.as_query_engine(llm=_llm(), similarity_top_k=1, streaming=True)
    response = streaming.query(QUESTION)
    assert isinstance(response, StreamingResponse)
    tokens = list(response.response_gen)
    assert "butterscotch" in "".join(tokens)


@pytest.mark.emulator_script(Reply.fim("    return a + b"))
def test_fim() -> None:
    fim = DeepSeekFIM(max_tokens=64, max_retries=0)
    assert fim.complete("def add(a, b):\n", suffix="\n").text.strip() == "return a + b"
