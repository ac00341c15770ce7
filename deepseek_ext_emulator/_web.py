"""Web Search and page Fetch (``/v1/tools/search``, ``/v1/tools/fetch``) from a small corpus.

Shapes follow DeepSeek's guide (docs/deepseek-api.md §6.9): ``{"results": [{title, url, snippet,
summary, content, rerank_score, authority, date}]}`` for a search, the page as Markdown for a
fetch. Search ranks pages by the words they share with the query, so a RAG pipeline finds what
it asks for; add pages with :meth:`Emulator.add_page`. Requests are checked as DeepSeek checks
them (query 1-128 characters, count 1-50, an http(s) URL of at most 8,192 characters).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from deepseek_ext_emulator._wire import ErrorSpec, api_error

_WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class WebPage:
    """One page the emulator's web knows."""

    url: str
    title: str
    content: str
    """The page as Markdown."""
    date: str = "2026-11-01"
    authority: float = 2.0


DEFAULT_PAGES: tuple[WebPage, ...] = (
    WebPage(
        url="https://example.com/deepseek/context-caching",
        title="How DeepSeek's context cache works",
        content=(
            "# Context caching\n\nDeepSeek caches repeated prompt prefixes on disk by itself. "
            "A request that starts with the same system prompt and examples as an earlier one "
            "reads those tokens from the cache, and a cache hit costs one fiftieth of a miss. "
            "Nothing needs to be turned on: the usage of every answer reports "
            "prompt_cache_hit_tokens and prompt_cache_miss_tokens."
        ),
        date="2026-10-20",
        authority=3.0,
    ),
    WebPage(
        url="https://example.com/deepseek/off-peak",
        title="DeepSeek off-peak prices",
        content=(
            "# Off-peak prices\n\nDeepSeek charges half price outside peak hours. Peak hours are "
            "01:00-04:00 and 06:00-10:00 UTC on weekdays; nights, weekends and the hours between "
            "are off-peak. A request is billed by the time it completes."
        ),
        date="2026-09-10",
        authority=3.0,
    ),
    WebPage(
        url="https://example.com/paris/weather",
        title="Paris weather this week",
        content=(
            "# Paris weather\n\nSunny in Paris all week, 21 degrees Celsius in the afternoon, "
            "light wind from the west, no rain expected before Sunday."
        ),
        date="2026-11-30",
        authority=1.0,
    ),
    WebPage(
        url="https://example.com/rag/basics",
        title="Retrieval-augmented generation in five minutes",
        content=(
            "# RAG basics\n\nRetrieval-augmented generation answers a question in two steps: "
            "retrieve the documents that match it (a search engine or a vector index), then "
            "ask the model to answer from those documents only, citing them."
        ),
        date="2026-08-02",
        authority=2.0,
    ),
)


def _words(text: str) -> set[str]:
    return set(_WORD.findall(text.lower()))


def check_search(body: Any) -> ErrorSpec | None:
    """DeepSeek's checks of a search request (400 with its error body)."""
    if not isinstance(body, Mapping):
        return _invalid("request body must be a JSON object")
    query = body.get("query")
    if not isinstance(query, str) or not 1 <= len(query) <= 128:
        return _invalid("query must be a string of 1 to 128 characters")
    count = body.get("count", 10)
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= 50:
        return _invalid("count must be an integer from 1 to 50")
    return None


def check_fetch(body: Any) -> ErrorSpec | None:
    """DeepSeek's checks of a fetch request."""
    if not isinstance(body, Mapping):
        return _invalid("request body must be a JSON object")
    url = body.get("url")
    if not isinstance(url, str) or not url or len(url) > 8192:
        return _invalid("url must be a string of at most 8192 characters")
    if not url.startswith(("http://", "https://")):
        return _invalid("url must be an http(s) URL")
    return None


def _invalid(message: str) -> ErrorSpec:
    return api_error(400, message, type_="invalid_request_error")


def search_body(pages: Iterable[WebPage], body: Mapping[str, Any]) -> dict[str, Any]:
    """The answer to a checked search: pages sharing words with the query, best first."""
    wanted = _words(str(body["query"]))
    scored = []
    for page in pages:
        shared = len(wanted & _words(f"{page.title} {page.content}"))
        if shared:
            scored.append((shared, page))
    scored.sort(key=lambda item: -item[0])
    count = int(body.get("count", 10))
    results = []
    for shared, page in scored[:count]:
        text = page.content.replace("\n", " ")
        result: dict[str, Any] = {
            "title": page.title,
            "url": page.url,
            "snippet": text[:160],
            "summary": text[:700],
            "rerank_score": round(min(3.0, 3.0 * shared / max(1, len(wanted))), 3),
            "authority": page.authority,
            "date": page.date,
        }
        if body.get("need_content"):
            result["content"] = page.content
        results.append(result)
    return {"results": results}


def fetch_body(pages: Iterable[WebPage], body: Mapping[str, Any]) -> dict[str, Any]:
    """The answer to a checked fetch: the page as Markdown (empty for an unknown URL)."""
    url = str(body["url"])
    for page in pages:
        if page.url == url:
            return {"url": url, "title": page.title, "content": page.content}
    return {"url": url, "title": "", "content": ""}
