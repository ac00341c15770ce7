"""`ChatDeepSeek(use_responses_api=True)`: every call through DeepSeek's `/responses`.

The chat request the model builds (messages, tools, tool choice, settings) becomes a
`ResponsesRequest` by the core's `responses_request_from_chat` (the replay rules apply to the
conversation; `max_tokens` is `max_output_tokens`, thinking is `reasoning.effort`). Answers
come back as the `AIMessage`s a chat answer gives: text, reasoning in
`additional_kwargs["reasoning_content"]`, tool calls, usage with cache and reasoning details.
A stream yields reasoning and text as they come, and the calls, usage and metadata at its end.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

from langchain_core.messages import AIMessageChunk
from langchain_core.outputs import ChatGenerationChunk

from deepseek_ext_core import Response

from ._convert import FIELDS_KEY, REASONING_KEY, from_response, usage_to_metadata

__all__ = ["astream_chunks", "end_chunk", "event_chunk", "stream_chunks"]


def event_chunk(reasoning: str, text: str) -> ChatGenerationChunk | None:
    """A chunk of what a Responses stream event added (None when it added neither)."""
    if not reasoning and not text:
        return None
    extra = {REASONING_KEY: reasoning} if reasoning else {}
    return ChatGenerationChunk(message=AIMessageChunk(content=text, additional_kwargs=extra))


def end_chunk(answer: Response, include_usage: bool) -> ChatGenerationChunk:
    """The stream's last chunk: the calls (whole), a server-tool turn's items (whole), usage
    and the answer's metadata."""
    message = from_response(answer)
    calls = [
        {"name": c["name"], "args": json.dumps(c["args"]), "id": c["id"], "index": n,
         "type": "tool_call_chunk"}
        for n, c in enumerate(message.tool_calls)
    ]  # fmt: skip
    usage = answer.usage
    fields = message.additional_kwargs.get(FIELDS_KEY)
    chunk = AIMessageChunk(
        content="",
        additional_kwargs={FIELDS_KEY: fields} if fields else {},
        tool_call_chunks=calls,
        response_metadata=message.response_metadata,
        usage_metadata=usage_to_metadata(usage) if include_usage and usage is not None else None,
        chunk_position="last",
    )
    return ChatGenerationChunk(
        message=chunk, generation_info={"finish_reason": answer.finish_reason}
    )


def stream_chunks(events: Iterator[Any]) -> Iterator[ChatGenerationChunk]:
    for event in events:
        chunk = event_chunk(event.reasoning, event.text)
        if chunk is not None:
            yield chunk


async def astream_chunks(events: AsyncIterator[Any]) -> AsyncIterator[ChatGenerationChunk]:
    async for event in events:
        chunk = event_chunk(event.reasoning, event.text)
        if chunk is not None:
            yield chunk
