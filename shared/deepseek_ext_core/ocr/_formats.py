"""What OCR and document parsing take, told from a file's first bytes (DeepSeek detects the
type from the content, not the name: docs/deepseek-api.md §6.11)."""

from .._errors import InvalidRequestError

_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "PDF"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "Word or PowerPoint (97-2003)"),
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"\xff\xd8\xff", "JPEG"),
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"BM", "BMP"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
)
_ZIP = b"PK\x03\x04"
_OOXML_PARTS = ((b"word/", "DOCX"), (b"ppt/", "PPTX"))

SUPPORTED = "PDF, DOC/DOCX, PPT/PPTX or an image (PNG, JPEG, WebP, GIF, BMP, TIFF)"


def document_kind(head: bytes) -> str | None:
    """The kind of document `head` (a file's first bytes) starts, or None for one OCR does not
    read. A ZIP counts only as a Word or PowerPoint file (its parts are named near its start)."""
    for signature, kind in _SIGNATURES:
        if head.startswith(signature):
            return kind
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WebP"
    if head.startswith(_ZIP):
        for part, kind in _OOXML_PARTS:
            if part in head:
                return kind
    return None


def check_document(head: bytes, name: str) -> None:
    """Refuses, before sending, a file OCR would answer 400 for."""
    if not head:
        raise InvalidRequestError(f"{name} is empty; OCR reads {SUPPORTED}")
    if document_kind(head) is not None:
        return
    if head.startswith(_ZIP):
        raise InvalidRequestError(
            f"{name} is a ZIP archive but not a DOCX or PPTX; DeepSeek's OCR takes {SUPPORTED}"
        )
    raise InvalidRequestError(
        f"{name} is not a file DeepSeek's OCR reads: it takes {SUPPORTED}, told from the "
        "content, not the name"
    )
