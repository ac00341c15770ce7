"""Constructor arguments `DeepSeek` and `DeepSeekFIM` do not declare: used, or refused with an
error that names them, never dropped.

llama-index-llms-deepseek inherits `OpenAILike`, so its users pass the OpenAI LLM's settings too.
A setting whose value is what DeepSeek does anyway is accepted (`is_chat_model=True`); one with a
meaning for DeepSeek is translated (`max_new_tokens`); any other value, and any other name, raises
before anything is built, with what to do instead. Request parameters belong in
`additional_kwargs`, as in every LlamaIndex LLM.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from llama_index.core.base.llms import generic_utils
from llama_index.core.llms import llm as llm_module
from pydantic import BaseModel

__all__ = [
    "CHAT_ARGUMENTS",
    "COMPLETION_MODEL_ONLY",
    "declared_names",
    "sort_constructor_arguments",
]

_NO_SDK = (
    "this LLM does not use the openai SDK; pass http_client=httpx.Client(...) and "
    "async_http_client=httpx.AsyncClient(...) for proxies, TLS settings and mounts"
)


def _only(*allowed: object, why: str) -> Callable[[dict[str, Any], str, object], None]:
    """An argument accepted with one of the values `allowed` (what DeepSeek does anyway)."""

    def check(values: dict[str, Any], name: str, value: object) -> None:
        if value not in allowed:
            raise TypeError(f"{name}={value!r} is not supported: {why}")

    return check


def _as_max_tokens(values: dict[str, Any], name: str, value: object) -> None:
    if value is not None:
        if values.get("max_tokens") not in (None, value):
            raise TypeError("max_new_tokens and max_tokens disagree; pass max_tokens only")
        values["max_tokens"] = value


CHAT_ARGUMENTS: Mapping[str, Callable[[dict[str, Any], str, object], None]] = {
    "is_chat_model": _only(
        True, why="DeepSeek serves chat completions only; use DeepSeekFIM for raw completion"
    ),
    "reuse_client": _only(
        True,
        why="clients are reused per event loop already, which keeps many async calls stable",
    ),
    "should_use_structured_outputs": _only(
        False,
        why="DeepSeek has no json_schema response format; structured_predict uses a tool "
        "call, or JSON mode in thinking mode",
    ),
    "modalities": _only(None, ["text"], why="DeepSeek answers in text only"),
    "audio_config": _only(None, why="DeepSeek answers in text only"),
    "tokenizer": _only(
        None,
        why="token counts are an offline estimate (deepseek_ext_core.count_tokens); set a "
        "tokenizer on llama_index.core.Settings for LlamaIndex's own counting",
    ),
    "openai_client": _only(None, why=_NO_SDK),
    "async_openai_client": _only(None, why=_NO_SDK),
    "max_new_tokens": _as_max_tokens,
}
"""The OpenAI LLM's arguments `DeepSeek` takes beyond its fields, and what each does."""

COMPLETION_MODEL_ONLY = ("messages_to_prompt", "completion_to_prompt", "query_wrapper_prompt")
"""Fields of LlamaIndex's `LLM` that it reads only for completion models; DeepSeek is a chat
model, so a value given for one would have no effect (with the peer too) and is refused."""

_LLAMAINDEX_DEFAULTS: tuple[object, ...] = (
    None,
    llm_module.default_completion_to_prompt,
    generic_utils.messages_to_prompt,
)
"""What LlamaIndex's `LLM` fills these fields with; they come back from `to_dict` and pickles."""

_NEAR_MISS = 0.85
"""How alike a name must be to a declared one to be called a misspelling (difflib's ratio)."""


def declared_names(cls: type[BaseModel]) -> set[str]:
    """The field names of `cls` and their aliases."""
    names = set(cls.model_fields)
    names.update(field.alias for field in cls.model_fields.values() if field.alias)
    return names


def sort_constructor_arguments(
    owner: str,
    values: dict[str, Any],
    declared: Iterable[str],
    accepted: Mapping[str, Callable[[dict[str, Any], str, object], None]],
    *,
    chat_model: bool,
) -> dict[str, Any]:
    """`values` with the `accepted` extra arguments applied and removed; raises `TypeError`
    naming any other undeclared argument (and the field it looks like, if one), as Python does
    for an unexpected keyword argument. (A `ValueError` would be wrapped by pydantic in an error
    that prints every argument given, the API key among them.)"""
    values = dict(values)
    names = set(declared)
    for name in COMPLETION_MODEL_ONLY:
        if chat_model and values.get(name) not in _LLAMAINDEX_DEFAULTS:
            raise TypeError(
                f"{name} is not supported: LlamaIndex uses it for completion models only, and "
                f"{owner} is a chat model, so it would have no effect; use system_prompt, or "
                "build the messages yourself"
            )
    for name in [name for name in values if name not in names]:
        value = values.pop(name)
        if name in accepted:
            accepted[name](values, name, value)
            continue
        match = difflib.get_close_matches(name, sorted(names), n=1, cutoff=_NEAR_MISS)
        hint = (
            f"; did you mean {match[0]!r}?"
            if match
            else "; request parameters go in additional_kwargs={...}"
        )
        raise TypeError(f"{owner} has no parameter {name!r}{hint}")
    return values
