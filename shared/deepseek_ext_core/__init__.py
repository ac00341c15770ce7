"""deepseek_ext_core: everything DeepSeek-specific, once; no framework imports.

The LangChain and LlamaIndex adapters are thin layers over these names.
"""

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
    ContextLengthExceededError,
    DeepSeekError,
    IncompleteGenerationError,
    InsufficientBalanceError,
    InternalServerError,
    InvalidConversationError,
    InvalidRequestError,
    InvalidResponseError,
    MissingAPIKeyError,
    RateLimitError,
    ServiceUnavailableError,
    StreamTruncatedError,
    StrictSchemaError,
    ThinkingModeConflictError,
    UnprocessableEntityError,
    UnsupportedInputError,
)
from ._history import to_wire_messages
from ._messages import (
    AssistantMessage,
    ContentPart,
    ImagePart,
    Message,
    ReasoningPassback,
    SystemMessage,
    TextPart,
    ToolCall,
    ToolMessage,
    UserMessage,
)
from ._request import (
    ChatRequest,
    FIMRequest,
    FunctionName,
    NamedToolChoice,
    ResponseFormat,
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
from ._tokens import CountMethod, count_message_tokens, count_tokens, has_exact_tokenizer
from ._usage import (
    DEFAULT_PRICES,
    PRICES_AS_OF,
    ModelPrice,
    PricedResponse,
    UsageSummary,
    estimate_cost,
    estimate_response_cost,
    is_peak,
    summarize_usage,
)
from ._version import package_version
from ._web import WEB_TOOL_PRICE_USD, FetchResult, SearchResponse, SearchResult


def __getattr__(name: str) -> object:
    # `__version__` is read from the package metadata on first use (see `_version.py`).
    if name == "__version__":
        return package_version()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_MODEL",
    "DEFAULT_PRICES",
    "KNOWN_MODELS",
    "PRICES_AS_OF",
    "WEB_TOOL_PRICE_USD",
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AssistantMessage",
    "AsyncChatStream",
    "AsyncDeepSeekClient",
    "AsyncStream",
    "AuthenticationError",
    "BadRequestError",
    "Balance",
    "BalanceInfo",
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
    "FunctionName",
    "ImagePart",
    "IncompleteGenerationError",
    "InsufficientBalanceError",
    "InternalServerError",
    "InvalidConversationError",
    "InvalidRequestError",
    "InvalidResponseError",
    "Message",
    "MissingAPIKeyError",
    "ModelCapabilities",
    "ModelInfo",
    "ModelList",
    "ModelPrice",
    "NamedToolChoice",
    "PricedResponse",
    "RateLimitError",
    "ReasoningPassback",
    "ResponseFormat",
    "ResponseMessage",
    "RetryPolicy",
    "SearchResponse",
    "SearchResult",
    "ServiceUnavailableError",
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
    "UnprocessableEntityError",
    "UnsupportedInputError",
    "Usage",
    "UsageSummary",
    "UserMessage",
    "WireToolCall",
    "__version__",
    "count_message_tokens",
    "count_tokens",
    "estimate_cost",
    "estimate_response_cost",
    "get_capabilities",
    "has_exact_tokenizer",
    "is_peak",
    "summarize_usage",
    "to_strict_schema",
    "to_wire_messages",
]
