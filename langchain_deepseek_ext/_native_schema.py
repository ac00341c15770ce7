"""`with_structured_output(method="json_schema")`: DeepSeek's native JSON-schema output.

DeepSeek offers it only on its Responses endpoint (`text.format: json_schema`,
docs/deepseek-api.md §6.7), in thinking mode too, so this method sends the conversation there,
whatever `use_responses_api` says, and parses the answer as LangChain does. A base URL without
`/responses` (most gateways) answers 404, and the error says which methods work there.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from langchain_core.language_models import LanguageModelInput
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.runnables import Runnable, RunnableConfig, RunnableLambda
from langchain_core.utils.function_calling import convert_to_json_schema

from deepseek_ext_core import ResponsesRequest
from deepseek_ext_core.integration import no_responses_endpoint

from ._convert import from_response, to_core_messages
from ._errors import translate_errors

if TYPE_CHECKING:
    from .chat_models import ChatDeepSeek

__all__ = ["native_json_schema"]

_NAME = re.compile(r"[^a-zA-Z0-9_-]+")
_OTHERWISE = "use method='json_mode' or method='function_calling' here"


def native_json_schema(
    llm: ChatDeepSeek, schema: dict[str, Any] | type, *, strict: bool | None
) -> Runnable[LanguageModelInput, AIMessage]:
    """A runnable from LangChain input to the `AIMessage` of a native json_schema answer."""
    json_schema = convert_to_json_schema(schema)
    name = _NAME.sub("_", str(json_schema.get("title") or "output"))[:64] or "output"
    text_format = {
        "format": {
            "type": "json_schema",
            "name": name,
            "schema": json_schema,
            "strict": bool(strict),
        }
    }

    def request(value: LanguageModelInput) -> ResponsesRequest:
        messages: Sequence[BaseMessage] = llm._convert_input(value).to_messages()
        return ResponsesRequest(
            model=llm.model_name,
            input=to_core_messages(messages),
            text=text_format,
            max_output_tokens=llm.max_tokens,
            reasoning=_reasoning(llm),
            temperature=llm.temperature,
            top_p=llm.top_p,
        )

    def run(value: LanguageModelInput, config: RunnableConfig) -> AIMessage:
        with translate_errors(), no_responses_endpoint(_OTHERWISE):
            return from_response(llm.client.responses(request(value)))

    async def arun(value: LanguageModelInput, config: RunnableConfig) -> AIMessage:
        with translate_errors(), no_responses_endpoint(_OTHERWISE):
            return from_response(await llm.async_client.responses(request(value)))

    return RunnableLambda(run, afunc=arun, name="deepseek_native_json_schema")


def _reasoning(llm: ChatDeepSeek) -> dict[str, str] | None:
    """`reasoning` for `/responses` from the model's thinking settings: off is effort none."""
    if llm.thinking in ("disabled", False):
        return {"effort": "none"}
    if llm.reasoning_effort is not None:
        return {"effort": llm.reasoning_effort}
    return None
