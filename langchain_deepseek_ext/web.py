"""DeepSeek's web Search and page Fetch as LangChain parts: two tools for agents, a retriever
and a document loader for RAG (docs/deepseek-api.md §6.9).

They work with any chat model, `ChatDeepSeek` or not, and take the same connection settings as
`ChatDeepSeek` (`api_key`, `base_url`, `timeout`, `max_retries`, `http_client`, ...). Each
successful request costs $0.75 per 1,000 (no tokens); the cost is in the results' metadata.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Sequence
from typing import Any, Literal

from langchain_core.callbacks import (
    AsyncCallbackManagerForRetrieverRun,
    AsyncCallbackManagerForToolRun,
    CallbackManagerForRetrieverRun,
    CallbackManagerForToolRun,
)
from langchain_core.document_loaders import BaseLoader
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from langchain_core.tools import BaseTool
from pydantic import BaseModel, Field

from deepseek_ext_core import FetchResult, SearchResponse, SearchResult
from deepseek_ext_core.integration import search_text

from ._arguments import StrictArguments
from ._connection import DeepSeekConnection, PartConnection
from ._errors import translate_errors

__all__ = [
    "DeepSeekFetch",
    "DeepSeekFetchLoader",
    "DeepSeekSearch",
    "DeepSeekSearchRetriever",
    "fetch_document",
    "search_documents",
]


def search_documents(response: SearchResponse, *, use_content: bool) -> list[Document]:
    """Search results as `Document`s: the page's content when fetched, else its summary."""
    return [_search_document(result, use_content=use_content) for result in response.results]


def _search_document(result: SearchResult, *, use_content: bool) -> Document:
    text = (result.content if use_content and result.content else None) or result.summary
    metadata = {
        "source": result.url,
        "url": result.url,
        "title": result.title,
        "date": result.date,
        "snippet": result.snippet,
        "rerank_score": result.rerank_score,
        "authority": result.authority,
    }
    return Document(page_content=text or result.snippet, metadata=metadata)


def fetch_document(result: FetchResult) -> Document:
    """A fetched page as a `Document` (Markdown text, `source` = its URL)."""
    metadata = {
        "source": result.url,
        "title": result.title,
        "request_id": result.request_id,
        "estimated_cost": float(result.estimated_cost),
    }
    return Document(page_content=result.content, metadata=metadata)


class SearchInput(BaseModel):
    """Arguments of `DeepSeekSearch`."""

    query: str = Field(min_length=1, max_length=128, description="What to search the web for.")
    count: int = Field(default=5, ge=1, le=50, description="How many results (1-50).")


class FetchInput(BaseModel):
    """Arguments of `DeepSeekFetch`."""

    url: str = Field(max_length=8192, description="The http(s) URL of the page to read.")


class DeepSeekSearch(StrictArguments, BaseTool, DeepSeekConnection):
    """Search the web with DeepSeek: a tool for agents.

    ```python
    from langchain_deepseek_ext import ChatDeepSeek
    from langchain_deepseek_ext.web import DeepSeekFetch, DeepSeekSearch

    tools = [DeepSeekSearch(), DeepSeekFetch()]
    model = ChatDeepSeek(model="deepseek-flash").bind_tools(tools)
    ```

    The model reads numbered results (title, date, URL, summary); the tool message's `artifact`
    holds the typed `SearchResponse`.
    """

    name: str = "deepseek_search"
    description: str = (
        "Search the web. Returns numbered results with title, date, URL and a summary. "
        "Use it for recent facts; read a result in full with deepseek_fetch."
    )
    args_schema: type[BaseModel] = SearchInput
    response_format: Literal["content", "content_and_artifact"] = "content_and_artifact"
    need_content: bool = False
    """Ask DeepSeek for each page's text too (in the artifact)."""

    def _run(
        self, query: str, count: int = 5, run_manager: CallbackManagerForToolRun | None = None
    ) -> tuple[str, SearchResponse]:
        with translate_errors():
            response = self.client.search(query, count=count, need_content=self.need_content)
        return search_text(response), response

    async def _arun(
        self,
        query: str,
        count: int = 5,
        run_manager: AsyncCallbackManagerForToolRun | None = None,
    ) -> tuple[str, SearchResponse]:
        with translate_errors():
            response = await self.async_client.search(
                query, count=count, need_content=self.need_content
            )
        return search_text(response), response


class DeepSeekFetch(StrictArguments, BaseTool, DeepSeekConnection):
    """Read a web page with DeepSeek: a tool for agents; the page comes back as Markdown
    (`max_chars` of it for the model; the whole `FetchResult` is the artifact)."""

    name: str = "deepseek_fetch"
    description: str = "Read the web page at a URL. Returns the page as Markdown."
    args_schema: type[BaseModel] = FetchInput
    response_format: Literal["content", "content_and_artifact"] = "content_and_artifact"
    max_chars: int = 20_000
    """How much of the page the model reads (a long page would fill the context)."""

    def _text(self, result: FetchResult) -> str:
        if not result.content.strip():
            return f"Nothing could be read at {result.url}."
        return result.content[: self.max_chars]

    def _run(
        self, url: str, run_manager: CallbackManagerForToolRun | None = None
    ) -> tuple[str, FetchResult]:
        with translate_errors():
            result = self.client.fetch(url)
        return self._text(result), result

    async def _arun(
        self, url: str, run_manager: AsyncCallbackManagerForToolRun | None = None
    ) -> tuple[str, FetchResult]:
        with translate_errors():
            result = await self.async_client.fetch(url)
        return self._text(result), result


class DeepSeekSearchRetriever(StrictArguments, BaseRetriever, DeepSeekConnection):
    """Web search as a LangChain retriever, for RAG chains.

    ```python
    retriever = DeepSeekSearchRetriever(k=5)
    docs = retriever.invoke("DeepSeek off-peak prices")
    docs[0].metadata["url"], docs[0].metadata["rerank_score"]
    ```

    A document's text is the page's content with `need_content=True`, else DeepSeek's summary.
    """

    k: int = Field(default=5, ge=1, le=50)
    """How many results."""
    need_content: bool = False
    """Use each page's full text as the document (DeepSeek sends it with the results)."""

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        with translate_errors():
            response = self.client.search(query, count=self.k, need_content=self.need_content)
        return search_documents(response, use_content=self.need_content)

    async def _aget_relevant_documents(
        self, query: str, *, run_manager: AsyncCallbackManagerForRetrieverRun
    ) -> list[Document]:
        with translate_errors():
            response = await self.async_client.search(
                query, count=self.k, need_content=self.need_content
            )
        return search_documents(response, use_content=self.need_content)


class DeepSeekFetchLoader(BaseLoader):
    """Web pages as `Document`s (Markdown), read by DeepSeek's Fetch.

    ```python
    docs = DeepSeekFetchLoader(["https://example.com/a", "https://example.com/b"]).load()
    ```

    Connection settings are keyword arguments, as for `ChatDeepSeek`. Pages are read one after
    another; `lazy_load` and `alazy_load` yield each as it arrives.
    """

    def __init__(self, urls: Sequence[str], **connection: Any) -> None:
        if isinstance(urls, str):
            raise TypeError("urls must be a list of URLs, not one string")
        self.urls = list(urls)
        self._connection = PartConnection(**connection)

    def lazy_load(self) -> Iterator[Document]:
        for url in self.urls:
            with translate_errors():
                result = self._connection.client.fetch(url)
            yield fetch_document(result)

    async def alazy_load(self) -> AsyncIterator[Document]:
        for url in self.urls:
            with translate_errors():
                result = await self._connection.async_client.fetch(url)
            yield fetch_document(result)
