"""DeepSeek's OCR and ASR as LlamaIndex readers (docs/deepseek-api.md §6.11-6.12), for
`VectorStoreIndex.from_documents` and as `SimpleDirectoryReader` file extractors.

```python
from llama_index.core import SimpleDirectoryReader
from llamaindex_deepseek_ext import DeepSeekOCRReader

ocr = DeepSeekOCRReader()
documents = SimpleDirectoryReader(
    "scans/", file_extractor={".pdf": ocr, ".docx": ocr, ".pptx": ocr, ".png": ocr}
).load_data()
```

OCR gives a `Document` per page (`page` from 0, `page_label` from 1 as LlamaIndex's PDF reader
writes it, `total_pages`, `finish_reason`, `truncated`, the `layout` boxes and the cost); the
boxes, ids, flags and cost are kept out of what embeddings and the LLM read. ASR gives one
`Document` with the transcript. Files are streamed from disk. Connection settings are keyword
arguments, as for `DeepSeek`.
"""

from __future__ import annotations

from pathlib import Path, PurePath
from typing import Any, Literal

from llama_index.core.readers.base import BaseReader
from llama_index.core.schema import Document

from deepseek_ext_core import OCRResult, Transcription
from deepseek_ext_core.integration import (
    INTERNAL_METADATA,
    check_mode,
    ocr_documents,
    transcript_metadata,
)

from ._connection import PartConnection

__all__ = ["DeepSeekAudioReader", "DeepSeekOCRReader"]

Purpose = Literal["text_recognition", "rich_layout_recognition"]
_HIDDEN = [*INTERNAL_METADATA, "total_pages"]


def _page_documents(
    result: OCRResult, source: str, mode: Literal["page", "single"], keep_markup: bool,
    extra_info: dict[str, Any] | None,
) -> list[Document]:  # fmt: skip
    documents = []
    for text, metadata in ocr_documents(result, source=source, mode=mode, keep_markup=keep_markup):
        if "page" in metadata:
            metadata["page_label"] = str(metadata["page"] + 1)
        documents.append(
            Document(
                text=text,
                metadata={**(extra_info or {}), **metadata},
                excluded_embed_metadata_keys=list(_HIDDEN),
                excluded_llm_metadata_keys=list(_HIDDEN),
            )
        )
    return documents


def _file_source(file: Path | PurePath | str, fs: Any | None) -> tuple[Path | bytes, str | None]:
    """A path (streamed by the core), or the bytes read through `fs` for a remote file system."""
    if fs is None:
        return Path(file), None
    with fs.open(str(file), "rb") as handle:
        return bytes(handle.read()), PurePath(str(file)).name


class DeepSeekOCRReader(BaseReader):
    """PDF, Word, PowerPoint files and images read by DeepSeek's OCR, a `Document` per page."""

    def __init__(
        self,
        *,
        purpose: Purpose = "text_recognition",
        mode: Literal["page", "single"] = "page",
        keep_markup: bool = False,
        **connection: Any,
    ) -> None:
        self.purpose: Purpose = purpose
        """`text_recognition` (Word and PowerPoint without images read directly, the rest page
        by page) or `rich_layout_recognition` (every page recognized, layout kept)."""
        self.mode = check_mode(mode)
        """`page`: a document per page; `single`: one document for the file."""
        self.keep_markup = keep_markup
        """Keep DeepSeek's grounding markup in the text (the boxes are in metadata anyway)."""
        self._connection = PartConnection(**connection)

    def load_data(
        self,
        file: Path | PurePath | str,
        extra_info: dict[str, Any] | None = None,
        fs: Any | None = None,
    ) -> list[Document]:
        """The pages of `file`, in order; `extra_info` (what `SimpleDirectoryReader` passes:
        file name, type, size, dates) joins each page's metadata."""
        source, filename = _file_source(file, fs)
        result = self._connection._get_client().ocr(source, purpose=self.purpose, filename=filename)
        return _page_documents(result, str(file), self.mode, self.keep_markup, extra_info)

    async def aload_data(
        self,
        file: Path | PurePath | str,
        extra_info: dict[str, Any] | None = None,
        fs: Any | None = None,
    ) -> list[Document]:
        """The pages of `file`, in order, with the async client."""
        source, filename = _file_source(file, fs)
        result = await self._connection._get_aclient().ocr(
            source, purpose=self.purpose, filename=filename
        )
        return _page_documents(result, str(file), self.mode, self.keep_markup, extra_info)


def _transcript(result: Transcription, source: str, extra_info: dict[str, Any] | None) -> Document:
    metadata = {**(extra_info or {}), **transcript_metadata(result, source)}
    hidden = ["request_id", "estimated_cost_usd", "duration_ms"]
    return Document(
        text=result.text,
        metadata=metadata,
        # where a segment starts helps the LLM cite it; it only adds noise to an embedding
        excluded_embed_metadata_keys=[*hidden, "start_seconds", "end_seconds"],
        excluded_llm_metadata_keys=hidden,
    )


class DeepSeekAudioReader(BaseReader):
    """Audio (16-bit PCM WAV or Ogg Opus) transcribed by DeepSeek's ASR: a `Document` per file,
    or per segment of a WAV recording longer than ASR takes (120 s, 8 MiB: split between
    frames). Use it for `.wav` and `.ogg`/`.opus` in `SimpleDirectoryReader`."""

    def __init__(self, **connection: Any) -> None:
        self._connection = PartConnection(**connection)

    def load_data(
        self,
        file: Path | PurePath | str,
        extra_info: dict[str, Any] | None = None,
        fs: Any | None = None,
    ) -> list[Document]:
        """The transcript of `file`: one document, or one per segment of a long WAV recording
        (`start_seconds`, `end_seconds` in metadata)."""
        source, filename = _file_source(file, fs)
        parts = self._connection._get_client().transcribe_long(source, filename=filename)
        return [_transcript(result, str(file), extra_info) for result in parts]

    async def aload_data(
        self,
        file: Path | PurePath | str,
        extra_info: dict[str, Any] | None = None,
        fs: Any | None = None,
    ) -> list[Document]:
        """The transcript of `file`, with the async client."""
        source, filename = _file_source(file, fs)
        parts = self._connection._get_aclient().transcribe_long(source, filename=filename)
        return [_transcript(result, str(file), extra_info) async for result in parts]
