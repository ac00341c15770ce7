"""deepseek_ext_core: everything DeepSeek-specific, once; no framework imports.

The LangChain and LlamaIndex adapters are thin layers over these names.
"""

from typing import TYPE_CHECKING

from ._accumulate import ChatAccumulator
from ._async_client import AsyncDeepSeekClient
from ._capabilities import KNOWN_MODELS, ModelCapabilities, get_capabilities
from ._client import DeepSeekClient
from ._constants import DEFAULT_BASE_URL, DEFAULT_MAX_RETRIES, DEFAULT_MODEL
from ._errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    BudgetExceededError,
    ContextLengthExceededError,
    DeepSeekError,
    IncompleteGenerationError,
    InsufficientBalanceError,
    InternalServerError,
    InvalidConversationError,
    InvalidRequestError,
    InvalidResponseError,
    LimiterError,
    LimiterQueueFullError,
    LimiterTimeoutError,
    LimiterUnavailableError,
    MissingAPIKeyError,
    PayloadTooLargeError,
    RateLimitError,
    ServiceUnavailableError,
    StreamTruncatedError,
    StrictSchemaError,
    ThinkingModeConflictError,
    UnprocessableEntityError,
    UnsupportedInputError,
    UploadOutcomeUnknownError,
    UploadTimeoutError,
)
from ._files import MAX_DOCUMENT_BYTES, MAX_UPLOAD_BYTES, FileDeleted, FileList, FileObject
from ._history import to_wire_messages
from ._messages import (
    AssistantMessage,
    ContentPart,
    FilePart,
    ImagePart,
    LatestReminderMessage,
    Message,
    ReasoningPassback,
    SystemMessage,
    TextPart,
    ToolCall,
    ToolMessage,
    UserMessage,
)
from ._request import (
    WEB_TOOL_TYPES,
    ChatRequest,
    FIMRequest,
    FunctionName,
    NamedToolChoice,
    ResponseFormat,
    SafetyCheck,
    ServerTool,
    StreamOptions,
    ThinkingMode,
    Tool,
    ToolChoice,
    ToolFunction,
)
from ._response import (
    Balance,
    BalanceInfo,
    ChatCompletion,
    ChatCompletionChunk,
    Choice,
    ChunkChoice,
    ChunkDelta,
    ChunkToolCall,
    FIMCompletion,
    ModelInfo,
    ModelList,
    ResponseMessage,
    Usage,
    WireToolCall,
)
from ._retry import RetryPolicy
from ._stream import AsyncChatStream, AsyncStream, ChatStream, Stream
from ._strict import to_strict_schema
from ._telemetry import configure_telemetry
from ._tokens import CountMethod, count_message_tokens, count_tokens, has_exact_tokenizer
from ._usage import (
    ASR_SECOND_PRICE_USD,
    DEFAULT_PRICES,
    MEDIA_PRICES_AS_OF,
    OCR_PAGE_PRICE_USD,
    PRICES_AS_OF,
    TTS_CHARACTER_PRICE_USD,
    USD_PER_CNY,
    WEB_TOOL_PRICE_USD,
    ModelPrice,
    PricedResponse,
    UsageSummary,
    estimate_cost,
    estimate_peak_uncached_cost,
    estimate_response_cost,
    is_peak,
    next_off_peak_start,
    next_peak_start,
    summarize_usage,
)
from ._version import package_version
from ._web import FetchResult, SearchResponse, SearchResult

if TYPE_CHECKING:
    from .limits import InProcessLimiter, RedisLimiter
    from .ocr import LayoutBox, OCRPage, OCRResult
    from .responses import (
        AsyncResponseStream,
        Response,
        ResponseEvent,
        ResponsesRequest,
        ResponseStream,
    )
    from .speech import (
        AsyncLiveSpeechStream,
        AsyncSpeechStream,
        AudioSegment,
        LiveSpeechStream,
        SpeechResult,
        SpeechStream,
        Transcription,
        split_wav,
    )

_LAZY_MODULES = {
    **dict.fromkeys(("LayoutBox", "OCRPage", "OCRResult"), "ocr"),
    **dict.fromkeys(
        (
            "AsyncLiveSpeechStream",
            "AsyncSpeechStream",
            "AudioSegment",
            "LiveSpeechStream",
            "SpeechResult",
            "SpeechStream",
            "Transcription",
            "split_wav",
        ),
        "speech",
    ),
}
"""OCR and speech names, loaded when first named, as the Responses API's are."""

