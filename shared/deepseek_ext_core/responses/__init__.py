"""DeepSeek's Responses API (`POST /responses`, docs/deepseek-api.md §6.7): OpenAI's Responses
format, stateless, and the only place DeepSeek offers native JSON-schema output
(`text.format: json_schema`), in thinking mode too.

    from deepseek_ext_core import DeepSeekClient
    from deepseek_ext_core.responses import ResponsesRequest

    with DeepSeekClient() as client:
        answer = client.responses(ResponsesRequest(model="deepseek-flash", input="Hi"))
        print(answer.output_text)
"""

from __future__ import annotations

from ._as_chat import (
    AsyncChatFromResponses,
    ChatFromResponses,
    as_chat_completion,
    no_responses_endpoint,
    responses_request_from_chat,
)
from ._events import ResponseEvent, event_has_substance, parse_event
from ._items import to_response_items
from ._request import RESPONSES_PATH, ResponsesRequest, prepare_responses_request
from ._response import Response, ResponseUsage, check_status
from ._schema import to_deepseek_json_schema
from ._stream import AsyncResponseStream, ResponseAccumulator, ResponseStream

__all__ = [
    "RESPONSES_PATH",
    "AsyncChatFromResponses",
    "AsyncResponseStream",
    "ChatFromResponses",
    "Response",
    "ResponseAccumulator",
    "ResponseEvent",
    "ResponseStream",
    "ResponseUsage",
    "ResponsesRequest",
    "as_chat_completion",
    "check_status",
    "event_has_substance",
    "no_responses_endpoint",
    "parse_event",
    "prepare_responses_request",
    "responses_request_from_chat",
    "to_deepseek_json_schema",
    "to_response_items",
]
