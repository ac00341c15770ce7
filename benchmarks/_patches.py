"""The changes proposed in `proposed-core-changes.md`, as reversible monkeypatches for `ab.py`.

Each patch is the diff's new code, installed over the running modules (every module attribute
bound to the old object is rebound, so `from x import y` copies are covered) and removable, so
`ab.py` can measure patched and unpatched code in alternating rounds of one process.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

Undo = Callable[[], None]


def _rebind(old: object, new: object) -> Undo:
    """Rebinds every module-level name bound to `old`."""
    places = [
        (module, name)
        for module in list(sys.modules.values())
        if module is not None
        and getattr(module, "__name__", "").startswith(
            ("deepseek_ext_core", "langchain_deepseek_ext", "llamaindex_deepseek_ext")
        )
        for name, value in list(vars(module).items())
        if value is old
    ]
    for module, name in places:
        setattr(module, name, new)

    def undo() -> None:
        for module, name in places:
            setattr(module, name, old)

    return undo


def _both(first: Undo, second: Undo) -> Undo:
    def undo() -> None:
        first()
        second()

    return undo


def _set_attrs(owner: Any, **new: Any) -> Undo:
    old = {name: owner.__dict__[name] for name in new}
    for name, value in new.items():
        setattr(owner, name, value)

    def undo() -> None:
        for name, value in old.items():
            setattr(owner, name, value)

    return undo


# -- core 1: class-based mapped_transport_errors ---------------------------------------------


def patch_transport_cm() -> Undo:
    import httpx

    from deepseek_ext_core import _base
    from deepseek_ext_core._errors import APIConnectionError, APITimeoutError, InvalidRequestError

    transport_errors = (httpx.HTTPError, httpx.StreamError, httpx.InvalidURL, httpx.CookieConflict)

    def map_transport_error(exc: Exception) -> Exception:
        if isinstance(exc, httpx.TimeoutException):
            return APITimeoutError(f"DeepSeek request timed out ({type(exc).__name__})")
        if isinstance(exc, httpx.InvalidURL):
            return InvalidRequestError(f"invalid URL: {exc}")
        return APIConnectionError(f"connection to DeepSeek failed: {type(exc).__name__}: {exc}")

    class _MappedTransportErrors:
        __slots__ = ()

        def __enter__(self) -> None:
            return None

        def __exit__(self, exc_type: object, exc: BaseException | None, tb: object) -> None:
            if isinstance(exc, transport_errors):
                raise map_transport_error(exc) from exc

    mapped = _MappedTransportErrors()

    def mapped_transport_errors() -> _MappedTransportErrors:
        return mapped

    return _rebind(_base.mapped_transport_errors, mapped_transport_errors)


# -- core 2: the first attempt outside tenacity ----------------------------------------------


def patch_retry_first_try() -> Undo:
    from deepseek_ext_core import AsyncDeepSeekClient, DeepSeekClient

    def _retry(self: Any, attempt: Callable[[], Any]) -> Any:
        try:
            return attempt()
        except Exception as exc:
            failed = [exc]

        def replay() -> Any:
            if failed:
                raise failed.pop()
            return attempt()

        return self._settings.retry_policy.retrying()(replay)

    async def _aretry(self: Any, attempt: Callable[[], Any]) -> Any:
        try:
            return await attempt()
        except Exception as exc:
            failed = [exc]

        async def replay() -> Any:
            if failed:
                raise failed.pop()
            return await attempt()

        return await self._settings.retry_policy.async_retrying()(replay)

    undo_sync = _set_attrs(DeepSeekClient, _retry=_retry)
    undo_async = _set_attrs(AsyncDeepSeekClient, _retry=_aretry)
    return _both(undo_sync, undo_async)


# -- core 3: get_capabilities cached -----------------------------------------------------------


def patch_capabilities_cache() -> Undo:
    from dataclasses import replace

    from deepseek_ext_core import _capabilities as caps

    @functools.lru_cache(maxsize=64)
    def _lookup(model: str) -> Any:
        entry = caps._TABLE.get(model)
        if entry is None:
            return caps.ModelCapabilities(
                model=model, canonical=model, known=False, **caps._UNKNOWN
            )
        return caps.ModelCapabilities(model=model, **entry)

    def get_capabilities(model: str, **overrides: Any) -> Any:
        found = _lookup(model)
        return replace(found, **overrides) if overrides else found

    return _rebind(caps.get_capabilities, get_capabilities)


# -- core 4: parse_body without hasattr on a pydantic private attribute -----------------------


def patch_parse_body() -> Undo:
    from pydantic import ValidationError

    from deepseek_ext_core import _base
    from deepseek_ext_core._errors import InvalidResponseError, find_request_id
    from deepseek_ext_core._response import _WithRequestId

    def parse_body(model: Any, response: Any, content: bytes) -> Any:
        request_id = find_request_id(response.headers)
        if not content or content.isspace():
            raise InvalidResponseError(f"DeepSeek sent an empty body (request id {request_id})")
        try:
            parsed = model.model_validate_json(content)
        except ValidationError as exc:
            raise InvalidResponseError(
                f"DeepSeek sent a body that is not a valid {model.__name__} "
                f"(request id {request_id}): {exc.errors()[0]['msg']}"
            ) from exc
        if isinstance(parsed, _WithRequestId):
            parsed._request_id = request_id
        return parsed

    return _rebind(_base.parse_body, parse_body)


# -- core 5: accumulator pieces compacted ------------------------------------------------------

COMPACT_AT = 256


def _keep(parts: list[str], piece: str) -> None:
    parts.append(piece)
    if len(parts) >= COMPACT_AT:
        parts[:] = ["".join(parts)]


def _joined(parts: list[str]) -> str:
    text = "".join(parts)
    if len(parts) > 1:
        parts[:] = [text]
    return text


def patch_accumulator() -> Undo:
    from deepseek_ext_core import ChatAccumulator

    def add(self: Any, chunk: Any) -> None:
        self.chunk_count += 1
        if self.first is None:
            self.first = chunk
        if chunk.usage is not None:
            self.usage = chunk.usage
        for choice in chunk.choices:
            delta = choice.delta
            if delta.content is not None:
                self._has_content = True
                _keep(self._content, delta.content)
            if delta.reasoning_content is not None:
                self._has_reasoning = True
                _keep(self._reasoning, delta.reasoning_content)
            if delta.tool_calls:
                self._add_tool_calls(delta.tool_calls)
            if choice.logprobs:
                for key, items in choice.logprobs.items():
                    if isinstance(items, list):
                        self._logprobs.setdefault(key, []).extend(items)
            if choice.finish_reason is not None:
                self.finish_reason = choice.finish_reason

    content = property(lambda self: _joined(self._content), doc="The answer text so far.")
    reasoning = property(
        lambda self: _joined(self._reasoning) if self._has_reasoning else None,
        doc="The reasoning so far; None when the stream carried no reasoning field at all.",
    )
    return _set_attrs(ChatAccumulator, add=add, content=content, reasoning_content=reasoning)


# -- llamaindex: cumulative responses without a ChatCompletion per chunk ----------------------


def patch_llamaindex_stream() -> Undo:
    from llama_index.core.base.llms.types import ChatMessage, MessageRole, TextBlock, ThinkingBlock

    from llamaindex_deepseek_ext import _convert

    def _message(self: Any) -> Any:
        acc = self._accumulator
        if acc._tool_calls:  # rare: the full conversion, with ToolCallBlocks
            completion = acc.completion()
            return _convert.from_response_message(completion.choices[0].message)
        blocks: list[Any] = []
        reasoning = acc.reasoning_content
        if reasoning is not None:
            blocks.append(ThinkingBlock(content=reasoning))
        blocks.append(TextBlock(text=acc.content))
        return ChatMessage(role=MessageRole.ASSISTANT, blocks=blocks)

    undo_message = _set_attrs(_convert.ChatStreamState, _message=_message)
    undo_accumulator = patch_accumulator()
    return _both(undo_message, undo_accumulator)


# -- langchain (an experiment, not a proposal): chunks without per-chunk metadata -------------


def patch_langchain_lean_chunks() -> Undo:
    """Measures what `response_metadata` and `id` on every chunk cost (they are kept, for v1
    content blocks and ids; this only tells how much of the stream overhead they are)."""
    from langchain_core.messages import AIMessageChunk

    from langchain_deepseek_ext import _convert

    original = _convert.from_chunk

    def from_chunk(chunk: Any) -> Any:  # `_convert.from_chunk` minus the two fields
        if not chunk.choices:
            return None
        delta = chunk.choices[0].delta
        additional: dict[str, Any] = {}
        if delta.reasoning_content is not None:
            additional[_convert.REASONING_KEY] = delta.reasoning_content
        calls = [
            _convert.tool_call_chunk(
                name=call.function.name if call.function else None,
                args=call.function.arguments if call.function else None,
                id=call.id,
                index=call.index,
            )
            for call in delta.tool_calls or []
        ]
        if not (delta.content or additional or calls):
            return None
        return AIMessageChunk(
            content=delta.content or "", additional_kwargs=additional, tool_call_chunks=calls
        )

    return _rebind(original, from_chunk)


@dataclass(frozen=True)
class Patch:
    name: str
    apply: Callable[[], Undo]
    contenders: tuple[str, ...]
    figures: tuple[str, ...]


def _all(*patches: Callable[[], Undo]) -> Callable[[], Undo]:
    def apply() -> Undo:
        undos = [patch() for patch in patches]

        def undo_all() -> None:
            for undo in reversed(undos):
                undo()

        return undo_all

    return apply


CORE_CALL = ("core", "core async", "ChatDeepSeek", "LI DeepSeek")
PATCHES = {
    p.name: p
    for p in (
        Patch("transport_cm", patch_transport_cm, CORE_CALL, ("call", "stream", "think")),
        Patch("retry_first_try", patch_retry_first_try, CORE_CALL, ("call",)),
        Patch("capabilities_cache", patch_capabilities_cache, CORE_CALL, ("call",)),
        Patch("parse_body", patch_parse_body, CORE_CALL, ("call",)),
        Patch("accumulator", patch_accumulator, ("core", "LI DeepSeek"), ("stream", "think")),
        Patch("llamaindex_stream", patch_llamaindex_stream, ("LI DeepSeek",), ("stream", "think")),
        Patch(
            "lc_lean_chunks", patch_langchain_lean_chunks, ("ChatDeepSeek",), ("stream", "think")
        ),
        Patch(
            "core_all",
            _all(patch_transport_cm, patch_retry_first_try, patch_accumulator),
            CORE_CALL,
            ("call", "stream", "think"),
        ),
    )
}


def iter_names() -> Iterator[str]:
    yield from PATCHES
