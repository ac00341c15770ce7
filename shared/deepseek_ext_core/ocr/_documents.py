"""An OCR answer as the texts and metadata of framework documents, once for both adapters: one
per page (page numbers from 0, as LangChain's PDF loaders count) or one for the whole file."""

import logging
from typing import Any, Literal

from .._errors import InvalidRequestError
from .._usage import OCR_PAGE_PRICE_USD
from ._result import OCRResult

logger = logging.getLogger("deepseek_ext_core.ocr")

Mode = Literal["page", "single"]
MODES = ("page", "single")
INTERNAL_METADATA = ("layout", "request_id", "finish_reason", "truncated", "ocr_purpose",
                     "estimated_cost_usd", "truncated_pages")  # fmt: skip
"""Metadata a model need not read nor an embedding encode (boxes, ids, flags, cost)."""


def check_mode(mode: str) -> Mode:
    """`page` (a document a page) or `single` (one for the file), refused otherwise."""
    if mode not in MODES:
        raise InvalidRequestError(f"mode must be 'page' or 'single', got {mode!r}")
    return mode  # type: ignore[return-value]


def ocr_documents(
    result: OCRResult, *, source: str, mode: Mode = "page", keep_markup: bool = False
) -> list[tuple[str, dict[str, Any]]]:
    """`(text, metadata)` for each document of `result`: the plain text (the raw text with
    grounding markup when `keep_markup`), `source`, `page`, `total_pages`, `finish_reason`,
    `truncated`, `layout` (regions and boxes), `request_id` and the cost. A cut page is logged
    as a warning too: its text is flagged, never passed off as whole."""
    for index in result.truncated_pages:
        logger.warning(
            "OCR cut page %d of %s (finish_reason 'length'): its text is incomplete",
            index,
            source,
        )
    common: dict[str, Any] = {
        "source": source,
        "total_pages": result.page_count,
        "ocr_purpose": result.purpose,
        "request_id": result.request_id,
    }
    if mode == "single":
        text = "\n\n".join(page.text if keep_markup else page.plain_text for page in result.pages)
        metadata = {
            **common,
            "truncated_pages": result.truncated_pages,
            "truncated": bool(result.truncated_pages),
            "layout": [[box.as_dict() for box in page.layout] for page in result.pages],
            "estimated_cost_usd": float(result.estimated_cost),
        }
        return [(text, metadata)]
    return [
        (
            page.text if keep_markup else page.plain_text,
            {
                **common,
                "page": page.index,
                "finish_reason": page.finish_reason,
                "truncated": page.truncated,
                "layout": [box.as_dict() for box in page.layout],
                "estimated_cost_usd": float(OCR_PAGE_PRICE_USD),
            },
        )
        for page in result.pages
    ]
