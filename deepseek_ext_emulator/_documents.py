"""OCR (``POST /v1/tools/ocr``) and the document purposes of the Files API, as DeepSeek
documents them (docs/deepseek-api.md §6.11, §6.14), with no PDF or imaging library.

A default answer is derived from the upload: the text of a PDF's uncompressed content streams
(``(…) Tj`` strings, page by page), a DOCX's paragraphs, a PPTX's slides (one page each), or a
line naming an image. Recognized pages carry DeepSeek's grounding markup, one
``<|ref|>…<|/ref|><|box|>[[…]]<|/box|>`` per line; a DOCX or PPTX read for
``text_recognition`` is extracted directly, without markup, as DeepSeek does.
"""

from __future__ import annotations

import html
import io
import re
import secrets
import time
import zipfile
from collections.abc import Sequence
from typing import Any

from deepseek_ext_emulator._wire import ErrorSpec, api_error

MAX_OCR_BYTES = 100 * 1024 * 1024
MAX_PAGES = 1000
PURPOSES = ("text_recognition", "rich_layout_recognition")
KEEP_ALIVE_NEWLINES = 3
"""Newlines sent before the JSON, as DeepSeek keeps the connection alive while it recognizes."""

_PAGE = re.compile(rb"/Type\s*/Page(?![s\w])")
_SHOWN = re.compile(rb"\((?P<text>(?:\\.|[^\\)])*)\)\s*Tj")
_PARAGRAPH = re.compile(rb"<(?P<ns>[wa]):p[ >].*?</(?P=ns):p>", re.DOTALL)
_WORD_TEXT = re.compile(rb"<[wa]:t(?: [^>]*)?>(.*?)</[wa]:t>", re.DOTALL)
_SLIDE = re.compile(r"ppt/slides/slide(\d+)\.xml$")
_IMAGES = (
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"\xff\xd8\xff", "JPEG"),
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"BM", "BMP"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
)


def document_pages(data: bytes, filename: str, purpose: str) -> list[str] | ErrorSpec:
    """The raw OCR text of each page of `data`, or DeepSeek's error for it."""
    if len(data) > MAX_OCR_BYTES:
        return api_error(413, "File too large: at most 100 MiB", type_="invalid_request_error")
    if data.startswith(b"%PDF-"):
        pages = _pdf_pages(data)
    elif data.startswith(b"PK\x03\x04"):
        extracted = _office_pages(data)
        if extracted is None:
            return _unsupported(filename)
        pages = extracted if purpose == "text_recognition" else [_grounded(p) for p in extracted]
        return pages if len(pages) <= MAX_PAGES else _too_many(len(pages))
    elif data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        pages = [f"{filename}: a Word or PowerPoint 97-2003 document"]
    else:
        kind = _image_kind(data)
        if kind is None:
            return _unsupported(filename)
        pages = [f"{filename}: a {kind} image"]
    if len(pages) > MAX_PAGES:
        return _too_many(len(pages))
    return [_grounded(page) for page in pages]


def ocr_body(
    pages: Sequence[str],
    purpose: str,
    *,
    finish_reasons: Sequence[str] = (),
    created: int | None = None,
) -> dict[str, Any]:
    """The ``ocr.result`` object for `pages` (a page's finish reason is ``stop`` unless given)."""
    answer_pages = []
    output = 0
    for index, text in enumerate(pages):
        reason = finish_reasons[index] if index < len(finish_reasons) else "stop"
        answer_pages.append({"index": index, "text": text, "finish_reason": reason})
        output += max(1, len(text) // 4)
    inputs = 256 * max(1, len(pages))
    return {
        "id": f"ocr-{secrets.token_hex(16)}",
        "object": "ocr.result",
        "created": int(time.time()) if created is None else created,
        "purpose": purpose,
        "page_count": len(answer_pages),
        "pages": answer_pages,
        "usage": {
            "input_tokens": inputs,
            "output_tokens": output,
            "total_tokens": inputs + output,
        },
    }


def check_ocr_form(fields: dict[str, str], order: Sequence[str]) -> ErrorSpec | None:
    """DeepSeek's 400s for an OCR form: exactly `file` and `purpose`, a known purpose."""
    extra = sorted(set(order) - {"file", "purpose"})
    if extra:
        return _invalid(f"unknown field(s) {', '.join(extra)}: OCR takes only file and purpose")
    if "file" not in order:
        return _invalid("missing field `file`")
    purpose = fields.get("purpose")
    if purpose not in PURPOSES:
        return _invalid(f"purpose must be one of {', '.join(PURPOSES)}")
    return None


def _grounded(text: str) -> str:
    """`text` as recognized: each non-blank line marked with a box down the page."""
    lines = [line for line in text.splitlines() if line.strip()]
    marked = []
    for number, line in enumerate(lines):
        top = min(960, 40 + number * 40)
        marked.append(f"<|ref|>{line}<|/ref|><|box|>[[60, {top}, 940, {top + 30}]]<|/box|>")
    return "\n".join(marked)


def _pdf_pages(data: bytes) -> list[str]:
    """Page texts of a simple PDF: the `Tj` strings of the content stream after each page
    object, in file order (what a test-made PDF holds; real PDFs would need a parser)."""
    starts = [match.start() for match in _PAGE.finditer(data)]
    if not starts:
        return [""]
    pages = []
    for number, start in enumerate(starts):
        end = starts[number + 1] if number + 1 < len(starts) else len(data)
        shown = [_pdf_string(m["text"]) for m in _SHOWN.finditer(data, start, end)]
        pages.append("\n".join(shown))
    return pages


def _pdf_string(raw: bytes) -> str:
    text = re.sub(rb"\\([()\\])", rb"\1", raw)
    return text.decode("latin-1")


def _office_pages(data: bytes) -> list[str] | None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = archive.namelist()
        if "word/document.xml" in names:
            return [_paragraphs(archive.read("word/document.xml"))]
        slides = sorted(
            (int(m.group(1)), name) for name in names if (m := _SLIDE.search(name)) is not None
        )
        if slides:
            return [_paragraphs(archive.read(name)) for _, name in slides]
    except (zipfile.BadZipFile, KeyError):
        return None
    return None


def _paragraphs(xml: bytes) -> str:
    """The text of an Office part, a line per paragraph (XML entities decoded)."""
    lines = []
    for paragraph in _PARAGRAPH.finditer(xml):
        runs = _WORD_TEXT.findall(paragraph.group(0))
        line = html.unescape("".join(run.decode("utf-8", "replace") for run in runs))
        if line:
            lines.append(line)
    return "\n".join(lines)


def _image_kind(data: bytes) -> str | None:
    for signature, kind in _IMAGES:
        if data.startswith(signature):
            return kind
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WebP"
    return None


def _unsupported(filename: str) -> ErrorSpec:
    return _invalid(
        f"unsupported file type: {filename} (PDF, DOC/DOCX, PPT/PPTX and images are supported)"
    )


def _too_many(pages: int) -> ErrorSpec:
    return _invalid(f"the document has {pages} pages; at most {MAX_PAGES} are supported")


def _invalid(message: str) -> ErrorSpec:
    return api_error(400, message, type_="invalid_request_error")
