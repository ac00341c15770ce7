"""What the tool spec's file tools share: paths kept inside a root, and an OCR answer as the
text a model reads."""

from __future__ import annotations

from pathlib import Path

from deepseek_ext_core import OCRResult


def inside_root(file_path: str, root: str | None) -> Path:
    """`file_path` resolved; with a `root`, refused (`ValueError` naming both) unless it lies
    inside it once links are followed."""
    path = Path(file_path).expanduser().resolve()
    if root is not None:
        base = Path(root).expanduser().resolve()
        if not path.is_relative_to(base):
            raise ValueError(f"{file_path} is outside {root}, the folder these tools may read")
    return path


def ocr_text(result: OCRResult) -> str:
    """The pages' plain text, each headed `[page N of M]` (from 1, as people count), a cut page
    said to be incomplete."""
    parts = []
    for page in result.pages:
        cut = " (cut: incomplete)" if page.truncated else ""
        parts.append(f"[page {page.index + 1} of {result.page_count}{cut}]\n{page.plain_text}")
    return "\n\n".join(parts)
