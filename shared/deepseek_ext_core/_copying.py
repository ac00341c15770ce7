"""Deep copies of a framework model that holds live core clients.

LangGraph and LlamaIndex `copy.deepcopy` models (a graph's node state, an agent's settings).
pydantic's own `__deepcopy__` copies private attributes too, and a core client that has been used
holds an httpx client with locks and sockets, which cannot be copied
(`TypeError: cannot pickle '_thread.RLock' object`). A copy should instead build its own clients
on first use, and share, not copy, any HTTP client the user injected.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from pydantic import BaseModel

ModelT = TypeVar("ModelT", bound=BaseModel)


def deepcopy_model(
    model: ModelT,
    memo: dict[int, Any] | None,
    *,
    fresh_private: Mapping[str, Any],
    shared: Iterable[object] = (),
) -> ModelT:
    """`copy.deepcopy(model)` as pydantic does it, except that the private attributes named in
    `fresh_private` start over with the values given, and the objects in `shared` are kept as
    they are (the same instance in the copy)."""
    memo = {} if memo is None else memo
    for obj in shared:
        if obj is not None:
            memo.setdefault(id(obj), obj)
    cls = type(model)
    clone = cls.__new__(cls)
    memo[id(model)] = clone
    object.__setattr__(clone, "__dict__", copy.deepcopy(model.__dict__, memo))
    object.__setattr__(clone, "__pydantic_extra__", copy.deepcopy(model.__pydantic_extra__, memo))
    object.__setattr__(clone, "__pydantic_fields_set__", set(model.__pydantic_fields_set__))
    private = getattr(model, "__pydantic_private__", None)
    if private is None:
        object.__setattr__(clone, "__pydantic_private__", None)
    else:
        kept = {k: v for k, v in private.items() if k not in fresh_private}
        fresh = {**copy.deepcopy(kept, memo), **fresh_private}
        object.__setattr__(clone, "__pydantic_private__", fresh)
    return clone
