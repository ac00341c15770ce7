"""DeepSeek's web Search and page Fetch as LlamaIndex parts: a tool spec for agents, a reader
and a retriever for RAG (docs/deepseek-api.md §6.9).

They work with any LLM, `DeepSeek` or not, and take the same connection settings as `DeepSeek`
(`api_key`, `api_base`, `timeout`, `max_retries`, `http_client`, ...). Each successful request
costs $0.75 per 1,000 (no tokens); the cost is in the documents' metadata.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from llama_index.core.base.base_retriever import BaseRetriever
from llama_index.core.readers.base import BaseReader
from llama_index.core.schema import Document, NodeWithScore, QueryBundle, TextNode
from llama_index.core.tools.tool_spec.base import BaseToolSpec

from deepseek_ext_core import FetchResult, SearchResponse, SearchResult
from deepseek_ext_core.integration import search_text

from ._connection import PartConnection
from ._files import inside_root, ocr_text

__all__ = ["DeepSeekSearchRetriever", "DeepSeekToolSpec", "DeepSeekWebReader", "SearchResults"]


def _metadata(result: SearchResult) -> dict[str, Any]:
    return {
        "url": result.url,
        "title": result.title,
        "date": result.date,
        "rerank_score": result.rerank_score,
        "authority": result.authority,
    }


def _search_text(result: SearchResult, *, use_content: bool) -> str:
    return (
        (result.content if use_content and result.content else None)
        or result.summary
        or (result.snippet)
    )


def _page(result: FetchResult) -> Document:
    metadata = {
        "url": result.url,
        "title": result.title,
        "estimated_cost_usd": float(result.estimated_cost),
    }
    return Document(text=result.content, metadata=metadata, id_=result.url)


class SearchResults(SearchResponse):
    """The typed results of the search tool, as its `ToolOutput.raw_output` (URLs, titles and
    dates for citations, as the LangChain tool's artifact); the model reads `str()` of it, the
    numbered text."""

    @classmethod
    def of(cls, response: SearchResponse) -> SearchResults:
        results = cls.model_validate(response.model_dump())
        results.request_id = response.request_id
        return results

    def __str__(self) -> str:
        return search_text(self)


class DeepSeekToolSpec(BaseToolSpec):
    """Web search and page reading, OCR, transcription and speech for LlamaIndex agents
    (pick some with `to_tool_list(spec_functions=["search", "fetch"])`).

    ```python
    from llama_index.core.agent.workflow import FunctionAgent
    from llamaindex_deepseek_ext import DeepSeek
    from llamaindex_deepseek_ext.web import DeepSeekToolSpec

    agent = FunctionAgent(tools=DeepSeekToolSpec().to_tool_list(), llm=DeepSeek())
    ```
    """

    spec_functions = [
        ("search", "asearch"),
        ("fetch", "afetch"),
        ("ocr", "aocr"),
        ("transcribe", "atranscribe"),
        ("speak", "aspeak"),
    ]

    def __init__(
        self,
        *,
        max_chars: int = 20_000,
        files_root: str | None = None,
        audio_dir: str | None = None,
        **connection: Any,
    ) -> None:
        self.max_chars = max_chars
        """How much of a fetched page or a recognized file the model reads."""
        self.files_root = files_root
        """The folder `ocr` and `transcribe` may read from (paths resolved, links followed);
        None: any path the process can read. Set it when the agent's input is not trusted."""
        self.audio_dir = audio_dir
        """Where `speak` writes its audio files; None: the system's temporary folder."""
        self._connection = PartConnection(**connection)

    def search(self, query: str, count: int = 5) -> SearchResults:
        """Search the web for `query` (at most 128 characters); returns `count` (1-50) numbered
        results, each with its title, date, URL and a summary. Read one in full with `fetch`."""
        return SearchResults.of(self._connection._get_client().search(query, count=count))

    async def asearch(self, query: str, count: int = 5) -> SearchResults:
        """Search the web for `query` (at most 128 characters); returns `count` (1-50) numbered
        results, each with its title, date, URL and a summary. Read one in full with `fetch`."""
        return SearchResults.of(await self._connection._get_aclient().search(query, count=count))

    def fetch(self, url: str) -> str:
        """Read the web page at `url`; returns the page as Markdown."""
        return self._text(self._connection._get_client().fetch(url))

    async def afetch(self, url: str) -> str:
        """Read the web page at `url`; returns the page as Markdown."""
        return self._text(await self._connection._get_aclient().fetch(url))

    def _text(self, result: FetchResult) -> str:
        if not result.content.strip():
            return f"Nothing could be read at {result.url}."
        return result.content[: self.max_chars]

    def ocr(self, file_path: str) -> str:
        """Read a PDF, Word or PowerPoint file or an image at `file_path` with OCR; returns its
        text page by page, each page headed by its number."""
        result = self._connection._get_client().ocr(self._readable(file_path))
        return ocr_text(result)[: self.max_chars]

    async def aocr(self, file_path: str) -> str:
        """Read a PDF, Word or PowerPoint file or an image at `file_path` with OCR; returns its
        text page by page, each page headed by its number."""
        result = await self._connection._get_aclient().ocr(self._readable(file_path))
        return ocr_text(result)[: self.max_chars]

    def transcribe(self, file_path: str) -> str:
        """Transcribe the speech in the audio file at `file_path` (WAV or Ogg Opus, at most
        2 minutes); returns the text."""
        return self._connection._get_client().transcribe(self._readable(file_path)).text

    async def atranscribe(self, file_path: str) -> str:
        """Transcribe the speech in the audio file at `file_path` (WAV or Ogg Opus, at most
        2 minutes); returns the text."""
        result = await self._connection._get_aclient().transcribe(self._readable(file_path))
        return result.text

    def speak(self, text: str) -> str:
        """Read `text` aloud (at most 10,000 characters); returns the path of the WAV file."""
        from deepseek_ext_core.integration import new_speech_path  # the speech parts, on use

        target = new_speech_path(self.audio_dir)
        self._connection._get_client().speak_to_file(text, target)
        return str(target)

    async def aspeak(self, text: str) -> str:
        """Read `text` aloud (at most 10,000 characters); returns the path of the WAV file."""
        from deepseek_ext_core.integration import new_speech_path  # the speech parts, on use

        target = new_speech_path(self.audio_dir)
        await self._connection._get_aclient().speak_to_file(text, target)
        return str(target)

    def _readable(self, file_path: str) -> Path:
        return inside_root(file_path, self.files_root)


class DeepSeekWebReader(BaseReader):
    """Web pages as `Document`s (Markdown), for `VectorStoreIndex.from_documents`.

    ```python
    documents = DeepSeekWebReader().load_data(["https://example.com/a"])
    index = VectorStoreIndex.from_documents(documents)
    ```
    """

    def __init__(self, **connection: Any) -> None:
        self._connection = PartConnection(**connection)

    def load_data(self, urls: Sequence[str]) -> list[Document]:
        """Fetch each page; a document's id is its URL."""
        _check_urls(urls)
        client = self._connection._get_client()
        return [_page(client.fetch(url)) for url in urls]

    async def aload_data(self, urls: Sequence[str]) -> list[Document]:
        """`load_data`, awaited."""
        _check_urls(urls)
        client = self._connection._get_aclient()
        return [_page(await client.fetch(url)) for url in urls]


def _check_urls(urls: Sequence[str]) -> None:
    if isinstance(urls, str):
        raise TypeError("urls must be a list of URLs, not one string")


class DeepSeekSearchRetriever(BaseRetriever):
    """Web search as a LlamaIndex retriever: `NodeWithScore`s scored by DeepSeek's rerank score.

    ```python
    engine = RetrieverQueryEngine.from_args(DeepSeekSearchRetriever(k=5), llm=DeepSeek())
    ```
    """

    def __init__(
        self, *, k: int = 5, need_content: bool = False, verbose: bool = False, **connection: Any
    ) -> None:
        super().__init__(verbose=verbose)
        self.k = k
        self.need_content = need_content
        self._connection = PartConnection(**connection)

    def _nodes(self, response: SearchResponse) -> list[NodeWithScore]:
        return [
            NodeWithScore(
                node=TextNode(
                    text=_search_text(result, use_content=self.need_content),
                    metadata=_metadata(result),
                ),
                score=result.rerank_score,
            )
            for result in response.results
        ]

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        client = self._connection._get_client()
        response = client.search(
            query_bundle.query_str, count=self.k, need_content=self.need_content
        )
        return self._nodes(response)

    async def _aretrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        client = self._connection._get_aclient()
        response = await client.search(
            query_bundle.query_str, count=self.k, need_content=self.need_content
        )
        return self._nodes(response)
