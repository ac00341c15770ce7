"""Tool parameter schemas DeepSeek takes, from the ones frameworks and MCP servers write.

DeepSeek wants an object schema at the root of a function's `parameters`. A tool without
parameters gets `{"type": "object", "properties": {}}`; a root with properties but no `type`
gets `"type": "object"`; MCP servers send a root `oneOf`/`anyOf` (often of `$ref`s into `$defs`)
whose alternatives are all objects, which gets `"type": "object"` beside it, keeping its meaning.
Anything else is refused before sending, naming the tool and the rule. `$ref`/`$defs` are kept
as given (strict mode resolves them, see `_strict`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._errors import InvalidRequestError

__all__ = ["object_schema"]

_ALTERNATIVES = ("oneOf", "anyOf")
_DEFINITIONS = ("$defs", "definitions")


def object_schema(schema: object, tool: str) -> dict[str, Any]:
    """`schema` as an object schema DeepSeek takes (a new dict), or `InvalidRequestError`."""
    if schema is None or schema == {}:
        return {"type": "object", "properties": {}}
    if not isinstance(schema, Mapping):
        raise InvalidRequestError(
            f"tool {tool!r}: parameters must be a JSON Schema object, not {type(schema).__name__}"
        )
    result = dict(schema)
    declared = result.get("type")
    if declared == "object":
        return result
    if isinstance(declared, list) and "object" in declared:
        result["type"] = "object"  # ["object", "null"]: the arguments are always an object
        return result
    if declared is not None:
        raise InvalidRequestError(
            f"tool {tool!r}: parameters must be an object schema (DeepSeek passes arguments as "
            f"one JSON object), not type {declared!r}"
        )
    if "properties" in result:
        result["type"] = "object"
        return result
    for key in _ALTERNATIVES:
        options = result.get(key)
        if (
            isinstance(options, list)
            and options
            and all(_is_object(option, result) for option in options)
        ):
            result["type"] = "object"
            return result
    raise InvalidRequestError(
        f"tool {tool!r}: parameters need `type: object` at the root, or properties, or "
        "oneOf/anyOf alternatives that are all objects"
    )


def _is_object(option: object, root: Mapping[str, Any]) -> bool:
    if not isinstance(option, Mapping):
        return False
    ref = option.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/"):
        section, _, name = ref[2:].partition("/")
        definitions = root.get(section) if section in _DEFINITIONS else None
        target = definitions.get(name) if isinstance(definitions, Mapping) else None
        return isinstance(target, Mapping) and _is_object(target, root)
    return option.get("type") == "object" or "properties" in option
