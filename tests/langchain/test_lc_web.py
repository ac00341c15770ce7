"""DeepSeek's web Search and Fetch as LangChain parts, against the emulator: the tools in a
thinking-mode agent, the retriever in a RAG chain, the loader, and bad input."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from langchain.agents import create_agent
from langchain_core.documents import Document
from langchain_core.messages import AIMessage, ToolMessage
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.runnables import RunnablePassthrough

from deepseek_ext_core import InvalidRequestError, SearchResponse
from deepseek_ext_emulator import Emulator, Reply
from langchain_deepseek_ext import ChatDeepSeek, RateLimitError
from langchain_deepseek_ext.web import (
    DeepSeekFetch,
    DeepSeekFetchLoader,
    DeepSeekSearch,
    DeepSeekSearchRetriever,
)

from .conftest import KEY


def _options(emulator: Emulator) -> dict[str, Any]:
    return {"api_key": KEY, "base_url": emulator.base_url, "max_retries": 0}


def test_a_thinking_agent_searches_fetches_and_answers(emulator: Emulator) -> None:
    emulator.push(
        Reply.tool_calls(
            [("deepseek_search", {"query": "paris weather"})], reasoning="Search first."
        ),
        Reply.tool_calls(
            [("deepseek_fetch", {"url": "https://example.com/paris/weather"})],
            reasoning="The first result looks right; read it.",
        ),
        Reply.text("Sunny, 21 degrees.", reasoning="The page says sunny."),
    )
    model = ChatDeepSeek(model="deepseek-flash", thinking="enabled", **_options(emulator))
    tools = [DeepSeekSearch(**_options(emulator)), DeepSeekFetch(**_options(emulator))]
    agent = create_agent(model, tools)
    result = agent.invoke({"messages": [("user", "Weather in Paris?")]})
    messages = result["messages"]
    assert messages[-1].content == "Sunny, 21 degrees."
    search_result, fetch_result = [m for m in messages if isinstance(m, ToolMessage)]
    assert "https://example.com/paris/weather" in search_result.content
    assert isinstance(search_result.artifact, SearchResponse)
    assert str(fetch_result.content).startswith("# Paris weather")
    chats = [r for r in emulator.requests if r.path.endswith("/chat/completions")]
    assert len(chats) == 3
    # The emulator refuses a thinking-mode tool loop without reasoning passed back (HTTP 400),
    # so reaching the answer shows it was; the last request carries both reasoning turns.
    turns = [m for m in chats[-1].body["messages"] if m["role"] == "assistant"]
    assert [t["reasoning_content"] for t in turns] == [
        "Search first.",
        "The first result looks right; read it.",
    ]
    assert [r.path for r in emulator.requests].count("/v1/tools/search") == 1


async def test_the_tools_work_async_and_report_errors_as_langchain_errors(
    emulator: Emulator,
) -> None:
    from deepseek_ext_emulator import Fault

    search = DeepSeekSearch(**_options(emulator))
    text = await search.ainvoke({"query": "off-peak prices", "count": 1})
    assert text.startswith("[1] DeepSeek off-peak prices")
    emulator.push(Fault.status(429, retry_after=0))
    with pytest.raises(RateLimitError):
        await search.ainvoke({"query": "off-peak prices"})


def test_tool_arguments_are_checked_by_their_schema(emulator: Emulator) -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        DeepSeekSearch(**_options(emulator)).invoke({"query": "x" * 129})
    with pytest.raises(InvalidRequestError, match="http"):
        DeepSeekFetch(**_options(emulator)).invoke({"url": "file:///etc/passwd"})
    assert emulator.requests == []


def test_a_rag_chain_answers_from_the_retrieved_pages(emulator: Emulator) -> None:
    retriever = DeepSeekSearchRetriever(k=2, need_content=True, **_options(emulator))
    prompt = ChatPromptTemplate.from_messages(
        [("system", "Answer from these pages only:\n{context}"), ("human", "{question}")]
    )
    model = ChatDeepSeek(model="deepseek-flash", **_options(emulator))
    emulator.push(Reply.text("Half price outside peak hours."))

    def pages(docs: list[Document]) -> str:
        return "\n\n".join(f"{d.metadata['url']}\n{d.page_content}" for d in docs)

    chain = (
        {"context": retriever | pages, "question": RunnablePassthrough()}
        | prompt
        | model
        | StrOutputParser()
    )
    assert chain.invoke("off-peak prices") == "Half price outside peak hours."
    system = emulator.last_request.body["messages"][0]["content"]
    assert "https://example.com/deepseek/off-peak" in system
    assert "01:00-04:00" in system  # the page's content, not only its summary


def test_the_retriever_documents_carry_their_source(emulator: Emulator) -> None:
    retriever = DeepSeekSearchRetriever(k=3, **_options(emulator))
    docs = retriever.invoke("context cache")
    assert docs and docs[0].metadata["url"] == "https://example.com/deepseek/context-caching"
    assert docs[0].metadata["source"] == docs[0].metadata["url"]
    assert docs[0].page_content.startswith("# Context caching")
    assert asyncio.run(retriever.ainvoke("context cache"))[0].metadata == docs[0].metadata


def test_the_loader_reads_pages_lazily_sync_and_async(emulator: Emulator) -> None:
    urls = ["https://example.com/rag/basics", "https://example.com/paris/weather"]
    loader = DeepSeekFetchLoader(urls, **_options(emulator))
    docs = loader.load()
    assert [d.metadata["source"] for d in docs] == urls
    assert docs[0].page_content.startswith("# RAG basics")
    assert docs[0].metadata["estimated_cost"] == 0.00075

    async def collect() -> list[Document]:
        return [doc async for doc in loader.alazy_load()]

    assert [d.page_content for d in asyncio.run(collect())] == [d.page_content for d in docs]


def test_constructor_mistakes_raise_by_name(emulator: Emulator) -> None:
    with pytest.raises(TypeError, match="'kk'"):
        DeepSeekSearchRetriever(kk=3, **_options(emulator))
    with pytest.raises(TypeError, match="not one string"):
        DeepSeekFetchLoader("https://example.com/a", **_options(emulator))
    with pytest.raises(TypeError, match="nonsense"):
        DeepSeekFetchLoader(["https://example.com/a"], nonsense=1)


def test_the_tools_bind_to_any_chat_model(emulator: Emulator) -> None:
    model = ChatDeepSeek(model="deepseek-flash", thinking="disabled", **_options(emulator))
    emulator.push(Reply.tool_calls([("deepseek_search", {"query": "rag"})]))
    message = model.bind_tools([DeepSeekSearch(), DeepSeekFetch()]).invoke("find rag")
    assert isinstance(message, AIMessage)
    assert message.tool_calls[0]["name"] == "deepseek_search"
    tools = emulator.last_request.body["tools"]
    assert [t["function"]["name"] for t in tools] == ["deepseek_search", "deepseek_fetch"]
    assert tools[0]["function"]["parameters"]["properties"]["query"]["maxLength"] == 128
