"""Part 3 of `deepseek-ext demo`: retrieval from the web with DeepSeek's Search and Fetch.

Needs the `langchain` extra. A `DeepSeekSearchRetriever` finds pages, a `DeepSeekFetchLoader`
reads the best one in full, and `ChatDeepSeek` answers from them, streaming, with the URLs it
used. Offline the emulator's small built-in web answers; live, DeepSeek's.
"""

from __future__ import annotations

from typing import TextIO

from langchain_core.documents import Document
from langchain_core.messages import HumanMessage, SystemMessage
from langchain_core.runnables import RunnableConfig

from deepseek_ext_cli._demo_kit import DEMO_MODEL, WEB_QUESTION, Transcript, UsageRecorder
from deepseek_ext_cli._demo_langchain import UsageCallback
from deepseek_ext_core import WEB_TOOL_PRICE_USD
from langchain_deepseek_ext import REASONING_KEY, ChatDeepSeek
from langchain_deepseek_ext.web import DeepSeekFetchLoader, DeepSeekSearchRetriever

__all__ = ["WEB_INSTRUCTION", "run"]

WEB_INSTRUCTION = "Answer from these web pages only, and name the URLs you used."


def run(base_url: str, api_key: str, out: TextIO, record: UsageRecorder) -> None:
    """Searches, reads the best page, and answers `WEB_QUESTION` from what it found."""
    transcript = Transcript(out, answer_label="deepseek> ")
    transcript.heading("Part 3: LangChain retrieval from the web (DeepSeek Search and Fetch)")
    connection = {"api_key": api_key, "base_url": base_url}
    transcript.user(WEB_QUESTION)
    found = DeepSeekSearchRetriever(k=3, **connection).invoke(WEB_QUESTION)
    for doc in found:
        transcript.tool_result("search", f"{doc.metadata['title']} ({doc.metadata['url']})")
    pages = (
        DeepSeekFetchLoader([str(found[0].metadata["url"])], **connection).load() if found else []
    )
    for page in pages:
        transcript.tool_result(
            "fetch", f"{page.metadata['source']}: {len(page.page_content)} characters"
        )
    model = ChatDeepSeek(model=DEMO_MODEL, thinking="enabled", **connection)
    messages = [
        SystemMessage(f"{WEB_INSTRUCTION}\n\n{_context(found, pages)}"),
        HumanMessage(WEB_QUESTION),
    ]
    config = RunnableConfig(callbacks=[UsageCallback(record)])
    for chunk in model.stream(messages, config=config):
        reasoning = chunk.additional_kwargs.get(REASONING_KEY)
        if isinstance(reasoning, str):
            transcript.reasoning(reasoning)
        if isinstance(chunk.content, str) and chunk.content:
            transcript.answer(chunk.content)
    transcript.end_block()
    web_requests = 1 + len(pages)
    transcript.note(
        f"{web_requests} web requests (search and fetch use no tokens): "
        f"${WEB_TOOL_PRICE_USD * web_requests:.5f} at ${WEB_TOOL_PRICE_USD * 1000:.2f} per 1,000."
    )


def _context(found: list[Document], pages: list[Document]) -> str:
    read = {page.metadata["source"] for page in pages}
    parts = [f"{page.metadata['source']}\n{page.page_content}" for page in pages]
    parts += [
        f"{doc.metadata['url']}\n{doc.page_content}"
        for doc in found
        if doc.metadata["url"] not in read
    ]
    return "\n\n".join(parts) or "(no pages found)"