_RESPONSES = frozenset(
    {"AsyncResponseStream", "Response", "ResponseEvent", "ResponseStream", "ResponsesRequest"}
)
"""The Responses API's names, loaded when first named (its models cost ~12 ms to define)."""


def __getattr__(name: str) -> object:
    # `__version__` is read from the package metadata on first use (see `_version.py`); the
    # limiters when first named (they bring threading, asyncio and, for Redis, redis-py).
    if name == "__version__":
        return package_version()
    if name in ("InProcessLimiter", "RedisLimiter"):
        from . import limits

        return getattr(limits, name)
    if name in _RESPONSES:
        from . import responses

        return getattr(responses, name)
    if name in _LAZY_MODULES:
        import importlib

        return getattr(importlib.import_module(f".{_LAZY_MODULES[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "ASR_SECOND_PRICE_USD",
    "DEFAULT_BASE_URL",
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_MODEL",
    "DEFAULT_PRICES",
    "KNOWN_MODELS",
    "MAX_DOCUMENT_BYTES",
    "MAX_UPLOAD_BYTES",
    "MEDIA_PRICES_AS_OF",
    "OCR_PAGE_PRICE_USD",
    "PRICES_AS_OF",
    "TTS_CHARACTER_PRICE_USD",
    "USD_PER_CNY",
    "WEB_TOOL_PRICE_USD",
    "WEB_TOOL_TYPES",
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AssistantMessage",
    "AsyncChatStream",
    "AsyncDeepSeekClient",
    "AsyncLiveSpeechStream",
    "AsyncResponseStream",
    "AsyncSpeechStream",
    "AsyncStream",
    "AudioSegment",
    "AuthenticationError",
    "BadRequestError",
    "Balance",
    "BalanceInfo",
    "BudgetExceededError",
    "ChatAccumulator",
    "ChatCompletion",
    "ChatCompletionChunk",
    "ChatRequest",
    "ChatStream",
    "Choice",
    "ChunkChoice",
    "ChunkDelta",
    "ChunkToolCall",
    "ContentPart",
    "ContextLengthExceededError",
    "CountMethod",
    "DeepSeekClient",
    "DeepSeekError",
    "FIMCompletion",
    "FIMRequest",
    "FetchResult",
    "FileDeleted",
    "FileList",
    "FileObject",
    "FilePart",
    "FunctionName",
    "ImagePart",
    "InProcessLimiter",
    "IncompleteGenerationError",
    "InsufficientBalanceError",
    "InternalServerError",
    "InvalidConversationError",
    "InvalidRequestError",
    "InvalidResponseError",
    "LatestReminderMessage",
    "LayoutBox",
    "LimiterError",
    "LimiterQueueFullError",
    "LimiterTimeoutError",
    "LimiterUnavailableError",
    "LiveSpeechStream",
    "Message",
    "MissingAPIKeyError",
    "ModelCapabilities",
    "ModelInfo",
    "ModelList",
    "ModelPrice",
    "NamedToolChoice",
    "OCRPage",
    "OCRResult",
    "PayloadTooLargeError",
    "PricedResponse",
    "RateLimitError",
    "ReasoningPassback",
    "RedisLimiter",
    "Response",
    "ResponseEvent",
    "ResponseFormat",
    "ResponseMessage",
    "ResponseStream",
    "ResponsesRequest",
    "RetryPolicy",
    "SafetyCheck",
    "SearchResponse",
    "SearchResult",
    "ServerTool",
    "ServiceUnavailableError",
    "SpeechResult",
    "SpeechStream",
    "Stream",
    "StreamOptions",
    "StreamTruncatedError",
    "StrictSchemaError",
    "SystemMessage",
    "TextPart",
    "ThinkingMode",
    "ThinkingModeConflictError",
    "Tool",
    "ToolCall",
    "ToolChoice",
    "ToolFunction",
    "ToolMessage",
    "Transcription",
    "UnprocessableEntityError",
    "UnsupportedInputError",
    "UploadOutcomeUnknownError",
    "UploadTimeoutError",
    "Usage",
    "UsageSummary",
    "UserMessage",
    "WireToolCall",
    "__version__",
    "configure_telemetry",
    "count_message_tokens",
    "count_tokens",
    "estimate_cost",
    "estimate_peak_uncached_cost",
    "estimate_response_cost",
    "get_capabilities",
    "has_exact_tokenizer",
    "is_peak",
    "next_off_peak_start",
    "next_peak_start",
    "split_wav",
    "summarize_usage",
    "to_strict_schema",
    "to_wire_messages",
]
