"""DeepSeek's web Search and Fetch as LlamaIndex parts, against the emulator: the tool spec in
a thinking-mode FunctionAgent, the retriever in a query engine, the reader in an index."""

from __future__ import annotations

from typing import Any

import pytest
from llama_index.core import VectorStoreIndex
from llama_index.core.agent.workflow import FunctionAgent
from llama_index.core.query_engine import RetrieverQueryEngine

from deepseek_ext_core import InvalidRequestError, RateLimitError
from deepseek_ext_emulator import Fault, Reply

from .li_support import API_KEY, Emu
from .test_li_rag import HashEmbedding


def _options(emu: Emu) -> dict[str, Any]:
    return {"api_key": API_KEY, "api_base": emu.base_url, "max_retries": 0}


async def test_a_thinking_function_agent_searches_fetches_and_answers(emu: Emu) -> None:
    from llamaindex_deepseek_ext.web import DeepSeekToolSpec

    emu.script(
        Reply.tool_calls([("search", {"query": "paris weather"})], reasoning="Search first."),
        Reply.tool_calls(
            [("fetch", {"url": "https://example.com/paris/weather"})], reasoning="Read it."
        ),
        Reply.text("Sunny, 21 degrees.", reasoning="The page says sunny."),
    )
    tools = DeepSeekToolSpec(**_options(emu)).to_tool_list()
    agent = FunctionAgent(tools=tools, llm=emu.llm(thinking="enabled"))
    result = await agent.run(user_msg="Weather in Paris?")
    assert str(result).strip() == "Sunny, 21 degrees."
    chats = [r for r in emu.emulator.requests if r.path.endswith("/chat/completions")]
    assert len(chats) == 3
    last = chats[-1].body["messages"]
    assert [m["reasoning_content"] for m in last if m["role"] == "assistant"] == [
        "Search first.",
        "Read it.",
    ]
    results = [m["content"] for m in last if m["role"] == "tool"]
    assert "https://example.com/paris/weather" in results[0]
    assert results[1].startswith("# Paris weather")


async def test_the_tool_spec_is_async_too_and_errors_are_typed(emu: Emu) -> None:
    from llamaindex_deepseek_ext.web import DeepSeekToolSpec

    spec = DeepSeekToolSpec(**_options(emu))
    found = await spec.asearch("off-peak prices", count=1)
    assert str(found).startswith("[1] DeepSeek off-peak")  # what the model reads
    assert found.results[0].url == "https://example.com/deepseek/off-peak"  # typed, to cite
    assert (await spec.afetch("https://example.com/nowhere")).startswith("Nothing could be read")
    emu.script(Fault.status(429, retry_after=0))
    with pytest.raises(RateLimitError):
        spec.search("off-peak prices")


def test_a_query_engine_answers_from_the_search_retriever(emu: Emu) -> None:
    from llamaindex_deepseek_ext.web import DeepSeekSearchRetriever

    retriever = DeepSeekSearchRetriever(k=2, need_content=True, **_options(emu))
    nodes = retriever.retrieve("off-peak prices")
    assert nodes[0].node.metadata["url"] == "https://example.com/deepseek/off-peak"
    assert nodes[0].score is not None and 0 < nodes[0].score <= 3
    emu.script(Reply.text("Half price outside peak hours."))
    engine = RetrieverQueryEngine.from_args(retriever, llm=emu.llm())
    assert str(engine.query("off-peak prices")) == "Half price outside peak hours."
    prompt = "\n".join(str(m["content"]) for m in emu.bodies[-1]["messages"])
    assert "01:00-04:00" in prompt


def test_an_index_built_from_fetched_pages_answers(emu: Emu) -> None:
    from llamaindex_deepseek_ext.web import DeepSeekWebReader

    urls = ["https://example.com/rag/basics", "https://example.com/paris/weather"]
    documents = DeepSeekWebReader(**_options(emu)).load_data(urls)
    assert [d.metadata["url"] for d in documents] == urls
    assert [d.id_ for d in documents] == urls
    index = VectorStoreIndex.from_documents(documents, embed_model=HashEmbedding(model_name="h"))
    emu.script(Reply.text("Sunny."))
    answer = index.as_query_engine(llm=emu.llm(), similarity_top_k=1).query("Paris weather?")
    assert str(answer) == "Sunny."
    assert "Sunny in Paris" in "\n".join(str(m["content"]) for m in emu.bodies[-1]["messages"])


async def test_the_reader_loads_async(emu: Emu) -> None:
    from llamaindex_deepseek_ext.web import DeepSeekWebReader

    documents = await DeepSeekWebReader(**_options(emu)).aload_data(
        ["https://example.com/rag/basics"]
    )
    assert documents[0].text.startswith("# RAG basics")


def test_bad_input_is_refused_before_sending(emu: Emu) -> None:
    from llamaindex_deepseek_ext.web import (
        DeepSeekSearchRetriever,
        DeepSeekToolSpec,
        DeepSeekWebReader,
    )

    with pytest.raises(InvalidRequestError, match="at most 128"):
        DeepSeekToolSpec(**_options(emu)).search("x" * 200)
    with pytest.raises(InvalidRequestError, match="http"):
        DeepSeekWebReader(**_options(emu)).load_data(["mailto:me@example.com"])
    with pytest.raises(TypeError, match="not one string"):
        DeepSeekWebReader(**_options(emu)).load_data("https://example.com/a")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="'api_bse'"):
        DeepSeekSearchRetriever(api_bse=emu.base_url)
    assert emu.emulator.requests == []


def test_the_search_tool_gives_typed_results_as_raw_output(emu: Emu) -> None:
    from llamaindex_deepseek_ext.web import DeepSeekToolSpec, SearchResults

    search = DeepSeekToolSpec(**_options(emu)).to_tool_list()[0]
    output = search.call(query="off-peak prices", count=2)
    assert isinstance(output.raw_output, SearchResults)
    assert output.raw_output.results[0].url == "https://example.com/deepseek/off-peak"
    assert output.content.startswith("[1] DeepSeek off-peak")
