"""JSON Schema to DeepSeek's strict-tool subset (docs/deepseek-api.md §5.3).

Strict mode (beta, `/beta` base URL) validates tool arguments against the schema, but accepts only
a subset of JSON Schema: every object lists all its properties in `required` and sets
`additionalProperties: false`; strings take `pattern` and a few `format`s but not length limits;
arrays take `items` but not size limits. The conversion adds what strict mode requires, drops the
limits it cannot express (the tool should still validate them), inlines `$ref`s so the `$def` vs
`$defs` spelling never matters, and raises `StrictSchemaError` naming any other keyword.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._errors import StrictSchemaError

_ALLOWED = frozenset(
    {
        "type", "properties", "required", "additionalProperties", "items", "enum", "anyOf",
        "description", "pattern", "format", "const", "default", "minimum", "maximum",
        "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "$ref", "$defs", "$def", "nullable",
    }
)  # fmt: skip
_DROPPED = frozenset({"minLength", "maxLength", "minItems", "maxItems", "title", "examples"})
_FORMATS = frozenset({"email", "hostname", "ipv4", "ipv6", "uuid"})
_MAX_REF_DEPTH = 32


def to_strict_schema(schema: Mapping[str, Any]) -> dict[str, Any]:
    """A new schema DeepSeek's strict mode accepts, or `StrictSchemaError` naming the keyword."""
    definitions: dict[str, Any] = {}
    for key in ("$defs", "$def", "definitions"):
        found = schema.get(key)
        if isinstance(found, Mapping):
            definitions.update(found)
    converted = _convert(schema, definitions, path="#", depth=0)
    if converted.get("type") != "object":
        raise StrictSchemaError("a strict tool's parameters must be an object schema")
    return converted


def _resolve(ref: str, definitions: Mapping[str, Any], path: str) -> Mapping[str, Any]:
    name = ref.rsplit("/", 1)[-1]
    target = definitions.get(name)
    if not ref.startswith("#/") or not isinstance(target, Mapping):
        raise StrictSchemaError(f"{path}: cannot resolve $ref {ref!r}")
    return target


def _convert(
    node: Mapping[str, Any], defs: Mapping[str, Any], *, path: str, depth: int
) -> dict[str, Any]:
    if depth > _MAX_REF_DEPTH:
        raise StrictSchemaError(f"{path}: $ref nesting deeper than {_MAX_REF_DEPTH} (recursive?)")
    if "$ref" in node:
        merged = {
            **_resolve(str(node["$ref"]), defs, path),
            **{k: v for k, v in node.items() if k != "$ref"},
        }
        return _convert(merged, defs, path=path, depth=depth + 1)
    all_of = node.get("allOf")
    if all_of is not None:
        if not isinstance(all_of, list) or len(all_of) != 1:
            raise StrictSchemaError(f"{path}: 'allOf' is not supported in strict mode")
        rest = {k: v for k, v in node.items() if k != "allOf"}
        return _convert({**all_of[0], **rest}, defs, path=path, depth=depth + 1)
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in _DROPPED or key in ("$defs", "$def", "definitions"):
            continue
        if key not in _ALLOWED:
            raise StrictSchemaError(f"{path}: '{key}' is not supported in strict mode")
        out[key] = value
    if "format" in out and out["format"] not in _FORMATS:
        raise StrictSchemaError(f"{path}: format {out['format']!r} is not supported in strict mode")
    if "anyOf" in out:
        out["anyOf"] = [
            _convert(option, defs, path=f"{path}/anyOf/{i}", depth=depth + 1)
            for i, option in enumerate(_as_list(out["anyOf"], path))
        ]
    if "items" in out and isinstance(out["items"], Mapping):
        out["items"] = _convert(out["items"], defs, path=f"{path}/items", depth=depth + 1)
    if out.get("type") == "object" or "properties" in out:
        _make_object_strict(out, defs, path=path, depth=depth)
    return out


def _as_list(value: object, path: str) -> list[Mapping[str, Any]]:
    if not isinstance(value, list) or not all(isinstance(v, Mapping) for v in value):
        raise StrictSchemaError(f"{path}: 'anyOf' must be a list of schemas")
    return value


def _make_object_strict(
    out: dict[str, Any], defs: Mapping[str, Any], *, path: str, depth: int
) -> None:
    properties = out.get("properties") or {}
    if not isinstance(properties, Mapping):
        raise StrictSchemaError(f"{path}: 'properties' must be an object")
    if (
        isinstance(out.get("additionalProperties"), Mapping)
        or out.get("additionalProperties") is True
    ):
        raise StrictSchemaError(f"{path}: 'additionalProperties' must be false in strict mode")
    out["type"] = "object"
    out["properties"] = {
        name: _convert(sub, defs, path=f"{path}/properties/{name}", depth=depth + 1)
        for name, sub in properties.items()
    }
    out["required"] = list(properties)
    out["additionalProperties"] = False
