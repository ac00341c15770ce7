"""JSON Schema to DeepSeek's strict-tool subset (docs/deepseek-api.md §5.3)."""

from __future__ import annotations

import copy
from datetime import datetime
from enum import Enum
from typing import Any, Literal, Optional, Union

import pytest
from pydantic import BaseModel, Field

from deepseek_ext_core import StrictSchemaError, to_strict_schema


class Color(str, Enum):
    RED = "red"
    BLUE = "blue"


class Address(BaseModel):
    street: str = Field(min_length=1, max_length=50, description="Street and number")
    zip: Optional[str] = None  # noqa: UP045 (the Optional spelling is what users write)


class Person(BaseModel):
    name: str
    tags: list[str] = Field(min_length=1, max_length=3)
    color: Color
    home: Address
    work: Address | None = None
    kind: Literal["a", "b"] = "a"
    age: int = Field(ge=0, le=150)
    email: str = Field(json_schema_extra={"format": "email"})


STRICT_ADDRESS = {
    "type": "object",
    "properties": {
        "street": {"type": "string", "description": "Street and number"},
        "zip": {"anyOf": [{"type": "string"}, {"type": "null"}], "default": None},
    },
    "required": ["street", "zip"],
    "additionalProperties": False,
}


def walk(node: Any) -> list[dict[str, Any]]:
    """Every schema-like dict in `node`."""
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        found.append(node)
        for value in node.values():
            found.extend(walk(value))
    elif isinstance(node, list):
        for value in node:
            found.extend(walk(value))
    return found


def test_pydantic_schema_becomes_strict() -> None:
    strict = to_strict_schema(Person.model_json_schema())
    assert strict == {
        "type": "object",
        "properties": {
            "name": {"type": "string"},
            "tags": {"type": "array", "items": {"type": "string"}},
            "color": {"type": "string", "enum": ["red", "blue"]},
            "home": STRICT_ADDRESS,
            "work": {"anyOf": [STRICT_ADDRESS, {"type": "null"}], "default": None},
            "kind": {"type": "string", "enum": ["a", "b"], "default": "a"},
            "age": {"type": "integer", "minimum": 0, "maximum": 150},
            "email": {"type": "string", "format": "email"},
        },
        "required": ["name", "tags", "color", "home", "work", "kind", "age", "email"],
        "additionalProperties": False,
    }


def test_no_refs_titles_or_length_limits_survive() -> None:
    strict = to_strict_schema(Person.model_json_schema())
    for node in walk(strict):
        assert not {
            "$ref",
            "$defs",
            "title",
            "minLength",
            "maxLength",
            "minItems",
            "maxItems",
        } & set(node)
        if node.get("type") == "object":
            assert node["additionalProperties"] is False
            assert node["required"] == list(node["properties"])


def test_input_schema_is_not_mutated() -> None:
    schema = Person.model_json_schema()
    snapshot = copy.deepcopy(schema)
    to_strict_schema(schema)
    assert schema == snapshot


@pytest.mark.parametrize("defs_key", ["$defs", "$def", "definitions"])
def test_every_definitions_spelling_is_inlined(defs_key: str) -> None:
    schema = {
        "type": "object",
        "properties": {"item": {"$ref": f"#/{defs_key}/Item", "description": "the item"}},
        defs_key: {"Item": {"type": "object", "properties": {"n": {"type": "integer"}}}},
    }
    assert to_strict_schema(schema) == {
        "type": "object",
        "properties": {
            "item": {
                "type": "object",
                "description": "the item",
                "properties": {"n": {"type": "integer"}},
                "required": ["n"],
                "additionalProperties": False,
            }
        },
        "required": ["item"],
        "additionalProperties": False,
    }


def test_single_allof_wrapper_is_unwrapped() -> None:
    schema = {
        "type": "object",
        "properties": {"c": {"allOf": [{"$ref": "#/$defs/C"}], "description": "a colour"}},
        "$defs": {"C": {"enum": ["r", "g"], "type": "string"}},
    }
    assert to_strict_schema(schema)["properties"]["c"] == {
        "enum": ["r", "g"],
        "type": "string",
        "description": "a colour",
    }


def test_nested_arrays_of_objects_are_made_strict() -> None:
    schema = {
        "type": "object",
        "properties": {
            "rows": {
                "type": "array",
                "items": {"type": "object", "properties": {"a": {"type": "string"}}},
            }
        },
    }
    items = to_strict_schema(schema)["properties"]["rows"]["items"]
    assert items["required"] == ["a"]
    assert items["additionalProperties"] is False


class Node(BaseModel):
    value: int
    children: list[Node] = []


class WithDict(BaseModel):
    meta: dict[str, int]


class WithDate(BaseModel):
    when: datetime


class WithUnion(BaseModel):
    value: Union[int, str]  # noqa: UP007 (the Union spelling is what users write)


UNSUPPORTED: dict[str, tuple[dict[str, Any], str]] = {
    "oneOf": (
        {"type": "object", "properties": {"x": {"oneOf": [{"type": "string"}]}}},
        "oneOf",
    ),
    "patternProperties": (
        {"type": "object", "properties": {}, "patternProperties": {"^a": {"type": "string"}}},
        "patternProperties",
    ),
    "format date-time": (WithDate.model_json_schema(), "date-time"),
    "additionalProperties schema": (WithDict.model_json_schema(), "additionalProperties"),
    "additionalProperties true": (
        {"type": "object", "properties": {}, "additionalProperties": True},
        "additionalProperties",
    ),
    "allOf with two schemas": (
        {"type": "object", "properties": {"x": {"allOf": [{"type": "string"}, {}]}}},
        "allOf",
    ),
    "not": ({"type": "object", "properties": {"x": {"not": {"type": "string"}}}}, "not"),
    "uniqueItems": (
        {"type": "object", "properties": {"s": {"type": "array", "uniqueItems": True}}},
        "uniqueItems",
    ),
    "unresolvable ref": (
        {"type": "object", "properties": {"x": {"$ref": "#/$defs/Missing"}}},
        "$ref",
    ),
    "recursive model": (Node.model_json_schema(), "$ref"),
    "top level not an object": ({"type": "string"}, "object"),
}


@pytest.mark.parametrize(("schema", "keyword"), list(UNSUPPORTED.values()), ids=list(UNSUPPORTED))
def test_unsupported_keywords_raise_naming_the_keyword(
    schema: dict[str, Any], keyword: str
) -> None:
    with pytest.raises(StrictSchemaError) as info:
        to_strict_schema(schema)
    assert keyword in str(info.value)


def test_error_names_where_the_keyword_is() -> None:
    with pytest.raises(StrictSchemaError, match=r"#/properties/meta"):
        to_strict_schema(WithDict.model_json_schema())


def test_union_becomes_anyof() -> None:
    strict = to_strict_schema(WithUnion.model_json_schema())
    assert strict["properties"]["value"] == {"anyOf": [{"type": "integer"}, {"type": "string"}]}


@pytest.mark.parametrize("fmt", ["email", "hostname", "ipv4", "ipv6", "uuid"])
def test_supported_formats_pass(fmt: str) -> None:
    schema = {"type": "object", "properties": {"v": {"type": "string", "format": fmt}}}
    assert to_strict_schema(schema)["properties"]["v"]["format"] == fmt
