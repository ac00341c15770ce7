"""DeepSeek's native JSON-schema output for LlamaIndex's structured output: the request on
`/responses` (docs/deepseek-api.md §6.7), and a 404 that names the other way."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from llama_index.core.base.llms.types import ChatMessage
from pydantic import BaseModel

from deepseek_ext_core import ResponsesRequest
from deepseek_ext_core.integration import no_responses_endpoint

from ._convert import to_core_messages

__all__ = ["named_404", "native_schema_request"]

_NAME = re.compile(r"[^a-zA-Z0-9_-]+")


def native_schema_request(
    llm: Any, output_cls: type[BaseModel], messages: Sequence[ChatMessage], *, stream: bool
) -> ResponsesRequest:
    """The `/responses` request for `output_cls` from `llm`'s settings (thinking kept as set)."""
    schema = output_cls.model_json_schema()
    name = _NAME.sub("_", output_cls.__name__)[:64] or "output"
    effort = None
    if llm.thinking in ("disabled", False):
        effort = "none"
    elif llm.reasoning_effort is not None:
        effort = llm.reasoning_effort
    return ResponsesRequest(
        model=llm.model,
        input=to_core_messages(messages),
        stream=stream,
        text={"format": {"type": "json_schema", "name": name, "schema": schema, "strict": False}},
        max_output_tokens=llm.max_tokens,
        reasoning={"effort": effort} if effort else None,
    )


def named_404() -> Any:
    """A 404 from `/responses` names `structured_output='tools'`."""
    return no_responses_endpoint("set structured_output='tools' on the LLM")
