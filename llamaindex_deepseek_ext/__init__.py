"""LlamaIndex adapter for DeepSeek, built on `deepseek_ext_core`.

`DeepSeek` is a `FunctionCallingLLM` for agents, query engines and RAG; `DeepSeekFIM` does
fill-in-the-middle completion; `DeepSeekOCRReader` and `DeepSeekAudioReader` turn documents and
speech into `Document`s.
"""

from typing import TYPE_CHECKING

from deepseek_ext_core.integration import package_version

from ._convert import (
    FIELDS_KEY,
    PREFIX_KEY,
    ROLE_KEY,
    file_block,
    latest_reminder_message,
)
from ._errors import ToolArgumentsError
from ._tokens import deepseek_tokenizer
from .base import DeepSeek
from .fim import DeepSeekFIM

if TYPE_CHECKING:
    from .documents import DeepSeekAudioReader, DeepSeekOCRReader
    from .responses import DeepSeekResponses
    from .web import DeepSeekSearchRetriever, DeepSeekToolSpec, DeepSeekWebReader, SearchResults

_LAZY_WEB = frozenset(
    {"DeepSeekSearchRetriever", "DeepSeekToolSpec", "DeepSeekWebReader", "SearchResults"}
)
"""The web parts, imported on first use (the tool spec, reader and retriever bring LlamaIndex
modules `from llamaindex_deepseek_ext import DeepSeek` need not load)."""


def __getattr__(name: str) -> object:
    # The version is read from the package metadata on first use, not at import.
    if name == "__version__":
        return package_version()
    if name in _LAZY_WEB:
        from . import web

        return getattr(web, name)
    if name in ("DeepSeekOCRReader", "DeepSeekAudioReader"):  # readers: loaded when named
        from . import documents

        return getattr(documents, name)
    if name == "DeepSeekResponses":  # loaded when first named, with the core's Responses parts
        from .responses import DeepSeekResponses

        return DeepSeekResponses
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "FIELDS_KEY",
    "PREFIX_KEY",
    "ROLE_KEY",
    "DeepSeek",
    "DeepSeekAudioReader",
    "DeepSeekFIM",
    "DeepSeekOCRReader",
    "DeepSeekResponses",
    "DeepSeekSearchRetriever",
    "DeepSeekToolSpec",
    "DeepSeekWebReader",
    "SearchResults",
    "ToolArgumentsError",
    "__version__",
    "deepseek_tokenizer",
    "file_block",
    "latest_reminder_message",
]
