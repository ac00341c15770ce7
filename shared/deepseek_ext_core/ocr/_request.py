"""An OCR request (`POST /v1/tools/ocr`, docs/deepseek-api.md §6.11), checked before sending:
exactly two multipart fields, `purpose` then `file`; any other field is a 400 there."""

import dataclasses

from .._errors import InvalidRequestError
from .._files import (
    DOCUMENT_PURPOSES,
    PARSE_READ_TIMEOUT,
    FileSource,
    PreparedUpload,
    prepare_file,
)
from ._formats import check_document

OCR_PATH = "/v1/tools/ocr"
MAX_OCR_BYTES = 100 * 1024 * 1024
"""100 MiB per file (a bigger one is a 413)."""
MAX_OCR_PAGES = 1000
"""Pages per file; DeepSeek counts them, this client does not open the document."""


def prepare_ocr(
    file: FileSource, *, purpose: str = "text_recognition", filename: str | None = None
) -> PreparedUpload:
    """The checked upload of an OCR request: purpose `text_recognition` (Word and PowerPoint
    without images read directly, the rest page by page) or `rich_layout_recognition` (every
    page recognized, layout kept); at most 100 MiB of PDF, DOC/DOCX, PPT/PPTX or an image."""
    if purpose not in DOCUMENT_PURPOSES:
        raise InvalidRequestError(
            f"OCR purpose must be one of {', '.join(DOCUMENT_PURPOSES)}, got {purpose!r}"
        )
    prepared = prepare_file(
        file, filename=filename, max_bytes=MAX_OCR_BYTES, what="ocr", check=check_document
    )
    # A shorter read timeout is raised to the 180 s DeepSeek gives a whole request: its
    # keep-alive newlines may be far apart while a large page is recognized.
    return dataclasses.replace(
        prepared, fields={"purpose": purpose}, min_read_timeout=PARSE_READ_TIMEOUT
    )
