"""A LangChain `Blob` as the core's file methods take it."""

from __future__ import annotations

from pathlib import Path, PurePath

from langchain_core.document_loaders import Blob


def blob_name(blob: Blob) -> str:
    """What a document made from `blob` names as its `source`."""
    return str(blob.source or blob.path or "blob")


def blob_source(blob: Blob) -> tuple[Path | bytes, str]:
    """A blob as the core takes it: its path (streamed) when it has no data in memory, else its
    bytes, named after its path or source (DeepSeek needs a file name; the type is read from
    the content)."""
    name = PurePath(str(blob.path or blob.source or "document")).name or "document"
    if blob.data is None and blob.path is not None:
        return Path(blob.path), name
    return blob.as_bytes(), name
