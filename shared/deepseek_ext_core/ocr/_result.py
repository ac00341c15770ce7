"""The answer of `POST /v1/tools/ocr` (docs/deepseek-api.md §6.11), typed and checked: pages in
order, a page cut by `length` flagged, grounding markup turned into text and boxes."""

# No `from __future__ import annotations`: pydantic evaluates the annotations (see _request).

from decimal import Decimal
from functools import cached_property

from pydantic import BaseModel, ConfigDict, Field

from .._errors import InvalidResponseError
from .._response import WithRequestId
from .._usage import OCR_PAGE_PRICE_USD
from ._grounding import LayoutBox, parse_grounding

_OPEN = ConfigDict(extra="allow", defer_build=True)


class OCRPage(BaseModel):
    """One page: `index` counts from 0; `text` is DeepSeek's raw output (grounding markup
    included), `plain_text` the text without it and `layout` its regions and boxes."""

    model_config = _OPEN
    index: int
    text: str = ""
    finish_reason: str = "stop"
    """`stop`, or `length` when the page's text was cut (see `truncated`)."""

    @property
    def truncated(self) -> bool:
        """The page's text was cut before its end (`finish_reason` `length`)."""
        return self.finish_reason == "length"

    @cached_property
    def _grounded(self) -> tuple[str, list[LayoutBox]]:
        return parse_grounding(self.text)

    @property
    def plain_text(self) -> str:
        """The page's text with the grounding markup removed."""
        return self._grounded[0]

    @property
    def layout(self) -> list[LayoutBox]:
        """The page's regions with their boxes, in reading order (empty without markup)."""
        return list(self._grounded[1])


class OCRUsage(BaseModel):
    """Tokens the recognition used: informational, OCR is billed per page."""

    model_config = _OPEN
    input_tokens: int = 0
    output_tokens: int = 0
    total_tokens: int = 0


class OCRResult(WithRequestId):
    """A recognized file, its pages in order."""

    model_config = _OPEN
    id: str = ""
    object: str = "ocr.result"
    created: int = 0
    purpose: str = ""
    page_count: int = 0
    pages: list[OCRPage] = Field(default_factory=list)
    usage: OCRUsage | None = None
    filename: str = ""
    """The name the file was sent under (set by the client, not DeepSeek)."""

    @property
    def text(self) -> str:
        """Every page's plain text, pages separated by a blank line."""
        return "\n\n".join(page.plain_text for page in self.pages)

    @property
    def truncated_pages(self) -> list[int]:
        """The indexes of the pages whose text was cut."""
        return [page.index for page in self.pages if page.truncated]

    @property
    def estimated_cost(self) -> Decimal:
        """USD for the pages recognized (CNY 1.5 per 1,000 pages, converted as the price
        table says)."""
        return OCR_PAGE_PRICE_USD * max(self.page_count, len(self.pages))


def checked_result(result: OCRResult) -> OCRResult:
    """The pages sorted by index; an answer whose pages skip or repeat an index, or disagree
    with its `page_count`, raises instead of passing as a whole file."""
    if not result.pages:
        error = (result.model_extra or {}).get("error")
        said = f": {error}" if error else ""
        raise InvalidResponseError(
            f"DeepSeek's OCR answer holds no pages{said} (request id {result.request_id})"
        )
    pages = sorted(result.pages, key=lambda page: page.index)
    indexes = [page.index for page in pages]
    if indexes != list(range(len(pages))):
        raise InvalidResponseError(
            f"DeepSeek's OCR answer has pages {indexes}, not 0 to {len(pages) - 1} once each "
            f"(request id {result.request_id})"
        )
    if result.page_count and result.page_count != len(pages):
        raise InvalidResponseError(
            f"DeepSeek's OCR answer says {result.page_count} pages and holds {len(pages)} "
            f"(request id {result.request_id})"
        )
    result.pages = pages
    result.page_count = len(pages)
    return result
