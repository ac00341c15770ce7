"""`ChatDeepSeek`: a LangChain chat model over `deepseek_ext_core`."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from typing import Any, Literal

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import (
    BaseChatModel,
    LangSmithParams,
    LanguageModelInput,
    ModelProfile,
)
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.runnables import Runnable, RunnableConfig
from langchain_core.tools import BaseTool
from langchain_core.utils.function_calling import convert_to_openai_tool
from langchain_core.utils.utils import get_pydantic_field_names
from pydantic import Field, field_validator, model_validator

from deepseek_ext_core import (
    DEFAULT_MODEL,
    ChatCompletion,
    ChatCompletionChunk,
    ChatRequest,
    count_message_tokens,
    count_tokens,
)
from deepseek_ext_core.integration import (
    closing_opened_streams,
    responses_request_from_chat,
    thinking_mode,
)

from ._arguments import SENT_AS_IS, sort_extra_arguments
from ._batching import abatched, batched
from ._connection import (
    DEFAULT_API_BASE,
    DEFAULT_BETA_API_BASE,
    DeepSeekConnection,
    MaskedCredentials,
)
from ._convert import (
    from_chunk,
    from_completion,
    from_response,
    stream_end_chunk,
    to_core_messages,
)
from ._errors import translate_errors
from ._profiles import model_profile
from ._responses_route import astream_chunks, end_chunk, stream_chunks
from ._structured import StructuredMethod, structured_output
from ._tools import format_tool, is_azure_endpoint, tool_choice_to_wire

__all__ = ["DEFAULT_API_BASE", "DEFAULT_BETA_API_BASE", "ChatDeepSeek"]

Thinking = Literal["enabled", "disabled"] | bool | None


class ChatDeepSeek(MaskedCredentials, BaseChatModel, DeepSeekConnection):
    r'''DeepSeek chat model, a drop-in for `langchain_deepseek.ChatDeepSeek`.

    Requests go through `deepseek_ext_core`, which applies DeepSeek's own rules: reasoning is sent
    back on tool-call turns in thinking mode, forced tool choice switches thinking off when it was
    left at the server default, strict tools go to `/beta`, and streams are accumulated exactly.

    Setup:
        Install `deepseek-ext[langchain]` and set `DEEPSEEK_API_KEY`.

        ```bash
        pip install -U "deepseek-ext[langchain]"
        export DEEPSEEK_API_KEY="your-api-key"
        ```

    Key init args — completion params:
        model: str
            Model id, e.g. `"deepseek-flash"` (default) or `"deepseek-v4-pro"` (alias `model_name`).
        thinking: "enabled" | "disabled" | bool | None
            Thinking mode; None leaves DeepSeek's default (on for the V4 family).
        reasoning_effort: "low" | "high" | "max" | None
            Thinking effort.
        temperature, top_p, max_tokens, stop, logprobs, top_logprobs, user_id
            As in DeepSeek's API.
        reasoning_passback: "auto" | "always" | "never"
            How earlier reasoning is sent back; "auto" follows DeepSeek's rule.

    Key init args — client params:
        api_key: SecretStr | None
            Read from `DEEPSEEK_API_KEY` when not given.
        api_base: str | None
            Alias `base_url`; read from `DEEPSEEK_API_BASE`; default `https://api.deepseek.com`.
        timeout, max_retries, default_headers, http_client, http_async_client
            Transport settings (retries happen once, in the core).

    Instantiate:
        ```python
        from langchain_deepseek_ext import ChatDeepSeek

        model = ChatDeepSeek(model="deepseek-flash", thinking="enabled", max_tokens=4096)
        ```

    Invoke:
        ```python
        messages = [
            ("system", "Translate the user sentence to French."),
            ("human", "I love programming."),
        ]
        ai_msg = model.invoke(messages)
        ai_msg.content                                   # "J'adore la programmation."
        ai_msg.additional_kwargs["reasoning_content"]    # the chain of thought
        ai_msg.content_blocks[0]                         # {"type": "reasoning", "reasoning": "..."}
        ```

    Stream:
        ```python
        for chunk in model.stream(messages):
            print(chunk.additional_kwargs.get("reasoning_content", ""), chunk.text, end="")
        ```

        ```python
        stream = model.stream(messages)
        full = next(stream)
        for chunk in stream:
            full += chunk      # the last chunk carries usage_metadata and response_metadata
        ```

    Async:
        ```python
        await model.ainvoke(messages)
        async for chunk in model.astream(messages):
            ...
        await model.abatch([messages])
        ```

    Tool calling:
        ```python
        from pydantic import BaseModel, Field

        class GetWeather(BaseModel):
            """Get the current weather in a given location."""

            location: str = Field(..., description="The city, e.g. Paris")

        model_with_tools = model.bind_tools([GetWeather])   # tool_choice="any", strict=True, ...
        ai_msg = model_with_tools.invoke("What is the weather in Paris?")
        ai_msg.tool_calls   # [{"name": "GetWeather", "args": {"location": "Paris"}, "id": ...}]
        ```

        Keep the returned `AIMessage` in the history: its reasoning is sent back on the next
        request, as DeepSeek requires in thinking mode, also after a checkpoint round trip.

    Structured output:
        ```python
        class Joke(BaseModel):
            """Joke to tell user."""

            setup: str
            punchline: str

        model.with_structured_output(Joke).invoke("Tell me a joke about cats")
        model.with_structured_output(Joke, method="json_mode").invoke("A cat joke as JSON")
        model.with_structured_output(Joke, method="json_schema").invoke("A cat joke")
        ```

        `json_schema` is DeepSeek's native JSON-schema output (its `/responses` endpoint, in
        thinking mode too).

    Prefix completion:
        ```python
        from langchain_core.messages import AIMessage, HumanMessage

        model.invoke(
            [HumanMessage("Write quicksort in Python"),
             AIMessage("```python\n", additional_kwargs={"prefix": True})],
            stop=["```"],
        )
        ```

    Token usage:
        ```python
        ai_msg.usage_metadata
        # {"input_tokens": 28, "output_tokens": 105, "total_tokens": 133,
        #  "input_token_details": {"cache_read": 0},
        #  "output_token_details": {"reasoning": 80}}
        ```

    Response metadata:
        ```python
        ai_msg.response_metadata
        # {"model_provider": "deepseek", "model_name": "deepseek-flash", "finish_reason": "stop",
        #  "system_fingerprint": "...", "id": "...", "request_id": "...",
        #  "token_usage": {...DeepSeek's raw usage...}, "estimated_cost": 0.0000714,
        #  "logprobs": None}
        ```
    '''

    model_name: str = Field(default=DEFAULT_MODEL, alias="model")
    """Model id: `deepseek-flash`, `deepseek-v4-pro`, or a legacy name such as `deepseek-chat`."""
    temperature: float | None = None
    """Sampling temperature, 0 to 2 (DeepSeek ignores it in thinking mode)."""
    max_tokens: int | None = Field(default=None, alias="max_completion_tokens")
    """Upper bound on reasoning plus answer tokens; None leaves DeepSeek's default."""
    top_p: float | None = None
    """Nucleus sampling, 0 to 1."""
    frequency_penalty: float | None = None
    """-2 to 2 (deprecated by DeepSeek: no effect)."""
    presence_penalty: float | None = None
    """-2 to 2 (deprecated by DeepSeek: no effect)."""
    stop: list[str] | str | None = Field(default=None, alias="stop_sequences")
    """Default stop sequences (at most 16)."""
    logprobs: bool | None = None
    """Return log probabilities (in `response_metadata["logprobs"]`)."""
    top_logprobs: int | None = None
    """Alternatives per token, 0 to 20; needs `logprobs=True`."""
    streaming: bool = False
    """Stream internally even for `invoke` (callbacks then see every token)."""
    stream_usage: bool = True
    """Request usage in streams; the last chunk then carries `usage_metadata`."""
    thinking: Thinking = None
    """Thinking mode: `"enabled"`/True, `"disabled"`/False, or None for the server default."""
    reasoning_effort: Literal["low", "high", "max"] | None = None
    """Thinking effort (thinking mode only)."""
    reasoning_passback: Literal["auto", "always", "never"] = "auto"
    """How earlier `reasoning_content` is sent back; `auto` follows DeepSeek's rule."""
    use_responses_api: bool | None = None
    """Send every call through DeepSeek's `/responses` (OpenAI's Responses format) instead of
    chat completions; `output_version="responses/v1"` does the same, as `ChatOpenAI` spells it.
    Stateless: the whole history goes every time; stop sequences and `response_format` have no
    counterpart there and are refused."""
    recover_text_tool_calls: bool = True
    """Tool calls the model writes into its text (DSML or `<tool_call>` markup) become real
    tool calls when tools are bound; False leaves the text as it came."""
    user_id: str | None = None
    """Your end user's id (`[a-zA-Z0-9_-]+`), for DeepSeek's per-user isolation."""
    safety_check: dict[str, str] | None = None
    """`{"level": "high"}` for DeepSeek's review of input and output (for a public service);
    without a web tool, only `tool_choice` "auto" or "none" then."""
    seed: int | None = None
    """Sent as given (DeepSeek documents no `seed`; a gateway may read it)."""
    n: int | None = None
    """Answers per request: only 1, which is sent as given (one answer per request is what
    this adapter returns; use `batch` for several)."""
    logit_bias: dict[int, int] | None = None
    """Sent as given (DeepSeek documents no `logit_bias`; a gateway may read it)."""
    model_kwargs: dict[str, Any] = Field(default_factory=dict)
    """Extra request parameters for every request: DeepSeek's own (`response_format`, ...) are
    checked like the declared ones, others are sent as extra body fields (before
    `extra_body`). Undeclared constructor arguments land here, see `sort_extra_arguments`."""
    extra_body: dict[str, Any] | None = None
    """Extra body fields, merged last into every request."""

    @model_validator(mode="before")
    @classmethod
    def _sort_extra_arguments(cls, values: Any) -> Any:
        """Undeclared arguments are sent, refused or moved with a warning; never dropped."""
        if not isinstance(values, dict):
            return values
        return sort_extra_arguments(cls.__name__, values, get_pydantic_field_names(cls))

    @field_validator("n")
    @classmethod
    def _one_answer_per_request(cls, n: int | None) -> int | None:
        if n is not None and n != 1:
            raise ValueError(
                f"n={n}: ChatDeepSeek returns one answer per request (DeepSeek documents no "
                "`n`); call batch() with the input repeated for several answers"
            )
        return n

    @property
    def model(self) -> str:
        """The model id, as `model_name` (langchain-deepseek's `model` property)."""
        return self.model_name

    def _resolve_model_profile(self) -> ModelProfile | None:
        # langchain-core fills `profile` from this when it is not given.
        return model_profile(self.model_name)

    # ----------------------------------------------------------------------------------------
    # LangChain plumbing
    # ----------------------------------------------------------------------------------------

    @property
    def _llm_type(self) -> str:
        return "chat-deepseek"

    @classmethod
    def is_lc_serializable(cls) -> bool:
        return True

    @classmethod
    def get_lc_namespace(cls) -> list[str]:
        return ["langchain_deepseek_ext", "chat_models"]

    @property
    def lc_secrets(self) -> dict[str, str]:
        return {"api_key": "DEEPSEEK_API_KEY"}

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model_name": self.model_name, **self._default_params()}

    def _get_ls_params(self, stop: list[str] | None = None, **kwargs: Any) -> LangSmithParams:
        params = LangSmithParams(
            ls_provider="deepseek",
            ls_model_name=str(kwargs.get("model") or self.model_name),
            ls_model_type="chat",
        )
        temperature = kwargs.get("temperature", self.temperature)
        if temperature is not None:
            params["ls_temperature"] = temperature
        max_tokens = kwargs.get("max_tokens", self.max_tokens)
        if max_tokens is not None:
            params["ls_max_tokens"] = max_tokens
        stops = _stop_list(stop or self.stop)
        if stops:
            params["ls_stop"] = stops
        return params

    # ----------------------------------------------------------------------------------------
    # Requests
    # ----------------------------------------------------------------------------------------

    def _default_params(self) -> dict[str, Any]:
        params = {
            "seed": self.seed,
            "n": self.n,
            "logit_bias": self.logit_bias,
            "thinking": thinking_mode(self.thinking),
            "reasoning_effort": self.reasoning_effort,
            "max_tokens": self.max_tokens,
            "temperature": self.temperature,
            "top_p": self.top_p,
            "frequency_penalty": self.frequency_penalty,
            "presence_penalty": self.presence_penalty,
            "logprobs": self.logprobs,
            "top_logprobs": self.top_logprobs,
            "user_id": self.user_id,
            "safety_check": self.safety_check,
        }
        return {key: value for key, value in params.items() if value is not None}

    def _chat_request(
        self,
        messages: Sequence[BaseMessage],
        stop: list[str] | None,
        call_kwargs: dict[str, Any],
        *,
        stream: bool,
    ) -> ChatRequest:
        """The core request: instance settings, then per-call kwargs (unknown ones are rejected)."""
        kwargs = dict(call_kwargs)
        kwargs.pop("stream", None)  # BaseChatModel's own switch, already decided
        typed_defaults, extra_defaults = _split_request_fields(self.model_kwargs)
        extra_body = {**extra_defaults, **(self.extra_body or {}), **kwargs.pop("extra_body", {})}
        # `parallel_tool_calls` is undocumented by DeepSeek (docs/deepseek-api.md §2.1).
        parallel_tool_calls = kwargs.pop("parallel_tool_calls", None)
        if parallel_tool_calls is not None:
            extra_body["parallel_tool_calls"] = parallel_tool_calls
        include_usage = kwargs.pop("stream_usage", self.stream_usage)
        if "thinking" in kwargs:
            kwargs["thinking"] = thinking_mode(kwargs["thinking"])
        params: dict[str, Any] = {
            "model": self.model_name,
            **typed_defaults,
            **self._default_params(),
            "reasoning_passback": self.reasoning_passback,
            "recover_text_tool_calls": self.recover_text_tool_calls,
            **{key: value for key, value in kwargs.items() if value is not None},
        }
        for name in _OPENAI_BODY_FIELDS:  # not DeepSeek's, so not fields of the core request
            if name in params:
                extra_body[name] = params.pop(name)
        if is_azure_endpoint(self.api_base) and isinstance(params.get("tool_choice"), dict):
            # Azure's DeepSeek deployments answer 422 to a named tool_choice and take only the
            # string forms; "required" forces a call as the name did (one tool in structured
            # output), as langchain-deepseek sends it.
            params["tool_choice"] = "required"
        stops = _stop_list(stop if stop is not None else self.stop)
        if stops:
            params["stop"] = stops
        if stream:
            params["stream_options"] = {"include_usage": bool(include_usage)}
        return ChatRequest(
            messages=to_core_messages(messages),
            stream=stream,
            extra_body=extra_body or None,
            **params,
        )

    def _stream_usage(self, **kwargs: Any) -> bool:
        return bool(kwargs.get("stream_usage", self.stream_usage))

    # ----------------------------------------------------------------------------------------
    # Calls: sync and async differ only by `await` and the client
    # ----------------------------------------------------------------------------------------

    def _uses_responses(self) -> bool:
        return bool(self.use_responses_api) or self.output_version == "responses/v1"

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        request = self._chat_request(messages, stop, kwargs, stream=False)
        if self._uses_responses():
            with translate_errors():
                answer = self.client.responses(responses_request_from_chat(request, stream=False))
            return ChatResult(generations=[ChatGeneration(message=from_response(answer))])
        with translate_errors():
            completion = self.client.chat(request)
        return _chat_result(completion)

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        request = self._chat_request(messages, stop, kwargs, stream=False)
        if self._uses_responses():
            with translate_errors():
                answer = await self.async_client.responses(
                    responses_request_from_chat(request, stream=False)
                )
            return ChatResult(generations=[ChatGeneration(message=from_response(answer))])
        with translate_errors():
            completion = await self.async_client.chat(request)
        return _chat_result(completion)

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        request = self._chat_request(messages, stop, kwargs, stream=True)
        include_usage = self._stream_usage(**kwargs)
        if self._uses_responses():
            yield from self._stream_responses(request, include_usage, run_manager)
            return
        with translate_errors():
            stream = self.client.stream_chat(request)
            with stream:
                for chunk in batched(stream):  # long tool arguments in growing batches
                    generation = _generation(chunk)
                    if generation is not None:
                        if run_manager:
                            run_manager.on_llm_new_token(generation.text, chunk=generation)
                        yield generation
                last = _last_chunk(stream.completion(), stream.request_id, include_usage)
                if run_manager:
                    run_manager.on_llm_new_token("", chunk=last)
                yield last

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        request = self._chat_request(messages, stop, kwargs, stream=True)
        include_usage = self._stream_usage(**kwargs)
        if self._uses_responses():
            async for piece in self._astream_responses(request, include_usage, run_manager):
                yield piece
            return
        with translate_errors():
            stream = await self.async_client.stream_chat(request)
            async with stream:
                async for chunk in abatched(stream):  # long tool arguments in growing batches
                    generation = _generation(chunk)
                    if generation is not None:
                        if run_manager:
                            await run_manager.on_llm_new_token(generation.text, chunk=generation)
                        yield generation
                last = _last_chunk(stream.completion(), stream.request_id, include_usage)
                if run_manager:
                    await run_manager.on_llm_new_token("", chunk=last)
                yield last

    def _stream_responses(
        self,
        request: ChatRequest,
        include_usage: bool,
        run_manager: CallbackManagerForLLMRun | None,
    ) -> Iterator[ChatGenerationChunk]:
        with translate_errors():
            stream = self.client.stream_responses(responses_request_from_chat(request, stream=True))
            with stream:
                for generation in stream_chunks(stream):
                    if run_manager:
                        run_manager.on_llm_new_token(generation.text, chunk=generation)
                    yield generation
            last = end_chunk(stream.final_response(), include_usage)
        if run_manager:
            run_manager.on_llm_new_token("", chunk=last)
        yield last

    async def _astream_responses(
        self,
        request: ChatRequest,
        include_usage: bool,
        run_manager: AsyncCallbackManagerForLLMRun | None,
    ) -> AsyncIterator[ChatGenerationChunk]:
        with translate_errors():
            responses = responses_request_from_chat(request, stream=True)
            stream = await self.async_client.stream_responses(responses)
            async with stream:
                async for generation in astream_chunks(stream):
                    if run_manager:
                        await run_manager.on_llm_new_token(generation.text, chunk=generation)
                    yield generation
            last = end_chunk(stream.final_response(), include_usage)
        if run_manager:
            await run_manager.on_llm_new_token("", chunk=last)
        yield last

    def astream(
        self,
        input: LanguageModelInput,
        config: RunnableConfig | None = None,
        *,
        stop: list[str] | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[AIMessageChunk]:
        """`BaseChatModel.astream`; closing it early also closes the HTTP stream at once.

        langchain-core iterates `_astream` with `async for` and leaves it open when its own
        generator is closed, so the connection would wait for the event loop's finalizer.
        """
        return closing_opened_streams(super().astream(input, config, stop=stop, **kwargs))

    # ----------------------------------------------------------------------------------------
    # Tools, structured output, tokens
    # ----------------------------------------------------------------------------------------

    def bind_tools(
        self,
        tools: Sequence[dict[str, Any] | type | Callable[..., Any] | BaseTool],
        *,
        tool_choice: dict[str, Any] | str | bool | None = None,
        strict: bool | None = None,
        parallel_tool_calls: bool | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        """Bind tools (pydantic models, functions, dicts, `BaseTool`s) to the model.

        Args:
            tools: The tools the model may call.
            tool_choice: `"auto"`, `"none"`, `"any"`/`"required"` (must call one), a tool name,
                `{"type": "function", "function": {"name": ...}}`, or True (the only tool, or
                any tool when several are bound). Forced choices switch thinking off when
                thinking is left at the server default; with `thinking="enabled"` they raise
                `ThinkingModeConflictError` (DeepSeek rejects them in thinking mode).
            strict: Strict schemas; requests then go to DeepSeek's `/beta` endpoint.
            parallel_tool_calls: False asks for at most one call (a parameter DeepSeek does
                not document; sent as given when set).
            kwargs: Further per-call parameters.
        """
        formatted = [format_tool(tool, strict) for tool in tools]
        choice = tool_choice_to_wire(tool_choice, formatted)
        if choice is not None:
            kwargs["tool_choice"] = choice
        if parallel_tool_calls is not None:
            kwargs["parallel_tool_calls"] = parallel_tool_calls
        return super().bind(tools=formatted, **kwargs)

    def with_structured_output(
        self,
        schema: dict[str, Any] | type | None = None,
        *,
        method: StructuredMethod = "function_calling",
        include_raw: bool = False,
        strict: bool | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, dict[str, Any] | Any]:
        """A runnable that returns output matching `schema`.

        Args:
            schema: A pydantic model, TypedDict, JSON Schema or OpenAI tool schema.
            method: `"function_calling"` (a tool; forced unless `thinking="enabled"`, where the
                tool is offered with an instruction to call it), `"json_mode"` (DeepSeek's JSON
                output; "json" is added to the prompt when missing), or `"json_schema"`
                (DeepSeek's native JSON-schema output on its `/responses` endpoint, in thinking
                mode too; a base URL without `/responses` answers 404, naming the others).
            include_raw: Return `{"raw", "parsed", "parsing_error"}` instead of raising.
            strict: With `function_calling`, strict tool schemas on `/beta`.
            kwargs: Not supported.

        JSON answers that come back empty are retried once, then raise `OutputParserException`.
        """
        if kwargs:
            raise ValueError(f"unsupported arguments: {sorted(kwargs)}")
        return structured_output(
            self,
            schema,
            method=method,
            include_raw=include_raw,
            strict=strict,
            thinking_enabled=thinking_mode(self.thinking) == "enabled",
        )

    def get_num_tokens(self, text: str) -> int:
        """An offline estimate (DeepSeek's ratios; nothing is downloaded)."""
        return count_tokens(text)

    def get_num_tokens_from_messages(
        self,
        messages: list[BaseMessage],
        tools: Sequence[Any] | None = None,
        *,
        allow_fetching_images: bool = True,
    ) -> int:
        """An offline estimate for a conversation; tool schemas are counted as JSON text.

        Images are counted at a fixed estimate and never downloaded, whatever
        `allow_fetching_images` (accepted as `ChatOpenAI` takes it) says.
        """
        total = count_message_tokens(to_core_messages(messages))
        for tool in tools or ():
            total += count_tokens(json.dumps(convert_to_openai_tool(tool), ensure_ascii=False))
        return total

    def get_token_ids(self, text: str) -> list[int]:
        """Needs `custom_get_token_ids`: DeepSeek's tokenizer is not bundled or downloaded."""
        if self.custom_get_token_ids is not None:
            return self.custom_get_token_ids(text)
        raise NotImplementedError(
            "DeepSeek's tokenizer is not bundled; use get_num_tokens() for an offline estimate "
            "or pass custom_get_token_ids"
        )


_OPENAI_BODY_FIELDS = ("seed", "n", "logit_bias", *sorted(SENT_AS_IS - {"response_format"}))
"""Request parameters sent as given in the body; DeepSeek documents none of them."""
_REQUEST_FIELDS = frozenset(ChatRequest.model_fields) - {"messages", "stream", "extra_body"}


def _split_request_fields(model_kwargs: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """`model_kwargs` as (fields of the core request, checked before sending; other body fields)."""
    typed = {key: value for key, value in model_kwargs.items() if key in _REQUEST_FIELDS}
    extra = {key: value for key, value in model_kwargs.items() if key not in _REQUEST_FIELDS}
    return typed, extra


def _stop_list(stop: list[str] | str | None) -> list[str] | None:
    if stop is None:
        return None
    return [stop] if isinstance(stop, str) else list(stop) or None


def _chat_result(completion: ChatCompletion) -> ChatResult:
    message = from_completion(completion)
    metadata = message.response_metadata
    generation = ChatGeneration(
        message=message, generation_info={"finish_reason": metadata.get("finish_reason")}
    )
    llm_output = {
        "token_usage": metadata.get("token_usage"),
        "model_name": metadata.get("model_name"),
        "system_fingerprint": metadata.get("system_fingerprint"),
    }
    return ChatResult(generations=[generation], llm_output=llm_output)


def _generation(chunk: ChatCompletionChunk) -> ChatGenerationChunk | None:
    message = from_chunk(chunk)
    return None if message is None else ChatGenerationChunk(message=message)


def _last_chunk(
    completion: ChatCompletion, request_id: str | None, include_usage: bool
) -> ChatGenerationChunk:
    message: AIMessageChunk = stream_end_chunk(completion, request_id, include_usage=include_usage)
    return ChatGenerationChunk(
        message=message,
        generation_info={"finish_reason": message.response_metadata.get("finish_reason")},
    )
