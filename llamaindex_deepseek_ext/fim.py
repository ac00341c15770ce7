"""`DeepSeekFIM`: fill-in-the-middle completion (`/beta/completions`, docs/deepseek-api.md §6.3)."""

from __future__ import annotations

from typing import Any

from llama_index.core.base.llms.types import (
    CompletionResponse,
    CompletionResponseAsyncGen,
    CompletionResponseGen,
    LLMMetadata,
)
from llama_index.core.callbacks import CallbackManager
from llama_index.core.llms.callbacks import llm_completion_callback
from llama_index.core.llms.custom import CustomLLM
from pydantic import Field, SecretStr, model_validator

from deepseek_ext_core import FIMCompletion, FIMRequest, get_capabilities
from deepseek_ext_core.integration import closing_opened_streams

from ._arguments import declared_names, sort_constructor_arguments
from ._connection import DeepSeekConnection
from ._convert import usage_to_metadata

__all__ = ["DeepSeekFIM"]

FIM_MAX_TOKENS = 4096


class DeepSeekFIM(DeepSeekConnection, CustomLLM):
    """DeepSeek FIM completion as a LlamaIndex LLM: the model fills the gap before `suffix`.

    Setup:
        `pip install "deepseek-ext[llamaindex]"`; set `DEEPSEEK_API_KEY`.

    Instantiate:
        `fim = DeepSeekFIM(model="deepseek-flash", max_tokens=256)`

    Invoke:
        `fim.complete("def fib(n):\\n", suffix="\\n    return a\\n").text`

    Stream:
        `for r in fim.stream_complete(prompt, suffix=...): print(r.delta, end="")`

    Async:
        `await fim.acomplete(...)`, `async for r in await fim.astream_complete(...)`.

    Token usage:
        `response.additional_kwargs` holds token counts and `estimated_cost_usd`.

    Response metadata:
        `additional_kwargs["finish_reason"]`; FIM runs in non-thinking mode only.
    """

    model: str = Field(default="deepseek-flash", description="A model that supports FIM.")
    suffix: str | None = Field(default=None, description="Default text after the gap.")
    max_tokens: int | None = Field(
        default=None, ge=1, le=FIM_MAX_TOKENS, description="At most 4K tokens for FIM."
    )
    temperature: float | None = Field(default=None, description="Sampling temperature (0-2).")
    stop: list[str] | None = Field(default=None, description="Up to 16 stop sequences.")
    stream_usage: bool = Field(default=True, description="Ask for usage on streamed answers.")

    def __init__(
        self,
        model: str = "deepseek-flash",
        api_key: str | SecretStr | None = None,
        callback_manager: CallbackManager | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(model=model, api_key=api_key, callback_manager=callback_manager, **kwargs)

    @model_validator(mode="before")
    @classmethod
    def _sort_constructor_arguments(cls, values: Any) -> Any:
        """An argument this class does not declare raises, naming it."""
        if not isinstance(values, dict):
            return values
        return sort_constructor_arguments(
            cls.__name__, values, declared_names(cls), {}, chat_model=False
        )

    @classmethod
    def class_name(cls) -> str:
        return "DeepSeekFIM"

    @property
    def metadata(self) -> LLMMetadata:
        caps = get_capabilities(self.model)
        return LLMMetadata(
            context_window=caps.context_window,
            num_output=self.max_tokens or FIM_MAX_TOKENS,
            is_chat_model=False,
            model_name=self.model,
        )

    def _request(self, prompt: str, kwargs: dict[str, Any], *, stream: bool) -> FIMRequest:
        options: dict[str, Any] = {
            "model": self.model,
            "suffix": self.suffix,
            "max_tokens": self.max_tokens,
            "temperature": self.temperature,
            "stop": self.stop,
        }
        options.update(kwargs)
        options = {k: v for k, v in options.items() if v is not None}
        if stream:
            options["stream_options"] = {"include_usage": self.stream_usage}
        return FIMRequest(prompt=prompt, stream=stream, **options)

    def _response(
        self, completion: FIMCompletion, text: str, delta: str | None
    ) -> CompletionResponse:
        finish = next((c.finish_reason for c in completion.choices if c.finish_reason), None)
        extra = {
            "finish_reason": finish,
            **usage_to_metadata(completion, requested_model=self.model),
        }
        return CompletionResponse(text=text, delta=delta, raw=completion, additional_kwargs=extra)

    @llm_completion_callback()
    def complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponse:
        """Fills the gap after `prompt` (and before `suffix=`, a per-call or default field)."""
        completion = self._get_client().fim(self._request(prompt, kwargs, stream=False))
        return self._response(completion, completion.text, None)

    @llm_completion_callback()
    async def acomplete(
        self, prompt: str, formatted: bool = False, **kwargs: Any
    ) -> CompletionResponse:
        completion = await self._get_aclient().fim(self._request(prompt, kwargs, stream=False))
        return self._response(completion, completion.text, None)

    @llm_completion_callback()
    def stream_complete(
        self, prompt: str, formatted: bool = False, **kwargs: Any
    ) -> CompletionResponseGen:
        request = self._request(prompt, kwargs, stream=True)
        client = self._get_client()

        def gen() -> CompletionResponseGen:
            text = ""
            with client.stream_fim(request) as stream:
                for chunk in stream:
                    text += chunk.text
                    yield self._response(chunk, text, chunk.text)

        return gen()

    async def astream_complete(
        self, prompt: str, formatted: bool = False, **kwargs: Any
    ) -> CompletionResponseAsyncGen:
        # Closed early, it closes its HTTP stream at once (as `DeepSeek.astream_complete`).
        return closing_opened_streams(await self._astream_complete(prompt, formatted, **kwargs))

    @llm_completion_callback()
    async def _astream_complete(
        self, prompt: str, formatted: bool = False, **kwargs: Any
    ) -> CompletionResponseAsyncGen:
        request = self._request(prompt, kwargs, stream=True)
        client = self._get_aclient()

        async def gen() -> CompletionResponseAsyncGen:
            text = ""
            async with await client.stream_fim(request) as stream:
                async for chunk in stream:
                    text += chunk.text
                    yield self._response(chunk, text, chunk.text)

        return gen()
