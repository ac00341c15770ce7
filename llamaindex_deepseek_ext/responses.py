"""`DeepSeekResponses`: DeepSeek's `/responses` as a LlamaIndex `FunctionCallingLLM`, as
llama-index-llms-openai's `OpenAIResponses` is OpenAI's.

Every call of `DeepSeek` (chat, stream, async, completion, tools, agents) goes through
`/responses` instead of chat completions, with the same settings and the same answers: the
reasoning as a `ThinkingBlock`, tool calls as LlamaIndex reads them, usage in
`additional_kwargs`. Stateless, as DeepSeek's Responses API is: the whole history goes each time
(docs/deepseek-api.md §6.7). Stop sequences and `response_format` have no counterpart there and
are refused before sending. `built_in_tools` asks for DeepSeek's server tools (`web_search`),
as `OpenAIResponses` asks for OpenAI's.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator

from deepseek_ext_core import ChatCompletion, ChatRequest, InvalidRequestError, ResponsesRequest
from deepseek_ext_core.integration import (
    AsyncChatFromResponses,
    ChatFromResponses,
    as_chat_completion,
    responses_request_from_chat,
)

from .base import DeepSeek

__all__ = ["DeepSeekResponses"]


class DeepSeekResponses(DeepSeek):
    """`DeepSeek`, through DeepSeek's Responses API.

    ```python
    from llama_index.core.agent.workflow import FunctionAgent
    from llamaindex_deepseek_ext import DeepSeekResponses

    llm = DeepSeekResponses(model="deepseek-v4-pro")   # thinking on
    agent = FunctionAgent(tools=[...], llm=llm)
    searching = DeepSeekResponses(built_in_tools=[{"type": "web_search"}])
    ```
    """

    built_in_tools: list[dict[str, Any]] | None = Field(
        default=None,
        description="DeepSeek's server tools to offer on every call, e.g. "
        '[{"type": "web_search"}] (docs/deepseek-api.md §6.7).',
    )

    @field_validator("built_in_tools")
    @classmethod
    def _server_tools_named(cls, tools: list[dict[str, Any]] | None) -> list[dict[str, Any]] | None:
        for tool in tools or ():
            if not isinstance(tool.get("type"), str) or tool["type"] == "function":
                raise InvalidRequestError(
                    f"built_in_tools takes server tools by type, such as {{'type': "
                    f"'web_search'}}, not {tool!r} (functions go in tools=)"
                )
        return tools

    @classmethod
    def class_name(cls) -> str:
        return "DeepSeekResponses"

    def _as_responses_request(self, request: ChatRequest, *, stream: bool) -> ResponsesRequest:
        """The Responses form of `request`, with the server tools asked for."""
        converted = responses_request_from_chat(request, stream=stream)
        if not self.built_in_tools:
            return converted
        tools = [*(converted.tools or ()), *(dict(t) for t in self.built_in_tools)]
        return converted.model_copy(update={"tools": tools})

    def _core_chat(self, request: ChatRequest) -> ChatCompletion:
        answer = self._get_client().responses(self._as_responses_request(request, stream=False))
        return as_chat_completion(answer)

    async def _acore_chat(self, request: ChatRequest) -> ChatCompletion:
        client = self._get_aclient()
        answer = await client.responses(self._as_responses_request(request, stream=False))
        return as_chat_completion(answer)

    def _core_stream(self, request: ChatRequest) -> Any:
        stream = self._get_client().stream_responses(
            self._as_responses_request(request, stream=True)
        )
        return ChatFromResponses(stream)

    async def _acore_stream(self, request: ChatRequest) -> Any:
        stream = await self._get_aclient().stream_responses(
            self._as_responses_request(request, stream=True)
        )
        return AsyncChatFromResponses(stream)
