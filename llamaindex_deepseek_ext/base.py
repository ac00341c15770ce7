"""`DeepSeek`: a LlamaIndex FunctionCallingLLM on the deepseek_ext core."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

from llama_index.core.base.llms.types import (
    ChatMessage,
    ChatResponse,
    ChatResponseAsyncGen,
    ChatResponseGen,
    CompletionResponse,
    CompletionResponseAsyncGen,
    CompletionResponseGen,
    LLMMetadata,
    MessageRole,
)
from llama_index.core.llms.callbacks import llm_chat_callback, llm_completion_callback
from llama_index.core.llms.function_calling import FunctionCallingLLM
from llama_index.core.llms.llm import ToolSelection
from pydantic import BaseModel, Field, SecretStr, field_validator, model_validator

from deepseek_ext_core import (
    DEFAULT_MODEL,
    ChatCompletion,
    ChatRequest,
    ReasoningPassback,
    get_capabilities,
)
from deepseek_ext_core.integration import closing_opened_streams, thinking_mode

from ._arguments import CHAT_ARGUMENTS, declared_names, sort_constructor_arguments
from ._connection import DeepSeekConnection
from ._convert import (
    ChatStreamState,
    from_completion,
    to_completion_response,
    to_core_tool_choice,
    to_core_tools,
)
from ._native_schema import named_404, native_schema_request
from ._request import build_chat_request, split_additional_kwargs
from ._structured import JSONModeStructuredMixin
from ._tools import keep_first_tool_call, tool_selections

if TYPE_CHECKING:
    from llama_index.core.tools.types import BaseTool

__all__ = ["DeepSeek"]


class DeepSeek(DeepSeekConnection, JSONModeStructuredMixin, FunctionCallingLLM):
    """DeepSeek chat models for LlamaIndex: agents, query engines, RAG, structured output.

    Setup:
        `pip install "deepseek-ext[llamaindex]"` and set `DEEPSEEK_API_KEY` (never
        `OPENAI_API_KEY`).

    Instantiate:
        ```python
        from llamaindex_deepseek_ext import DeepSeek

        llm = DeepSeek(model="deepseek-flash", thinking="enabled", reasoning_effort="high")
        ```

    Invoke:
        `llm.chat([ChatMessage(role="user", content="Hi")])`, `llm.complete("Hi")`.

    Stream:
        `for r in llm.stream_chat(messages): print(r.delta)`; the reasoning delta is in
        `r.additional_kwargs["thinking_delta"]`. Every chunk is yielded, the first one included.

    Async:
        `await llm.achat(...)`, `async for r in await llm.astream_chat(...)`.

    Tool calling:
        `llm.chat_with_tools([tool], user_msg="...")`, `llm.get_tool_calls_from_response(resp)`;
        works in `FunctionAgent` with every tool-capable model. Reasoning is sent back by the
        core's pass-back rule from the response's `ThinkingBlock`.

    Structured output:
        `llm.structured_predict(Model, prompt)`, `llm.as_structured_llm(Model)`; forced tool
        call by default, JSON mode when `thinking="enabled"`.

    Token usage:
        `response.additional_kwargs` holds prompt/completion/total tokens, cache hit and miss
        tokens, reasoning tokens and `estimated_cost_usd`; streaming includes usage by default.

    Response metadata:
        `additional_kwargs["finish_reason"]`, `additional_kwargs["request_id"]`; reasoning in a
        `ThinkingBlock` of `response.message.blocks`.
    """

    model: str = Field(default=DEFAULT_MODEL, description="The DeepSeek model id.")
    temperature: float | None = Field(
        default=None, description="Sampling temperature (0-2); ignored in thinking mode."
    )
    max_tokens: int | None = Field(
        default=None, description="Maximum tokens to generate (reasoning plus answer)."
    )
    additional_kwargs: dict[str, Any] = Field(
        default_factory=dict,
        description="More request options; unknown keys are sent as extra JSON body fields.",
    )
    thinking: Literal["enabled", "disabled"] | None = Field(
        default=None, description="Thinking mode; None keeps the model's default."
    )
    reasoning_effort: Literal["low", "high", "max"] | None = Field(
        default=None, description="Thinking effort (thinking mode only)."
    )
    reasoning_passback: ReasoningPassback = Field(
        default="auto", description="How reasoning_content is sent back in history."
    )
    structured_output: Literal["json_schema", "tools"] = Field(
        default="json_schema",
        description="How structured_predict (and as_structured_llm) ask for a schema: "
        "'json_schema', DeepSeek's native JSON-schema output on /responses (thinking mode "
        "too); 'tools', a forced tool call, or JSON mode with validation in thinking mode "
        "(for a base URL without /responses).",
    )
    recover_text_tool_calls: bool = Field(
        default=True,
        description="Tool calls the model writes into its text (DSML or <tool_call> markup) "
        "become real tool calls when tools are offered; False leaves the text as it came.",
    )
    user_id: str | None = Field(default=None, description="Your end user's id (isolation).")
    safety_check: dict[str, str] | None = Field(
        default=None,
        description='{"level": "high"} for DeepSeek\'s review of input and output; without a '
        'web tool, only tool_choice "auto" or "none" then.',
    )
    strict: bool = Field(default=False, description="Strict tool schemas (beta endpoint).")
    stream_usage: bool = Field(default=True, description="Ask for usage on streamed answers.")
    logprobs: bool | None = Field(
        default=None, description="Return token log probabilities (turns default thinking off)."
    )
    top_logprobs: int | None = Field(default=None, description="Alternatives per token (0-20).")
    context_window: int | None = Field(
        default=None, description="Override the context window from the capability table."
    )
    is_function_calling_model: bool | None = Field(
        default=None, description="Override tool support from the capability table."
    )

    def __init__(
        self,
        model: str = DEFAULT_MODEL,
        api_key: str | SecretStr | None = None,
        api_base: str | None = None,
        **kwargs: Any,
    ) -> None:
        # The positional order of llama-index-llms-deepseek: `DeepSeek(model, api_key, api_base)`.
        if api_base is not None:
            kwargs["api_base"] = api_base
        super().__init__(model=model, api_key=api_key, **kwargs)

    @model_validator(mode="before")
    @classmethod
    def _sort_constructor_arguments(cls, values: Any) -> Any:
        """The OpenAI LLM's settings used or refused by name; nothing dropped silently."""
        if not isinstance(values, dict):
            return values
        return sort_constructor_arguments(
            cls.__name__, values, declared_names(cls), CHAT_ARGUMENTS, chat_model=True
        )

    @field_validator("thinking", mode="before")
    @classmethod
    def _thinking_from_bool(cls, value: object) -> object:
        return thinking_mode(value) if isinstance(value, bool) else value

    @classmethod
    def class_name(cls) -> str:
        return "DeepSeek"  # llama-index-llms-deepseek's name, kept by dicts and stores

    @property
    def metadata(self) -> LLMMetadata:
        caps = get_capabilities(self.model)
        calling = self.is_function_calling_model
        return LLMMetadata(
            context_window=self.context_window or caps.context_window,
            num_output=self.max_tokens or caps.max_output_tokens,
            is_chat_model=True,
            is_function_calling_model=caps.tools if calling is None else calling,
            model_name=self.model,
        )

    def _native_schema(self) -> bool:
        return self.structured_output == "json_schema"

    def _native_request(
        self, output_cls: type[BaseModel], messages: list[ChatMessage], *, stream: bool
    ) -> Any:
        return native_schema_request(self, output_cls, messages, stream=stream)

    def _native_answer(self, output_cls: type[BaseModel], messages: list[ChatMessage]) -> str:
        request = self._native_request(output_cls, messages, stream=False)
        with named_404():
            return str(self._get_client().responses(request).output_text)

    async def _anative_answer(
        self, output_cls: type[BaseModel], messages: list[ChatMessage]
    ) -> str:
        request = self._native_request(output_cls, messages, stream=False)
        with named_404():
            return str((await self._get_aclient().responses(request)).output_text)

    def _native_stream(
        self, output_cls: type[BaseModel], messages: list[ChatMessage]
    ) -> Iterator[str]:
        request = self._native_request(output_cls, messages, stream=True)
        with named_404(), self._get_client().stream_responses(request) as stream:
            for event in stream:
                if event.text:
                    yield event.text

    async def _anative_stream(
        self, output_cls: type[BaseModel], messages: list[ChatMessage]
    ) -> AsyncIterator[str]:
        request = self._native_request(output_cls, messages, stream=True)
        with named_404():
            stream = await self._get_aclient().stream_responses(request)
            async with stream:
                async for event in stream:
                    if event.text:
                        yield event.text

    def _use_json_mode(self, llm_kwargs: Mapping[str, Any] | None) -> bool:
        # A forced tool call is rejected in thinking mode (docs/deepseek-api.md §5.2): use JSON mode
        # instead.
        return (llm_kwargs or {}).get("thinking", self.thinking) in ("enabled", True)

    # -- clients and requests -----------------------------------------------------------------

    def _request(
        self, messages: Sequence[ChatMessage], kwargs: dict[str, Any], *, stream: bool
    ) -> ChatRequest:
        options, extra = split_additional_kwargs(self.additional_kwargs)
        defaults: dict[str, Any] = {
            "model": self.model,
            "thinking": self.thinking,
            "reasoning_effort": self.reasoning_effort,
            "reasoning_passback": self.reasoning_passback,
            "recover_text_tool_calls": self.recover_text_tool_calls,
            "max_tokens": self.max_tokens,
            "temperature": self.temperature,
            "user_id": self.user_id,
            "safety_check": self.safety_check,
            "logprobs": self.logprobs,
            "top_logprobs": self.top_logprobs,
            **options,
            "extra_body": extra or None,
        }
        return build_chat_request(
            defaults, messages, kwargs, stream=stream, stream_usage=self.stream_usage
        )

    # -- the core calls (DeepSeekResponses sends the same requests through /responses) -------

    def _core_chat(self, request: ChatRequest) -> ChatCompletion:
        return self._get_client().chat(request)

    async def _acore_chat(self, request: ChatRequest) -> ChatCompletion:
        return await self._get_aclient().chat(request)

    def _core_stream(self, request: ChatRequest) -> Any:
        """A chat stream (a context manager of chunks with `accumulator` and `request_id`)."""
        return self._get_client().stream_chat(request)

    async def _acore_stream(self, request: ChatRequest) -> Any:
        return await self._get_aclient().stream_chat(request)

    # -- chat ---------------------------------------------------------------------------------

    @llm_chat_callback()
    def chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
        request = self._request(messages, kwargs, stream=False)
        return from_completion(self._core_chat(request), model=request.model)

    @llm_chat_callback()
    async def achat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
        request = self._request(messages, kwargs, stream=False)
        return from_completion(await self._acore_chat(request), model=request.model)

    @llm_chat_callback()
    def stream_chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponseGen:
        request = self._request(messages, kwargs, stream=True)
        return _responses(self._core_stream(request), request)

    async def astream_chat(
        self, messages: Sequence[ChatMessage], **kwargs: Any
    ) -> ChatResponseAsyncGen:
        return closing_opened_streams(await self._astream_chat(messages, **kwargs))

    @llm_chat_callback()
    async def _astream_chat(
        self, messages: Sequence[ChatMessage], **kwargs: Any
    ) -> ChatResponseAsyncGen:
        request = self._request(messages, kwargs, stream=True)
        return _aresponses(self._acore_stream(request), request)

    # -- completion (a one-message chat) ------------------------------------------------------

    @staticmethod
    def _prompt_messages(prompt: str) -> list[ChatMessage]:
        return [ChatMessage(role=MessageRole.USER, content=prompt)]

    @llm_completion_callback()
    def complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponse:
        request = self._request(self._prompt_messages(prompt), kwargs, stream=False)
        completion = self._core_chat(request)
        return to_completion_response(from_completion(completion, model=request.model))

    @llm_completion_callback()
    async def acomplete(
        self, prompt: str, formatted: bool = False, **kwargs: Any
    ) -> CompletionResponse:
        request = self._request(self._prompt_messages(prompt), kwargs, stream=False)
        completion = await self._acore_chat(request)
        return to_completion_response(from_completion(completion, model=request.model))

    @llm_completion_callback()
    def stream_complete(
        self, prompt: str, formatted: bool = False, **kwargs: Any
    ) -> CompletionResponseGen:
        request = self._request(self._prompt_messages(prompt), kwargs, stream=True)
        responses = _responses(self._core_stream(request), request)
        return (to_completion_response(response) for response in responses)

    async def astream_complete(
        self, prompt: str, formatted: bool = False, **kwargs: Any
    ) -> CompletionResponseAsyncGen:
        return closing_opened_streams(await self._astream_complete(prompt, formatted, **kwargs))

    @llm_completion_callback()
    async def _astream_complete(
        self, prompt: str, formatted: bool = False, **kwargs: Any
    ) -> CompletionResponseAsyncGen:
        request = self._request(self._prompt_messages(prompt), kwargs, stream=True)
        responses = _aresponses(self._acore_stream(request), request)
        return (to_completion_response(response) async for response in responses)

    # -- tools --------------------------------------------------------------------------------

    def _prepare_chat_with_tools(  # noqa: PLR0917 (signature set by FunctionCallingLLM)
        self,
        tools: Sequence[BaseTool],
        user_msg: str | ChatMessage | None = None,
        chat_history: list[ChatMessage] | None = None,
        verbose: bool = False,
        allow_parallel_tool_calls: bool = False,
        tool_required: bool = False,
        tool_choice: str | dict[str, Any] | None = None,
        strict: bool | None = None,
        **kwargs: Any,
    ) -> dict[str, Any]:
        """Chat kwargs for a tool call; the core's guard decides thinking for forced choices."""
        specs = [_spec(tool) for tool in tools]
        messages = list(chat_history or [])
        if user_msg is not None:
            messages.append(
                ChatMessage(role=MessageRole.USER, content=user_msg)
                if isinstance(user_msg, str)
                else user_msg
            )
        core_tools = to_core_tools(specs, strict=self.strict if strict is None else strict)
        return {
            "messages": messages,
            "tools": core_tools or None,
            # Never a tool_choice without tools: DeepSeek rejects it.
            "tool_choice": to_core_tool_choice(tool_choice, tool_required=tool_required)
            if core_tools
            else None,
            **kwargs,
        }

    def _validate_chat_with_tools_response(
        self,
        response: ChatResponse,
        tools: Sequence[BaseTool],
        allow_parallel_tool_calls: bool = False,
        **kwargs: Any,
    ) -> ChatResponse:
        """Keeps only the first call unless parallel calls were allowed (DeepSeek has no switch)."""
        return response if allow_parallel_tool_calls else keep_first_tool_call(response)

    def get_tool_calls_from_response(
        self,
        response: ChatResponse,
        error_on_no_tool_call: bool = True,
        *,
        strict_arguments: bool = False,
        **kwargs: Any,
    ) -> list[ToolSelection]:
        """The tool calls of `response`, their arguments parsed.

        Empty arguments read as `{}`. Arguments that are not a JSON object are selected as
        `{"arguments_were_not_valid_json": <the text>}`, so an agent calls the tool, the tool
        refuses the keyword, and the model is told as the tool's result (a `FunctionAgent` goes
        on); `strict_arguments=True` raises `ToolArgumentsError` instead. A response of an
        unfinished stream (`finish_reason` None) may hold partial arguments: `{}` until the call
        is complete.
        """
        return tool_selections(
            response, error_on_no_tool_call=error_on_no_tool_call, strict=strict_arguments
        )


