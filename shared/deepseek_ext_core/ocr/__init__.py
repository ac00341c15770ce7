"""DeepSeek's OCR (`POST /v1/tools/ocr`, docs/deepseek-api.md §6.11): files checked and streamed
from disk, pages typed and in order, grounding markup turned into clean text and layout boxes.

Loaded when first used (`client.ocr(...)`), so a chat-only program does not pay for it.
"""

from ._documents import INTERNAL_METADATA, MODES, Mode, check_mode, ocr_documents
from ._formats import SUPPORTED, check_document, document_kind
from ._grounding import Box, LayoutBox, parse_grounding
from ._request import MAX_OCR_BYTES, MAX_OCR_PAGES, OCR_PATH, prepare_ocr
from ._result import OCRPage, OCRResult, OCRUsage, checked_result

__all__ = [
    "INTERNAL_METADATA",
    "MAX_OCR_BYTES",
    "MAX_OCR_PAGES",
    "MODES",
    "OCR_PATH",
    "SUPPORTED",
    "Box",
    "LayoutBox",
    "Mode",
    "OCRPage",
    "OCRResult",
    "OCRUsage",
    "check_document",
    "check_mode",
    "checked_result",
    "document_kind",
    "ocr_documents",
    "parse_grounding",
    "prepare_ocr",
]
