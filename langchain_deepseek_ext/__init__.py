"""LangChain integration for DeepSeek, built on `deepseek_ext_core`.

A drop-in for `langchain_deepseek`: change the import to `from langchain_deepseek_ext import
ChatDeepSeek`. Errors are importable from here and are also langchain-core's error types.
"""

from typing import TYPE_CHECKING

from deepseek_ext_core.integration import package_version
from langchain_deepseek_ext._blocks import register_blocks
from langchain_deepseek_ext._convert import (
    FIELDS_KEY,
    PREFIX_KEY,
    REASONING_KEY,
    latest_reminder_message,
)
from langchain_deepseek_ext._errors import (
    APIConnectionError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ContextLengthExceededError,
    IncompleteGenerationError,
    InsufficientBalanceError,
    InternalServerError,
    InvalidResponseError,
    RateLimitError,
    ServiceUnavailableError,
    StreamTruncatedError,
    UnprocessableEntityError,
)
from langchain_deepseek_ext.chat_models import ChatDeepSeek

if TYPE_CHECKING:
    from langchain_deepseek_ext.documents import DeepSeekOCRLoader, DeepSeekOCRParser
    from langchain_deepseek_ext.llms import DeepSeekFIM
    from langchain_deepseek_ext.speech import DeepSeekAudioParser, DeepSeekTextToSpeech
    from langchain_deepseek_ext.web import (
        DeepSeekFetch,
        DeepSeekFetchLoader,
        DeepSeekSearch,
        DeepSeekSearchRetriever,
    )

register_blocks()

_LAZY = {
    "DeepSeekFIM": "langchain_deepseek_ext.llms",
    "DeepSeekSearch": "langchain_deepseek_ext.web",
    "DeepSeekFetch": "langchain_deepseek_ext.web",
    "DeepSeekSearchRetriever": "langchain_deepseek_ext.web",
    "DeepSeekFetchLoader": "langchain_deepseek_ext.web",
    "DeepSeekOCRLoader": "langchain_deepseek_ext.documents",
    "DeepSeekOCRParser": "langchain_deepseek_ext.documents",
    "DeepSeekAudioParser": "langchain_deepseek_ext.speech",
    "DeepSeekTextToSpeech": "langchain_deepseek_ext.speech",
}
"""Parts imported on first use: `DeepSeekFIM` brings langchain-core's `BaseLLM` (and PyYAML,
25 ms), the web, OCR and speech parts their tools, retrievers, loaders and parsers, which
`from langchain_deepseek_ext import ChatDeepSeek` need not pay for. Importable from here, as
partner packages export their tools."""


def __getattr__(name: str) -> object:
    if name == "__version__":
        return package_version()
    module = _LAZY.get(name)
    if module is not None:
        import importlib

        return getattr(importlib.import_module(module), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "FIELDS_KEY",
    "PREFIX_KEY",
    "REASONING_KEY",
    "APIConnectionError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ChatDeepSeek",
    "ContextLengthExceededError",
    "DeepSeekAudioParser",
    "DeepSeekFIM",
    "DeepSeekFetch",
    "DeepSeekFetchLoader",
    "DeepSeekOCRLoader",
    "DeepSeekOCRParser",
    "DeepSeekSearch",
    "DeepSeekSearchRetriever",
    "DeepSeekTextToSpeech",
    "IncompleteGenerationError",
    "InsufficientBalanceError",
    "InternalServerError",
    "InvalidResponseError",
    "RateLimitError",
    "ServiceUnavailableError",
    "StreamTruncatedError",
    "UnprocessableEntityError",
    "__version__",
    "latest_reminder_message",
]