def _responses(opened: Any, request: ChatRequest) -> ChatResponseGen:
    """One cumulative ChatResponse per streamed chunk, none dropped."""
    with opened as stream:
        state = ChatStreamState(
            model=request.model, accumulator=stream.accumulator, request_id=stream.request_id
        )
        for chunk in stream:
            yield state.from_chunk(chunk)


async def _aresponses(opened: Any, request: ChatRequest) -> ChatResponseAsyncGen:
    """The async twin of `_responses` (`opened`: an awaitable of the stream)."""
    async with await opened as stream:
        state = ChatStreamState(
            model=request.model, accumulator=stream.accumulator, request_id=stream.request_id
        )
        async for chunk in stream:
            yield state.from_chunk(chunk)


def _spec(tool: BaseTool) -> dict[str, Any]:
    """The tool as an OpenAI-style spec under its own name. LlamaIndex's `to_openai_tool`
    rewrites a name DeepSeek would refuse (`asana.create_task` -> `asana_create_task`), and the
    calls came back under that name, which no tool has: a `FunctionAgent` skipped the tool. The
    core maps the name on the wire and gives the calls their original name back."""
    spec = tool.metadata.to_openai_tool(skip_length_check=True)
    if tool.metadata.name:
        spec["function"]["name"] = tool.metadata.name
    return spec
