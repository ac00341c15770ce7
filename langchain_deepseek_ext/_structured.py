"""`with_structured_output` for DeepSeek: three methods, none silently swapped for another.

- `function_calling`: the schema becomes one tool. Without explicit thinking the tool is forced
  (named `tool_choice`; the core turns thinking off for that request on thinking-by-default models,
  docs/deepseek-api.md §5.2). With `thinking="enabled"` DeepSeek rejects forced tools, so the tool
  is offered with `tool_choice="auto"` and a system instruction to call it.
  `strict=True` sends the tool in strict mode (`/beta`, docs/deepseek-api.md §5.3).
- `json_mode`: `response_format={"type": "json_object"}` (docs/deepseek-api.md §6.1). DeepSeek
  needs the word "json" in the prompt, so a short system instruction is added when no message
  mentions it.
- `json_schema`: DeepSeek's **native** JSON-schema output, which it offers only on its Responses
  endpoint (`text.format: json_schema`, docs/deepseek-api.md §6.7), in thinking mode too: the
  conversation goes to `/responses` whatever `use_responses_api` says (see `_native_schema`),
  and the answer is parsed and validated as LangChain does.

JSON mode "may occasionally return empty content" (docs/deepseek-api.md §6.1): an empty answer is
retried once, then the parser raises `OutputParserException`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from operator import itemgetter
from typing import Any, Literal

from langchain_core.exceptions import OutputParserException
from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.messages import AIMessage, BaseMessage, SystemMessage
from langchain_core.output_parsers import JsonOutputKeyToolsParser, PydanticToolsParser
from langchain_core.runnables import (
    Runnable,
    RunnableConfig,
    RunnableLambda,
    RunnableMap,
    RunnablePassthrough,
)
from langchain_core.utils.function_calling import convert_to_json_schema, convert_to_openai_tool
from pydantic import BaseModel, TypeAdapter, ValidationError
from pydantic.v1 import BaseModel as BaseModelV1
from pydantic.v1 import ValidationError as ValidationErrorV1

from deepseek_ext_core.integration import json_mode_instruction

__all__ = ["StructuredMethod", "structured_output"]

StructuredMethod = Literal["function_calling", "json_mode", "json_schema"]

_EMPTY_TWICE = (
    "DeepSeek returned empty content twice in JSON mode (a documented DeepSeek behaviour); "
    "mention the expected JSON shape in the prompt and make sure max_tokens is large enough"
)


def structured_output(
    llm: BaseChatModel,
    schema: dict[str, Any] | type | None,
    *,
    method: StructuredMethod,
    include_raw: bool,
    strict: bool | None,
    thinking_enabled: bool,
) -> Runnable[LanguageModelInput, Any]:
    """The runnable behind `ChatDeepSeek.with_structured_output`."""
    if schema is None and method != "json_mode":
        raise ValueError(f"method {method!r} needs a schema; only 'json_mode' works without one")
    ls_format = {"kwargs": {"method": method, "strict": strict}, "schema": schema}
    model: Runnable[LanguageModelInput, Any]
    if method == "function_calling" and schema is not None:
        name = convert_to_openai_tool(schema)["function"]["name"]
        if thinking_enabled:
            note = f"Answer by calling the `{name}` tool."
            bound = llm.bind_tools(
                [schema], tool_choice="auto", strict=strict, ls_structured_output_format=ls_format
            )
            model = _with_instruction(llm, lambda _: note) | bound
        else:
            model = llm.bind_tools(
                [schema], tool_choice=name, strict=strict, ls_structured_output_format=ls_format
            )
        parser: Runnable[Any, Any] = (
            PydanticToolsParser(tools=[schema], first_tool_only=True)
            if _is_pydantic(schema)
            else JsonOutputKeyToolsParser(key_name=name, first_tool_only=True)
        )
    elif method == "json_schema" and schema is not None:
        from ._native_schema import native_json_schema  # a chat model is what it needs

        model = native_json_schema(llm, schema, strict=strict)  # type: ignore[arg-type]
        parser = RunnableLambda(_json_parser(schema, validate=True))
    elif method in ("json_mode", "json_schema"):
        bound = llm.bind(
            response_format={"type": "json_object"}, ls_structured_output_format=ls_format
        )
        instruction = (
            _schema_instruction(schema) if method == "json_schema" and schema else _json_instruction
        )
        model = _with_instruction(llm, instruction) | _retry_empty_once(bound)
        parser = RunnableLambda(_json_parser(schema, validate=method == "json_schema"))
    else:
        raise ValueError(
            f"unknown method {method!r}; use 'function_calling', 'json_mode' or 'json_schema'"
        )
    if not include_raw:
        return model | parser
    parse_ok = RunnablePassthrough.assign(
        parsed=itemgetter("raw") | parser, parsing_error=lambda _: None
    )
    parse_failed = RunnablePassthrough.assign(parsed=lambda _: None)
    with_fallback = parse_ok.with_fallbacks([parse_failed], exception_key="parsing_error")
    return RunnableMap(raw=model) | with_fallback


def _is_pydantic(schema: object) -> bool:
    return isinstance(schema, type) and issubclass(schema, (BaseModel, BaseModelV1))


def _mentions_json(messages: Sequence[BaseMessage]) -> bool:
    return any("json" in message.text.lower() for message in messages)


def _json_instruction(messages: Sequence[BaseMessage]) -> str | None:
    return None if _mentions_json(messages) else json_mode_instruction()


def _schema_instruction(schema: dict[str, Any] | type) -> Callable[[Any], str]:
    note = json_mode_instruction(convert_to_json_schema(schema))
    return lambda _: note


def _with_instruction(
    llm: BaseChatModel, instruction: Callable[[Sequence[BaseMessage]], str | None]
) -> Runnable[LanguageModelInput, list[BaseMessage]]:
    """Prepend a system instruction (new list; the caller's messages are untouched)."""

    def prepare(value: LanguageModelInput) -> list[BaseMessage]:
        messages = llm._convert_input(value).to_messages()
        note = instruction(messages)
        return messages if note is None else [SystemMessage(content=note), *messages]

    return RunnableLambda(prepare)


def _is_empty(message: Any) -> bool:
    return isinstance(message, AIMessage) and not message.text.strip() and not message.tool_calls


def _retry_empty_once(bound: Runnable[Any, Any]) -> Runnable[Any, Any]:
    def run(value: Any, config: RunnableConfig) -> Any:
        message = bound.invoke(value, config)
        return bound.invoke(value, config) if _is_empty(message) else message

    async def arun(value: Any, config: RunnableConfig) -> Any:
        message = await bound.ainvoke(value, config)
        return (await bound.ainvoke(value, config)) if _is_empty(message) else message

    return RunnableLambda(run, afunc=arun, name="retry_empty_json")


def _json_parser(schema: dict[str, Any] | type | None, *, validate: bool) -> Callable[[Any], Any]:
    adapter: TypeAdapter[Any] | None = None
    if isinstance(schema, type) and issubclass(schema, BaseModelV1):
        v1_model: type[BaseModelV1] | None = schema
    else:
        v1_model = None
        if isinstance(schema, type):
            adapter = TypeAdapter(schema)

    def parse(message: Any) -> Any:
        text = message.text if isinstance(message, BaseMessage) else str(message)
        if not text.strip():
            raise OutputParserException(_EMPTY_TWICE, llm_output=text)
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise OutputParserException(f"invalid JSON: {exc}", llm_output=text) from exc
        try:
            if v1_model is not None:
                return v1_model.parse_obj(data)
            if adapter is not None:
                return adapter.validate_python(data)
        except (ValidationError, ValidationErrorV1) as exc:
            raise OutputParserException(str(exc), llm_output=text) from exc
        if validate and schema is not None:
            _check_required(data, convert_to_json_schema(schema), text)
        return data

    return parse


def _check_required(data: Any, schema: dict[str, Any], text: str) -> None:
    if schema.get("type", "object") == "object":
        if not isinstance(data, dict):
            raise OutputParserException("expected a JSON object", llm_output=text)
        missing = [key for key in schema.get("required", []) if key not in data]
        if missing:
            raise OutputParserException(f"missing required keys: {missing}", llm_output=text)
