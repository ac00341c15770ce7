"""What a framework integration needs beyond what a user of the client needs.

The LangChain and LlamaIndex adapters build on these: request preparation (the body and path
exactly as sent, for parity checks and for tools that show the request), the thinking-mode
switch, the JSON-mode instruction both adapters put in the prompt, the SSE decoder, the retry
classification, the helper that closes the core's streams when a framework's async generator is
closed early, one async client per event loop, deep copies of a model that holds live clients,
the one rule for tool-call arguments that are not JSON, how web search results read as a tool
result, how an OCR answer becomes documents' texts and metadata, and how credentials given
outside `api_key` are masked where settings are shown or serialized. They are public and stable,
but they are not part of `deepseek_ext_core.__all__`: a user of the client never needs them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._closing import closing_opened_streams
from ._copying import deepcopy_model
from ._per_loop import AsyncClientPerLoop
from ._prepare import PreparedRequest, prepare_chat_request, prepare_fim_request, thinking_is_on
from ._request import is_server_tool_spec, json_mode_instruction, thinking_mode
from ._retry import is_retryable, parse_retry_after
from ._secrets import MASK, is_sensitive_name, mask_mapping, mask_url
from ._sse import SSEDecoder
from ._tool_arguments import parse_tool_arguments, wire_tool_arguments
from ._version import package_version
from ._web import search_text

if TYPE_CHECKING:
    from .ocr import INTERNAL_METADATA, check_mode, ocr_documents
    from .responses import (
        AsyncChatFromResponses,
        ChatFromResponses,
        as_chat_completion,
        no_responses_endpoint,
        responses_request_from_chat,
    )
    from .speech._asr import transcript_metadata
    from .speech._tts import new_speech_path

_RESPONSES = frozenset(
    {"AsyncChatFromResponses", "ChatFromResponses", "as_chat_completion",
     "no_responses_endpoint", "responses_request_from_chat"}
)  # fmt: skip
"""`/responses` in chat-completion shape, for adapters; loaded when first named."""


_OCR = frozenset({"INTERNAL_METADATA", "check_mode", "ocr_documents"})
"""OCR answers as framework documents' texts and metadata; loaded when first named."""
_SPEECH = {"transcript_metadata": "_asr", "new_speech_path": "_tts"}
"""A transcript's metadata for a framework document, and where a speech tool saves its audio;
loaded when first named."""


def __getattr__(name: str) -> object:
    if name in _RESPONSES:
        from . import responses

        return getattr(responses, name)
    if name in _OCR:
        from . import ocr

        return getattr(ocr, name)
    if name in _SPEECH:
        import importlib

        return getattr(importlib.import_module(f".speech.{_SPEECH[name]}", __package__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "INTERNAL_METADATA",
    "MASK",
    "AsyncChatFromResponses",
    "AsyncClientPerLoop",
    "ChatFromResponses",
    "PreparedRequest",
    "SSEDecoder",
    "as_chat_completion",
    "check_mode",
    "closing_opened_streams",
    "deepcopy_model",
    "is_retryable",
    "is_sensitive_name",
    "is_server_tool_spec",
    "json_mode_instruction",
    "mask_mapping",
    "mask_url",
    "new_speech_path",
    "no_responses_endpoint",
    "ocr_documents",
    "package_version",
    "parse_retry_after",
    "parse_tool_arguments",
    "prepare_chat_request",
    "prepare_fim_request",
    "responses_request_from_chat",
    "search_text",
    "thinking_is_on",
    "thinking_mode",
    "transcript_metadata",
    "wire_tool_arguments",
]
