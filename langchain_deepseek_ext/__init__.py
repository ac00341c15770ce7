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
    from langchain_deepseek_ext.llms import DeepSeekFIM

register_blocks()


def __getattr__(name: str) -> object:
    # `DeepSeekFIM` is imported on first use: it brings langchain-core's `BaseLLM` and, with it,
    # PyYAML, 25 ms that `from langchain_deepseek_ext import ChatDeepSeek` need not pay.
    if name == "__version__":
        return package_version()
    if name == "DeepSeekFIM":
        from langchain_deepseek_ext.llms import DeepSeekFIM

        return DeepSeekFIM
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
    "DeepSeekFIM",
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
