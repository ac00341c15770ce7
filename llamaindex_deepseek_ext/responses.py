"""`DeepSeekResponses`: DeepSeek's `/responses` as a LlamaIndex `FunctionCallingLLM`, as
llama-index-llms-openai's `OpenAIResponses` is OpenAI's.

Every call of `DeepSeek` (chat, stream, async, completion, tools, agents) goes through
`/responses` instead of chat completions, with the same settings and the same answers: the
reasoning as a `ThinkingBlock`, tool calls as LlamaIndex reads them, usage in
`additional_kwargs`. Stateless, as DeepSeek's Responses API is: the whole history goes each time
(docs/deepseek-api.md §6.7). Stop sequences and `response_format` have no counterpart there and
are refused before sending.
"""

from __future__ import annotations

from typing import Any

from deepseek_ext_core import ChatCompletion, ChatRequest
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
    ```
    """

    @classmethod
    def class_name(cls) -> str:
        return "DeepSeekResponses"

    def _core_chat(self, request: ChatRequest) -> ChatCompletion:
        answer = self._get_client().responses(responses_request_from_chat(request, stream=False))
        return as_chat_completion(answer)

    async def _acore_chat(self, request: ChatRequest) -> ChatCompletion:
        client = self._get_aclient()
        answer = await client.responses(responses_request_from_chat(request, stream=False))
        return as_chat_completion(answer)

    def _core_stream(self, request: ChatRequest) -> Any:
        stream = self._get_client().stream_responses(
            responses_request_from_chat(request, stream=True)
        )
        return ChatFromResponses(stream)

    async def _acore_stream(self, request: ChatRequest) -> Any:
        stream = await self._get_aclient().stream_responses(
            responses_request_from_chat(request, stream=True)
        )
        return AsyncChatFromResponses(stream)
