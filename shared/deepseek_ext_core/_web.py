"""DeepSeek's web Search and page Fetch (`POST /v1/tools/search`, `POST /v1/tools/fetch`,
docs/deepseek-api.md §6.9): requests checked before sending, results typed, cost per request.

No tokens are used: each successful request (one with results, or with page content) costs a
fixed price (docs/deepseek-api.md §8.1), reported as `estimated_cost`.
"""

# No `from __future__ import annotations`: pydantic evaluates the annotations (see _request).

from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field

from ._base import parse_json_object
from ._errors import InvalidRequestError
from ._prepare import PreparedRequest
from ._response import WithRequestId
from ._usage import WEB_TOOL_PRICE_USD

SEARCH_PATH = "/v1/tools/search"
FETCH_PATH = "/v1/tools/fetch"
MAX_QUERY_CHARS = 128
MAX_URL_CHARS = 8192
MAX_COUNT = 50

_OPEN = ConfigDict(extra="allow", defer_build=True)


class SearchResult(BaseModel):
    """One search hit; fields DeepSeek adds later are kept."""

    model_config = _OPEN
    title: str = ""
    url: str = ""
    snippet: str = ""
    """About 100-200 characters."""
    summary: str = ""
    """About 600-800 characters."""
    content: str | None = None
    """The page's text, when the search asked for `need_content`."""
    rerank_score: float | None = None
    """Relevance, 0 to 3."""
    authority: float | None = None
    """Source authority, -1 to 4."""
    date: str | None = None


class SearchResponse(WithRequestId):
    """The answer of `search`."""

    model_config = _OPEN
    results: list[SearchResult] = Field(default_factory=list)

    @property
    def estimated_cost(self) -> Decimal:
        """USD: billed only when there are results."""
        return WEB_TOOL_PRICE_USD if self.results else Decimal(0)


class FetchResult(WithRequestId):
    """The answer of `fetch`: the page as Markdown."""

    model_config = _OPEN
    url: str = ""
    title: str = ""
    content: str = ""
    """The page as Markdown."""

    @property
    def estimated_cost(self) -> Decimal:
        """USD: billed only when the page had content."""
        return WEB_TOOL_PRICE_USD if self.content.strip() else Decimal(0)


def prepare_search(
    query: str,
    *,
    count: int = 10,
    need_content: bool = False,
    ori_question: str | None = None,
    localization: str | None = None,
) -> PreparedRequest:
    """The wire request of a search; raises `InvalidRequestError` before anything is sent."""
    if not isinstance(query, str) or not query.strip():
        raise InvalidRequestError("search query must be a non-empty string")
    if len(query) > MAX_QUERY_CHARS:
        raise InvalidRequestError(
            f"search query is {len(query)} characters; DeepSeek takes at most {MAX_QUERY_CHARS}"
        )
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_COUNT:
        raise InvalidRequestError(f"count must be an integer from 1 to {MAX_COUNT}, got {count!r}")
    body: dict[str, Any] = {"query": query, "count": count, "need_content": bool(need_content)}
    if ori_question is not None:
        body["ori_question"] = ori_question
    if localization is not None:
        body["localization"] = localization
    return PreparedRequest(SEARCH_PATH, body)


def prepare_fetch(url: str) -> PreparedRequest:
    """The wire request of a page fetch; raises `InvalidRequestError` before anything is sent."""
    if not isinstance(url, str) or not url:
        raise InvalidRequestError("fetch needs a URL")
    if len(url) > MAX_URL_CHARS:
        raise InvalidRequestError(
            f"URL is {len(url)} characters; DeepSeek fetches URLs of at most {MAX_URL_CHARS}"
        )
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InvalidRequestError(f"fetch takes an http(s) URL, got {url[:100]!r}")
    return PreparedRequest(FETCH_PATH, {"url": url})


def fetch_result(url: str, content_type: str, body: bytes, request_id: str | None) -> FetchResult:
    """A fetch answer as `FetchResult`: JSON with the page (`content`, or `markdown`/`text`),
    or the Markdown itself (its exact shape is not documented, docs/deepseek-api.md §6.9)."""
    if "json" in content_type:
        data = parse_json_object(body, what="FetchResult", request_id=request_id)
        if "content" not in data:
            data["content"] = data.get("markdown") or data.get("text") or ""
        data.setdefault("url", url)
        result = FetchResult.model_validate(data)
    else:
        result = FetchResult(url=url, content=body.decode("utf-8", "replace"))
    result.request_id = request_id
    return result


def search_text(response: SearchResponse) -> str:
    """Search results as a model reads them in a tool result: one numbered entry per result,
    with title, date, URL and summary (the URL, so it can fetch the page next)."""
    if not response.results:
        return "No results."
    entries = []
    for number, result in enumerate(response.results, 1):
        dated = f" ({result.date})" if result.date else ""
        text = result.summary or result.snippet
        entries.append(f"[{number}] {result.title}{dated}\n{result.url}\n{text}")
    return "\n\n".join(entries)
