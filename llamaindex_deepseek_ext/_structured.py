"""Structured output: DeepSeek's native JSON-schema output, or tools and JSON mode.

By default (`structured_output="json_schema"`) `structured_predict` and its async and streamed
forms (and so `as_structured_llm`) ask DeepSeek's `/responses` for the schema natively
(`text.format: json_schema`, docs/deepseek-api.md §6.7), in thinking mode too. With
`structured_output="tools"`: a forced tool call (LlamaIndex's `FunctionCallingProgram`), or, since
DeepSeek rejects a forced tool_choice in thinking mode (docs/deepseek-api.md §5.2, §6.1), JSON
mode with the schema in a system message, validated by pydantic. A base URL without
`/responses` (most gateways) answers 404, and the error names `structured_output="tools"`.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Generator, Iterator, Mapping, Sequence
from typing import Any, TypeVar, cast

from llama_index.core.base.llms.types import ChatMessage, ChatResponse, MessageRole
from llama_index.core.llms.llm import LLM
from llama_index.core.program.streaming_utils import process_streaming_content_incremental
from llama_index.core.prompts import PromptTemplate
from pydantic import BaseModel

from deepseek_ext_core.integration import json_mode_instruction

__all__ = [
    "JSONModeStructuredMixin",
    "json_mode_messages",
    "parse_json_output",
]

Model = TypeVar("Model", bound=BaseModel)


def json_mode_messages(
    messages: Sequence[ChatMessage], output_cls: type[BaseModel]
) -> list[ChatMessage]:
    """`messages` with the schema instruction added as a leading system message (new list)."""
    instruction = ChatMessage(
        role=MessageRole.SYSTEM, content=json_mode_instruction(output_cls.model_json_schema())
    )
    return [instruction, *messages]


def parse_json_output(output_cls: type[Model], text: str | None) -> Model:
    """Validates the model's JSON answer; a clear error when JSON mode came back empty
    (docs/deepseek-api.md §6.1)."""
    body = (text or "").strip()
    if body.startswith("```"):
        body = body.strip("`").removeprefix("json").strip()
    if not body:
        raise ValueError(
            f"DeepSeek returned empty content twice in JSON mode for {output_cls.__name__} "
            "(nothing, or only whitespace); retry, or raise max_tokens if the answer was cut off"
        )
    return output_cls.model_validate_json(body)


def is_blank(text: str | None) -> bool:
    """An empty JSON-mode answer: DeepSeek replaces output it cannot read as JSON with spaces
    (docs/deepseek-api.md §6.1), so whitespace alone is as empty as nothing."""
    return not (text or "").strip()


class JSONModeStructuredMixin(LLM):
    """Routes structured output to DeepSeek's native JSON schema when `_native_schema` says
    so, else to JSON mode when `_use_json_mode` says so, else to LlamaIndex's default (a
    `FunctionCallingProgram` with a forced tool call)."""

    def _use_json_mode(self, llm_kwargs: Mapping[str, Any] | None) -> bool:
        return False

    def _native_schema(self) -> bool:
        return False

    def _native_answer(self, output_cls: type[BaseModel], messages: list[ChatMessage]) -> str:
        raise NotImplementedError

    async def _anative_answer(
        self, output_cls: type[BaseModel], messages: list[ChatMessage]
    ) -> str:
        raise NotImplementedError

    def _native_stream(
        self, output_cls: type[BaseModel], messages: list[ChatMessage]
    ) -> Iterator[str]:
        raise NotImplementedError

    def _anative_stream(
        self, output_cls: type[BaseModel], messages: list[ChatMessage]
    ) -> AsyncIterator[str]:
        raise NotImplementedError

    def _json_mode_call(
        self,
        output_cls: type[BaseModel],
        prompt: PromptTemplate,
        llm_kwargs: Mapping[str, Any] | None,
        prompt_args: Mapping[str, Any],
    ) -> tuple[list[ChatMessage], dict[str, Any]]:
        messages = json_mode_messages(
            self._extend_messages(prompt.format_messages(**prompt_args)), output_cls
        )
        kwargs = {**(llm_kwargs or {}), "response_format": {"type": "json_object"}}
        kwargs.pop("tool_choice", None)
        kwargs.pop("tool_required", None)
        return messages, kwargs

    def structured_predict(
        self,
        output_cls: type[Model],
        prompt: PromptTemplate,
        llm_kwargs: dict[str, Any] | None = None,
        **prompt_args: Any,
    ) -> Model:
        if self._native_schema():
            messages = self._extend_messages(prompt.format_messages(**prompt_args))
            return parse_json_output(output_cls, self._native_answer(output_cls, messages))
        if not self._use_json_mode(llm_kwargs):
            result = super().structured_predict(output_cls, prompt, llm_kwargs, **prompt_args)
            return cast("Model", result)
        messages, kwargs = self._json_mode_call(output_cls, prompt, llm_kwargs, prompt_args)
        text = self.chat(messages, **kwargs).message.content
        if is_blank(text):  # DeepSeek may answer JSON mode with nothing, or only whitespace
            text = self.chat(messages, **kwargs).message.content
        return parse_json_output(output_cls, text)

    async def astructured_predict(
        self,
        output_cls: type[Model],
        prompt: PromptTemplate,
        llm_kwargs: dict[str, Any] | None = None,
        **prompt_args: Any,
    ) -> Model:
        if self._native_schema():
            messages = self._extend_messages(prompt.format_messages(**prompt_args))
            answer = await self._anative_answer(output_cls, messages)
            return parse_json_output(output_cls, answer)
        if not self._use_json_mode(llm_kwargs):
            result = await super().astructured_predict(
                output_cls, prompt, llm_kwargs, **prompt_args
            )
            return cast("Model", result)
        messages, kwargs = self._json_mode_call(output_cls, prompt, llm_kwargs, prompt_args)
        text = (await self.achat(messages, **kwargs)).message.content
        if is_blank(text):  # DeepSeek may answer JSON mode with nothing, or only whitespace
            text = (await self.achat(messages, **kwargs)).message.content
        return parse_json_output(output_cls, text)

    def _structured_stream_call(
        self,
        output_cls: type[Model],
        prompt: PromptTemplate,
        llm_kwargs: dict[str, Any] | None = None,
        **prompt_args: Any,
    ) -> Generator[Any, None, None]:
        if self._native_schema():
            messages = self._extend_messages(prompt.format_messages(**prompt_args))
            texts = self._native_stream(output_cls, messages)
            return _partial_objects(_as_responses(texts), output_cls)
        if not self._use_json_mode(llm_kwargs):
            return super()._structured_stream_call(output_cls, prompt, llm_kwargs, **prompt_args)
        messages, kwargs = self._json_mode_call(output_cls, prompt, llm_kwargs, prompt_args)
        return _partial_objects(self.stream_chat(messages, **kwargs), output_cls)

    async def _structured_astream_call(
        self,
        output_cls: type[Model],
        prompt: PromptTemplate,
        llm_kwargs: dict[str, Any] | None = None,
        **prompt_args: Any,
    ) -> AsyncGenerator[Any, None]:
        if self._native_schema():
            messages = self._extend_messages(prompt.format_messages(**prompt_args))
            texts = self._anative_stream(output_cls, messages)
            return _apartial_objects(_aas_responses(texts), output_cls)
        if not self._use_json_mode(llm_kwargs):
            return await super()._structured_astream_call(
                output_cls, prompt, llm_kwargs, **prompt_args
            )
        messages, kwargs = self._json_mode_call(output_cls, prompt, llm_kwargs, prompt_args)
        return _apartial_objects(await self.astream_chat(messages, **kwargs), output_cls)


def _as_responses(texts: Iterator[str]) -> Iterator[ChatResponse]:
    """The JSON text so far as the ChatResponses LlamaIndex's incremental parser reads."""
    so_far = ""
    for piece in texts:
        so_far += piece
        yield ChatResponse(
            message=ChatMessage(role=MessageRole.ASSISTANT, content=so_far), delta=piece
        )


async def _aas_responses(texts: AsyncIterator[str]) -> AsyncIterator[ChatResponse]:
    so_far = ""
    async for piece in texts:
        so_far += piece
        yield ChatResponse(
            message=ChatMessage(role=MessageRole.ASSISTANT, content=so_far), delta=piece
        )


def _partial_objects(
    responses: Iterator[ChatResponse], output_cls: type[BaseModel]
) -> Generator[Any, None, None]:
    current: Any = None
    for response in responses:
        current = process_streaming_content_incremental(response, output_cls, current)
        yield current


async def _apartial_objects(
    responses: AsyncIterator[ChatResponse], output_cls: type[BaseModel]
) -> AsyncGenerator[Any, None]:
    current: Any = None
    async for response in responses:
        current = process_streaming_content_incremental(response, output_cls, current)
        yield current
