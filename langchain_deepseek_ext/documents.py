"""DeepSeek's OCR as LangChain document loading (docs/deepseek-api.md §6.11): a loader for a
file and a blob parser for `GenericLoader` and blob pipelines, a `Document` per page.

PDF, Word, PowerPoint and images (at most 100 MiB, 1,000 pages) are streamed from disk, not
read into memory. A page's metadata holds `source`, `page` (0-based, as LangChain's PDF loaders
count), `total_pages`, `finish_reason` and `truncated` (a page cut by `length`), its `layout`
(regions with boxes) and the cost (CNY 1.5 per 1,000 pages, converted as the core's price table
says). Connection settings are keyword arguments, as for `ChatDeepSeek`.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path, PurePath
from typing import Any, Literal

from langchain_core.document_loaders import BaseBlobParser, BaseLoader, Blob
from langchain_core.documents import Document

from deepseek_ext_core import OCRResult
from deepseek_ext_core.integration import check_mode, ocr_documents

from ._blobs import blob_name, blob_source
from ._connection import PartConnection
from ._errors import translate_errors

__all__ = ["DeepSeekOCRLoader", "DeepSeekOCRParser"]

Purpose = Literal["text_recognition", "rich_layout_recognition"]


def _documents(result: OCRResult, source: str, mode: str, keep_markup: bool) -> list[Document]:
    pairs = ocr_documents(result, source=source, mode=check_mode(mode), keep_markup=keep_markup)
    return [Document(page_content=text, metadata=metadata) for text, metadata in pairs]


class _OCRSettings:
    """What the loader and the parser share: the purpose, the mode and the connection."""

    def __init__(
        self, *, purpose: Purpose, mode: Literal["page", "single"], keep_markup: bool,
        connection: dict[str, Any],
    ) -> None:  # fmt: skip
        self.purpose: Purpose = purpose
        """`text_recognition` (Word and PowerPoint without images read directly, the rest page
        by page) or `rich_layout_recognition` (every page recognized, layout kept)."""
        self.mode = check_mode(mode)
        """`page`: a document per page; `single`: one document for the file."""
        self.keep_markup = keep_markup
        """Keep DeepSeek's grounding markup in the text (the boxes are in metadata anyway)."""
        self._connection = PartConnection(**connection)

    def _ocr(self, source: str | os.PathLike[str] | bytes, filename: str | None) -> OCRResult:
        with translate_errors():
            return self._connection.client.ocr(source, purpose=self.purpose, filename=filename)

    async def _aocr(
        self, source: str | os.PathLike[str] | bytes, filename: str | None
    ) -> OCRResult:
        with translate_errors():
            return await self._connection.async_client.ocr(
                source, purpose=self.purpose, filename=filename
            )


class DeepSeekOCRLoader(BaseLoader, _OCRSettings):
    """A PDF, Word or PowerPoint file or an image, read by DeepSeek's OCR: a `Document` per page.

    ```python
    from langchain_deepseek_ext import DeepSeekOCRLoader

    pages = DeepSeekOCRLoader("report.pdf").load()
    pages[0].metadata["page"], pages[0].metadata["total_pages"]
    ```
    """

    def __init__(
        self,
        file_path: str | PurePath,
        *,
        purpose: Purpose = "text_recognition",
        mode: Literal["page", "single"] = "page",
        keep_markup: bool = False,
        **connection: Any,
    ) -> None:
        if not isinstance(file_path, str | PurePath):
            raise TypeError(f"file_path must be a path, not {type(file_path).__name__}")
        self.file_path = file_path
        """The file to read (streamed from disk when it is sent)."""
        _OCRSettings.__init__(
            self, purpose=purpose, mode=mode, keep_markup=keep_markup, connection=connection
        )

    def lazy_load(self) -> Iterator[Document]:
        """The file's pages, in order (one request: DeepSeek answers the whole file at once)."""
        result = self._ocr(Path(self.file_path), None)
        yield from _documents(result, str(self.file_path), self.mode, self.keep_markup)

    async def alazy_load(self) -> AsyncIterator[Document]:
        """The file's pages, in order, with the async client."""
        result = await self._aocr(Path(self.file_path), None)
        for document in _documents(result, str(self.file_path), self.mode, self.keep_markup):
            yield document


class DeepSeekOCRParser(BaseBlobParser, _OCRSettings):
    """DeepSeek's OCR as a blob parser, for `GenericLoader` and blob pipelines.

    ```python
    from langchain_community.document_loaders.generic import GenericLoader
    from langchain_deepseek_ext import DeepSeekOCRParser

    loader = GenericLoader.from_filesystem(
        "scans/", suffixes=[".pdf", ".png"], parser=DeepSeekOCRParser()
    )
    ```

    A blob with a path is streamed from disk; one held in memory is sent as its bytes, under
    its source's name.
    """

    def __init__(
        self,
        *,
        purpose: Purpose = "text_recognition",
        mode: Literal["page", "single"] = "page",
        keep_markup: bool = False,
        **connection: Any,
    ) -> None:
        _OCRSettings.__init__(
            self, purpose=purpose, mode=mode, keep_markup=keep_markup, connection=connection
        )

    def lazy_parse(self, blob: Blob) -> Iterator[Document]:
        """The blob's pages, in order."""
        source, filename = blob_source(blob)
        result = self._ocr(source, filename)
        yield from _documents(result, blob_name(blob), self.mode, self.keep_markup)

    async def alazy_parse(self, blob: Blob) -> AsyncIterator[Document]:
        """The blob's pages, in order, with the async client."""
        source, filename = blob_source(blob)
        result = await self._aocr(source, filename)
        for document in _documents(result, blob_name(blob), self.mode, self.keep_markup):
            yield document
