"""`DeepSeekFIM`: DeepSeek's fill-in-the-middle completion as a LangChain `BaseLLM`."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import BaseLLM, LangSmithParams, LanguageModelInput
from langchain_core.outputs import Generation, GenerationChunk, LLMResult
from langchain_core.runnables import RunnableConfig
from pydantic import Field

from deepseek_ext_core import DEFAULT_MODEL, FIMCompletion, FIMRequest
from deepseek_ext_core.integration import closing_opened_streams

from ._arguments import StrictArguments
from ._connection import DeepSeekConnection, MaskedCredentials
from ._errors import translate_errors

__all__ = ["DeepSeekFIM"]


class DeepSeekFIM(StrictArguments, MaskedCredentials, BaseLLM, DeepSeekConnection):
    r"""DeepSeek fill-in-the-middle completion (`/beta/completions`) as a LangChain LLM.

    Setup:
        Install `deepseek-ext[langchain]` and set `DEEPSEEK_API_KEY`.

    Instantiate:
        ```python
        from langchain_deepseek_ext import DeepSeekFIM

        fim = DeepSeekFIM(model="deepseek-flash", max_tokens=128)
        ```

    Invoke:
        ```python
        fim.invoke("def fib(n):\n    ", suffix="\n    return a")
        ```

    Stream:
        ```python
        for piece in fim.stream("def fib(n):\n    ", suffix="\n    return a"):
            print(piece, end="")
        ```

    Async:
        ```python
        await fim.ainvoke("def fib(n):\n    ", suffix="\n    return a")
        ```

    Token usage:
        ```python
        result = fim.generate(["def fib(n):"])
        result.llm_output["token_usage"]
        ```

    Response metadata:
        ```python
        result.generations[0][0].generation_info   # {"finish_reason": "stop", "logprobs": None}
        ```
    """

    model_name: str = Field(default=DEFAULT_MODEL, alias="model")
    """A model that supports FIM (non-thinking mode only)."""
    suffix: str | None = None
    """Default text after the gap; a per-call `suffix=` overrides it."""
    max_tokens: int | None = None
    """At most 4096 for FIM."""
    temperature: float | None = None
    """Sampling temperature, 0 to 2."""
    top_p: float | None = None
    """Nucleus sampling, 0 to 1."""
    stop: list[str] | None = None
    """Default stop sequences."""
    echo: bool | None = None
    """Echo the prompt in the output."""
    logprobs: int | None = None
    """Log probabilities of the top N tokens (0 to 20)."""
    streaming: bool = False
    """Stream internally even for `invoke`."""
    extra_body: dict[str, Any] | None = None
    """Extra body fields, merged last into every request."""

    @property
    def _llm_type(self) -> str:
        return "deepseek-fim"

    @classmethod
    def is_lc_serializable(cls) -> bool:
        return True

    @classmethod
    def get_lc_namespace(cls) -> list[str]:
        return ["langchain_deepseek_ext", "llms"]

    @property
    def lc_secrets(self) -> dict[str, str]:
        return {"api_key": "DEEPSEEK_API_KEY"}

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model_name": self.model_name, "suffix": self.suffix, "max_tokens": self.max_tokens}

    def _get_ls_params(self, stop: list[str] | None = None, **kwargs: Any) -> LangSmithParams:
        params = LangSmithParams(
            ls_provider="deepseek",
            ls_model_name=str(kwargs.get("model") or self.model_name),
            ls_model_type="llm",
        )
        if self.temperature is not None:
            params["ls_temperature"] = self.temperature
        if self.max_tokens is not None:
            params["ls_max_tokens"] = self.max_tokens
        if stop or self.stop:
            params["ls_stop"] = stop or self.stop
        return params

    def _request(
        self, prompt: str, stop: list[str] | None, call_kwargs: dict[str, Any], *, stream: bool
    ) -> FIMRequest:
        kwargs = {key: value for key, value in call_kwargs.items() if value is not None}
        kwargs.pop("stream", None)
        params: dict[str, Any] = {
            "model": self.model_name,
            "suffix": self.suffix,
            "max_tokens": self.max_tokens,
            "temperature": self.temperature,
            "top_p": self.top_p,
            "stop": stop or self.stop,
            "echo": self.echo,
            "logprobs": self.logprobs,
            "extra_body": self.extra_body,
        }
        params = {key: value for key, value in params.items() if value is not None}
        return FIMRequest(prompt=prompt, stream=stream, **{**params, **kwargs})

    def _generate(
        self,
        prompts: list[str],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> LLMResult:
        completions: list[FIMCompletion] = []
        for prompt in prompts:
            request = self._request(prompt, stop, kwargs, stream=False)
            with translate_errors():
                completions.append(self.client.fim(request))
        return _llm_result(completions)

    async def _agenerate(
        self,
        prompts: list[str],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> LLMResult:
        completions: list[FIMCompletion] = []
        for prompt in prompts:
            request = self._request(prompt, stop, kwargs, stream=False)
            with translate_errors():
                completions.append(await self.async_client.fim(request))
        return _llm_result(completions)

    def _stream(
        self,
        prompt: str,
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[GenerationChunk]:
        request = self._request(prompt, stop, kwargs, stream=True)
        with translate_errors(), self.client.stream_fim(request) as stream:
            for event in stream:
                chunk = _chunk(event)
                if chunk is not None:
                    if run_manager:
                        run_manager.on_llm_new_token(chunk.text, chunk=chunk)
                    yield chunk

    async def _astream(
        self,
        prompt: str,
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[GenerationChunk]:
        request = self._request(prompt, stop, kwargs, stream=True)
        with translate_errors():
            async with await self.async_client.stream_fim(request) as stream:
                async for event in stream:
                    chunk = _chunk(event)
                    if chunk is not None:
                        if run_manager:
                            await run_manager.on_llm_new_token(chunk.text, chunk=chunk)
                        yield chunk

    def astream(
        self,
        input: LanguageModelInput,
        config: RunnableConfig | None = None,
        *,
        stop: list[str] | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[str]:
        """`BaseLLM.astream`; closing it early also closes the HTTP stream at once (as
        `ChatDeepSeek.astream` does, for the same langchain-core reason)."""
        return closing_opened_streams(super().astream(input, config, stop=stop, **kwargs))


def _chunk(event: FIMCompletion) -> GenerationChunk | None:
    if not event.choices:
        return None
    choice = event.choices[0]
    info = {"finish_reason": choice.finish_reason} if choice.finish_reason else None
    if not choice.text and info is None:
        return None
    return GenerationChunk(text=choice.text, generation_info=info)


def _llm_result(completions: list[FIMCompletion]) -> LLMResult:
    generations: list[list[Generation]] = []
    usage: dict[str, int] = {}
    for completion in completions:
        generations.append(
            [
                Generation(
                    text=choice.text,
                    generation_info={
                        "finish_reason": choice.finish_reason,
                        "logprobs": choice.logprobs,
                    },
                )
                for choice in completion.choices
            ]
        )
        if completion.usage is not None:
            for key in ("prompt_tokens", "completion_tokens", "total_tokens"):
                usage[key] = usage.get(key, 0) + int(getattr(completion.usage, key))
    model = completions[0].model if completions else None
    return LLMResult(
        generations=generations, llm_output={"token_usage": usage, "model_name": model}
    )
