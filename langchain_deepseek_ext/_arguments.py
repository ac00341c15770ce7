"""Constructor arguments a model does not declare: sent, refused with a reason, or moved with a
warning, never dropped.

langchain-deepseek inherits `BaseChatOpenAI`, so its users pass OpenAI's settings too. Each one
that means something to DeepSeek is a field of ours (`seed`, `n`, `logit_bias`, ...); a request
parameter of OpenAI's chat API is sent as given; a setting of the OpenAI SDK or of OpenAI's
Responses API is refused with what to do instead; anything else goes to `model_kwargs` with a
warning that names it, as `BaseChatOpenAI.build_extra` does. A near miss of a declared field
(`temprature`) raises instead: moving it would send a field DeepSeek ignores and leave the
setting the user meant unset.
"""

from __future__ import annotations

import difflib
import warnings
from collections.abc import Iterable
from typing import Any

from langchain_core.utils.utils import get_pydantic_field_names
from pydantic import BaseModel, model_validator

__all__ = [
    "REFUSED",
    "SENT_AS_IS",
    "StrictArguments",
    "refuse_undeclared",
    "sort_extra_arguments",
]

_USE_HTTP_CLIENT = (
    "pass http_client=httpx.Client(...) and http_async_client=httpx.AsyncClient(...) "
    "configured as you need"
)
_RESPONSES_API = (
    "a setting of OpenAI's Responses API, which ChatDeepSeek does not route through yet "
    "(with_structured_output(method='json_schema') uses DeepSeek's /responses by itself; "
    "deepseek_ext_core's client.responses(...) takes the rest)"
)

REFUSED: dict[str, str] = {
    "openai_api_key": "pass api_key=... or set DEEPSEEK_API_KEY (OPENAI_API_KEY is never read)",
    "openai_api_base": "pass base_url=... or set DEEPSEEK_API_BASE",
    "openai_organization": "an OpenAI account setting; DeepSeek has no organizations",
    "organization": "an OpenAI account setting; DeepSeek has no organizations",
    "openai_proxy": f"{_USE_HTTP_CLIENT} (httpx.Client(proxy=...))",
    "client": f"ChatDeepSeek does not use the openai SDK; {_USE_HTTP_CLIENT}",
    "async_client": f"ChatDeepSeek does not use the openai SDK; {_USE_HTTP_CLIENT}",
    "root_client": f"ChatDeepSeek does not use the openai SDK; {_USE_HTTP_CLIENT}",
    "root_async_client": f"ChatDeepSeek does not use the openai SDK; {_USE_HTTP_CLIENT}",
    "http_socket_options": f"{_USE_HTTP_CLIENT} (httpx.HTTPTransport(socket_options=...))",
    "stream_chunk_timeout": "timeout=... bounds the wait for every piece of a stream",
    "tiktoken_model_name": "token counts are an offline estimate by DeepSeek's own ratios "
    "(get_num_tokens); tiktoken is not used",
    "include_response_headers": "response_metadata['request_id'] carries DeepSeek's trace id; "
    "other response headers are not kept",
    "disabled_params": "ChatDeepSeek adds no optional request parameter of its own, so there "
    "is nothing to disable; leave the parameter out instead",
    "reasoning": f"{_RESPONSES_API}; use thinking=... and reasoning_effort=...",
    "verbosity": _RESPONSES_API,
    "context_management": _RESPONSES_API,
    "include": _RESPONSES_API,
    "truncation": _RESPONSES_API,
    "use_previous_response_id": _RESPONSES_API,
    "store": _RESPONSES_API,
    "service_tier": "an OpenAI billing tier; DeepSeek has one tier (off-peak prices apply "
    "by the clock)",
    "prompt_cache_options": "DeepSeek caches repeated prompt prefixes by itself, with no options",
}
"""OpenAI-only settings `BaseChatOpenAI` accepts, with what to do instead."""

SENT_AS_IS = frozenset({"response_format", "parallel_tool_calls", "user", "top_k"})
"""Request parameters moved into `model_kwargs` without a warning: OpenAI's (DeepSeek reads
`response_format`; the others it may ignore) and `top_k`, which vLLM and SGLang read."""

_USER_FRAME = 5
"""The caller's frame for warnings: this function, the model's validator, pydantic's and
langchain-core's `__init__`, then the line that built the model."""

_NEAR_MISS = 0.85
"""How alike a name must be to a declared field to count as a misspelling of it (difflib's
ratio): `temprature` (0.95) is one, `top_k` beside `top_p` (0.8) is not."""


def sort_extra_arguments(
    owner: str, values: dict[str, Any], declared: Iterable[str]
) -> dict[str, Any]:
    """`values` with every undeclared argument refused, or moved into `model_kwargs`.

    Raises `TypeError` naming the argument for a refused one, for a near miss of a declared
    field, and for a name given both directly and in `model_kwargs`, as Python does for an
    unexpected keyword argument. A declared field given in `model_kwargs` is moved out of it,
    with a warning, as langchain-core does. (A `ValueError` would be wrapped by pydantic in an
    error that prints every argument given, the API key among them.)
    """
    values = dict(values)
    names = set(declared)
    extra = dict(values.get("model_kwargs") or {})
    for name in values:
        if name in extra:
            raise TypeError(f"{owner} got {name!r} twice: as an argument and in model_kwargs")
    for name in [name for name in values if name not in names]:
        if name in REFUSED:
            if values[name] is None or values[name] is False:
                del values[name]  # asks for nothing: the OpenAI-only feature stays off
                continue
            raise TypeError(f"{owner} does not take {name!r}: {REFUSED[name]}")
        if name not in SENT_AS_IS:
            _refuse_near_miss(owner, name, names)
            warnings.warn(
                f"{owner}: {name!r} is not one of its parameters; it was moved to model_kwargs "
                "and is sent in every request body. Pass it as model_kwargs={...} (or "
                "extra_body) to say that is what you mean.",
                UserWarning,
                stacklevel=_USER_FRAME,
            )
        extra[name] = values.pop(name)
    for name in [name for name in extra if name in names]:
        warnings.warn(
            f"{owner}: {name!r} is a parameter of its own; it was taken out of model_kwargs. "
            f"Pass {name}=... directly.",
            UserWarning,
            stacklevel=_USER_FRAME,
        )
        values[name] = extra.pop(name)
    if extra or "model_kwargs" in values:
        values["model_kwargs"] = extra
    return values


def _refuse_near_miss(owner: str, name: str, declared: set[str]) -> None:
    public = sorted(field for field in declared if not field.startswith("_"))
    match = difflib.get_close_matches(name, public, n=1, cutoff=_NEAR_MISS)
    if match:
        raise TypeError(f"{owner} has no parameter {name!r}; did you mean {match[0]!r}?")


def refuse_undeclared(owner: str, values: dict[str, Any], declared: Iterable[str]) -> None:
    """Raises `TypeError` naming the first argument in `values` that is not `declared`."""
    names = set(declared)
    for name in values:
        if name not in names:
            _refuse_near_miss(owner, name, names)
            raise TypeError(f"{owner} has no parameter {name!r}")


class StrictArguments(BaseModel):
    """A mixin for parts with no peer whose settings a user carries over: an argument they do
    not declare raises `TypeError` naming it (nothing is moved to a request body either)."""

    @model_validator(mode="before")
    @classmethod
    def _refuse_undeclared_arguments(cls, values: Any) -> Any:
        if isinstance(values, dict):
            refuse_undeclared(cls.__name__, values, get_pydantic_field_names(cls))
        return values
