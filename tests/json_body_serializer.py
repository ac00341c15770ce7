"""A vcrpy serializer that stores JSON bodies as readable YAML (pydantic-ai's habit).

Requests and non-streaming responses whose body is JSON are stored under `parsed_body` as YAML
maps; SSE streams stay one string so their chunk order is visible as DeepSeek sent it. On load,
the JSON is re-encoded compactly (`PreparedRequest.json_bytes` uses the same form).
"""

from __future__ import annotations

import json
from typing import Any

import yaml

_JSON_TYPES = ("application/json",)


class _LiteralDumper(yaml.SafeDumper):
    """Multi-line strings (SSE bodies) as YAML block literals."""


def _str_representer(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_LiteralDumper.add_representer(str, _str_representer)


def _content_type(headers: dict[str, Any]) -> str:
    for name, value in headers.items():
        if name.lower() == "content-type":
            return str(value[0] if isinstance(value, list) else value)
    return ""


def _as_text(body: Any) -> str | None:
    if isinstance(body, bytes):
        try:
            return body.decode("utf-8")
        except UnicodeDecodeError:
            return None
    return body if isinstance(body, str) else None


def _parse_json(text: str | None) -> Any:
    if text is None or not text.strip():
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


def serialize(cassette_dict: dict[str, Any]) -> str:
    for interaction in cassette_dict.get("interactions", []):
        request = interaction["request"]
        parsed = _parse_json(_as_text(request.get("body")))
        if parsed is not None:
            request.pop("body", None)
            request["parsed_body"] = parsed
        response = interaction["response"]
        text = _as_text(response.get("body", {}).get("string"))
        parsed = (
            _parse_json(text)
            if any(t in _content_type(response["headers"]) for t in _JSON_TYPES)
            else None
        )
        if parsed is not None:
            response.pop("body", None)
            response["parsed_body"] = parsed
        elif text is not None:
            response["body"] = {"string": text}
    return yaml.dump(
        cassette_dict, Dumper=_LiteralDumper, allow_unicode=True, sort_keys=False, width=120
    )


def _dump_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def deserialize(cassette_string: str) -> dict[str, Any]:
    cassette_dict: dict[str, Any] = yaml.safe_load(cassette_string)
    for interaction in cassette_dict.get("interactions", []):
        request = interaction["request"]
        if "parsed_body" in request:
            request["body"] = _dump_json(request.pop("parsed_body"))
        response = interaction["response"]
        if "parsed_body" in response:
            response["body"] = {"string": _dump_json(response.pop("parsed_body"))}
        body = response.get("body", {}).get("string")
        if isinstance(body, str):
            response["body"]["string"] = body.encode("utf-8")
    return cassette_dict
