"""`/responses` in chat-completion shape, for integrations built on chat completions: a chat
request as a Responses request, a Responses answer as a `ChatCompletion`, and a Responses
stream as chat chunks (reasoning and text as they come; the calls, finish and usage at the
end), so a framework adapter routes through `/responses` without a second conversion path."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping
from types import TracebackType
from typing import Any

from .._accumulate import ChatAccumulator
from .._errors import APIStatusError, InvalidRequestError
from .._request import ChatRequest
from .._response import (
    ChatCompletion,
    ChatCompletionChunk,
    Choice,
    ChunkChoice,
    ChunkDelta,
    ChunkFunction,
    ChunkToolCall,
    ResponseMessage,
    WireFunction,
    WireToolCall,
)
from ._events import ResponseEvent
from ._request import ResponsesRequest
from ._response import Response
from ._stream import AsyncResponseStream, ResponseStream

__all__ = [
    "AsyncChatFromResponses",
    "ChatFromResponses",
    "as_chat_completion",
    "no_responses_endpoint",
    "responses_request_from_chat",
]


def responses_request_from_chat(request: ChatRequest, *, stream: bool) -> ResponsesRequest:
    """The Responses form of a chat request; what `/responses` has no counterpart for (stop
    sequences, `response_format`) is refused by name before sending."""
    if request.stop:
        raise InvalidRequestError("stop sequences have no counterpart on /responses")
    if request.response_format is not None:
        raise InvalidRequestError(
            "response_format is chat completions'; on /responses use text.format "
            "(with_structured_output(method='json_schema') in LangChain)"
        )
    tools = [_tool(tool.model_dump(exclude_none=True)) for tool in request.tools or ()]
    effort = None
    if request.thinking == "disabled":
        effort = "none"
    elif request.reasoning_effort is not None:
        effort = request.reasoning_effort
    choice = request.tool_choice
    return ResponsesRequest(
        model=request.model,
        input=list(request.messages),
        stream=stream,
        max_output_tokens=request.max_tokens,
        temperature=request.temperature,
        top_p=request.top_p,
        user=request.user_id,
        tools=tools or None,
        tool_choice=_choice(choice if isinstance(choice, str | None) else choice.model_dump()),
        reasoning={"effort": effort} if effort else None,
        extra_body=request.extra_body,
    )


def _tool(dumped: Mapping[str, Any]) -> dict[str, Any]:
    function = dumped.get("function")
    if not isinstance(function, Mapping):
        return dict(dumped)  # a server-side tool: as given
    return {"type": "function", **function}


def _choice(choice: Any) -> Any:
    if isinstance(choice, Mapping) and isinstance(choice.get("function"), Mapping):
        return {"type": "function", "name": choice["function"].get("name")}
    return choice


def as_chat_completion(answer: Response) -> ChatCompletion:
    """The answer as a chat completion: content, reasoning, calls, finish reason, usage."""
    message = answer.to_message()
    calls = [
        WireToolCall(index=n, id=c.id, function=WireFunction(name=c.name, arguments=c.arguments))
        for n, c in enumerate(message.tool_calls)
    ]
    completion = ChatCompletion(
        id=answer.id,
        created=answer.created_at,
        model=answer.model,
        choices=[
            Choice(
                message=ResponseMessage(
                    content=message.content or "",
                    reasoning_content=message.reasoning_content,
                    tool_calls=calls or None,
                    **dict(message.extra_fields or {}),  # a server-tool turn's items
                ),
                finish_reason=_finish(answer),
            )
        ],
        usage=answer.usage,
    )
    completion.request_id = answer.request_id
    return completion


def _finish(answer: Response) -> str:
    reason = answer.finish_reason
    return "length" if reason == "max_output_tokens" else reason


def _event_chunk(event: ResponseEvent, request_id: str | None) -> ChatCompletionChunk | None:
    if not event.reasoning and not event.text:
        return None
    delta = ChunkDelta(content=event.text or None, reasoning_content=event.reasoning or None)
    return ChatCompletionChunk(choices=[ChunkChoice(delta=delta)])


def _final_chunk(answer: Response) -> ChatCompletionChunk:
    message = answer.to_message()
    calls = [
        ChunkToolCall(
            index=n,
            id=c.id,
            type="function",
            function=ChunkFunction(name=c.name, arguments=c.arguments),
        )
        for n, c in enumerate(message.tool_calls)
    ]
    delta = ChunkDelta(content="", tool_calls=calls or None, **dict(message.extra_fields or {}))
    return ChatCompletionChunk(
        id=answer.id,
        created=answer.created_at,
        model=answer.model,
        choices=[ChunkChoice(delta=delta, finish_reason=_finish(answer))],
        usage=answer.usage,
    )


class ChatFromResponses:
    """A Responses stream read as a chat stream: iterate for chunks; `completion()` merges
    them; `accumulator` and `request_id` as a `ChatStream` has them."""

    def __init__(self, stream: ResponseStream) -> None:
        self._stream = stream
        self.accumulator = ChatAccumulator()
        self.request_id = stream.request_id

    def __iter__(self) -> Iterator[ChatCompletionChunk]:
        for event in self._stream:
            chunk = _event_chunk(event, self.request_id)
            if chunk is not None:
                self.accumulator.add(chunk)
                yield chunk
        final = _final_chunk(self._stream.final_response())
        self.accumulator.add(final)
        yield final

    def completion(self) -> ChatCompletion:
        completion = self.accumulator.completion()
        completion.request_id = self.request_id
        return completion

    def close(self) -> None:
        self._stream.close()

    def __enter__(self) -> ChatFromResponses:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class AsyncChatFromResponses:
    """The async twin of `ChatFromResponses`."""

    def __init__(self, stream: AsyncResponseStream) -> None:
        self._stream = stream
        self.accumulator = ChatAccumulator()
        self.request_id = stream.request_id

    async def _chunks(self) -> AsyncIterator[ChatCompletionChunk]:
        async for event in self._stream:
            chunk = _event_chunk(event, self.request_id)
            if chunk is not None:
                self.accumulator.add(chunk)
                yield chunk
        final = _final_chunk(self._stream.final_response())
        self.accumulator.add(final)
        yield final

    def __aiter__(self) -> AsyncIterator[ChatCompletionChunk]:
        return self._chunks()

    def completion(self) -> ChatCompletion:
        completion = self.accumulator.completion()
        completion.request_id = self.request_id
        return completion

    async def aclose(self) -> None:
        await self._stream.aclose()

    async def __aenter__(self) -> AsyncChatFromResponses:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()


class no_responses_endpoint:  # noqa: N801 (a context manager, used like a function)
    """Adds `what_to_do` to a 404 from `/responses`: a base URL without it (most gateways)
    says how to get structured output there instead."""

    def __init__(self, what_to_do: str) -> None:
        self.what_to_do = what_to_do

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: object, exc: BaseException | None, tb: object) -> None:
        if isinstance(exc, APIStatusError) and exc.status_code == 404:
            exc.message = (
                f"{exc.message}; this base URL has no /responses endpoint (a gateway?), where "
                f"DeepSeek's native json_schema output lives: {self.what_to_do}"
            )
            exc.args = (exc.message,)
