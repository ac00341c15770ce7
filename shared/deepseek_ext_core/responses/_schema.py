"""JSON schemas in DeepSeek's strict subset for `text.format: json_schema`.

DeepSeek refuses an array-form `"type"` (`["object", "null"]`) with 400 "Invalid json schema";
the `anyOf` form means the same and is accepted (docs/deepseek-api.md §6.7). Every such `type`
is rewritten; pydantic's nullable fields already use `anyOf`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["to_deepseek_json_schema"]


def to_deepseek_json_schema(schema: Mapping[str, Any]) -> dict[str, Any]:
    """A new schema with every array-form `type` written as `anyOf`."""
    converted = _convert(schema)
    assert isinstance(converted, dict)
    return converted


def _convert(node: Any) -> Any:
    if isinstance(node, list):
        return [_convert(item) for item in node]
    if not isinstance(node, Mapping):
        return node
    result = {key: _convert(value) for key, value in node.items()}
    kind = result.get("type")
    if isinstance(kind, list):
        del result["type"]
        options = [{"type": one} for one in kind]
        if "anyOf" in result:  # both: the types narrow each alternative
            result["allOf"] = [{"anyOf": options}, {"anyOf": result.pop("anyOf")}]
        else:
            result["anyOf"] = options
    return result
