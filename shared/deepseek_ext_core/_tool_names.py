"""Tool names DeepSeek accepts, from any name a framework tool can have, and back.

DeepSeek takes `^[a-zA-Z0-9_-]{1,64}$` only (400 "Invalid 'tools[0].function.name'" otherwise),
while MCP servers name tools `asana.create_task`, `github/create_issue` or
`mcp__server__a_very_long_tool_name...`. A name is mapped deterministically (readable where
possible: `asana.create_task` -> `asana_create_task`; too long or clashing: a short stable hash
suffix), unique within the request; every tool call that comes back is given its original name
again, so the framework runs the tool it offered.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

from ._errors import InvalidRequestError

__all__ = ["MAX_TOOL_NAME", "is_wire_name", "wire_names"]

MAX_TOOL_NAME = 64
_WIRE_NAME = re.compile(r"[a-zA-Z0-9_-]{1,64}")
_NOT_ALLOWED = re.compile(r"[^a-zA-Z0-9_-]+")
_HASH_CHARS = 8


def is_wire_name(name: str) -> bool:
    """Whether DeepSeek takes `name` as it is."""
    return _WIRE_NAME.fullmatch(name) is not None


def wire_names(offered: Iterable[str], history: Iterable[str] = ()) -> dict[str, str]:
    """`{original: wire}` for every name that DeepSeek would refuse as it is; empty when every
    name is fine (the common case costs one regex match a name).

    `offered` are the request's tools (two with one name are refused); `history` the names of
    earlier tool calls in the conversation, mapped the same way so the model sees one name.
    Names DeepSeek takes keep themselves and are never given to another tool.
    """
    offered = list(offered)
    seen: set[str] = set()
    for name in offered:
        if not isinstance(name, str) or not name:
            raise InvalidRequestError(f"a tool name must be a non-empty string, not {name!r}")
        if name in seen:
            raise InvalidRequestError(f"two tools are named {name!r}; tool names must differ")
        seen.add(name)
    names = [*offered, *(n for n in history if n and n not in seen)]
    taken = {name for name in names if is_wire_name(name)}
    mapping: dict[str, str] = {}
    for name in dict.fromkeys(names):
        if name in taken:
            continue
        wire = _readable(name)
        if wire in taken or len(wire) > MAX_TOOL_NAME or wire != _truncated(wire):
            wire = _hashed(name, wire)
        counter = 1
        while wire in taken:  # a hash clash: vanishingly rare, still never ambiguous
            wire = _hashed(f"{name}#{counter}", wire)
            counter += 1
        taken.add(wire)
        mapping[name] = wire
    return mapping


def _readable(name: str) -> str:
    return _NOT_ALLOWED.sub("_", name).strip("_") or "tool"


def _truncated(wire: str) -> str:
    return wire[:MAX_TOOL_NAME]


def _hashed(name: str, readable: str) -> str:
    digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:_HASH_CHARS]
    return f"{readable[: MAX_TOOL_NAME - _HASH_CHARS - 1]}_{digest}"
