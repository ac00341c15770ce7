"""DeepSeek's Responses API (`POST /responses`), emulated: the recorded shapes (UUID ids,
`phase`, fixed echoes, usage with cached and reasoning tokens), non-streamed and streamed, and
DeepSeek's checks (tests/data/reference-traffic: pydantic-ai's replay cases and vercel-ai's
fixtures): the reasoning pass-back 400, the interleaving 400, a missing `call_id` 422,
`latest_reminder` refused, `json_schema` outside the strict subset 400, `custom` tools other
than `apply_patch` 400."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from deepseek_ext_emulator._replies import Reply, split_arguments, split_text
from deepseek_ext_emulator._wire import ErrorSpec, api_error, bad_request, dumps, tool_call_id

__all__ = ["check_responses", "example_of", "render_response"]

_THINKING_BY_DEFAULT = {"deepseek-v4-flash": True, "deepseek-flash": True, "deepseek-v4-pro": True}


def thinking_of(body: Mapping[str, Any]) -> bool:
    reasoning = body.get("reasoning")
    effort = reasoning.get("effort") if isinstance(reasoning, Mapping) else None
    if effort is not None:
        return bool(effort != "none")
    return _THINKING_BY_DEFAULT.get(str(body.get("model")), False)


def check_responses(body: Any) -> ErrorSpec | None:
    """DeepSeek's refusals of a `/responses` body, as recorded; None when it is accepted."""
    if not isinstance(body, Mapping) or "model" not in body or "input" not in body:
        return bad_request("model and input are required")
    for tool in body.get("tools") or ():
        if (
            isinstance(tool, Mapping)
            and tool.get("type") == "custom"
            and tool.get("name") != "apply_patch"
        ):
            return bad_request(f"Unsupported custom tool: {tool.get('name')}")
    fmt = (body.get("text") or {}).get("format") if isinstance(body.get("text"), Mapping) else None
    if (
        isinstance(fmt, Mapping)
        and fmt.get("type") == "json_schema"
        and _array_type(fmt.get("schema"))
    ):
        return bad_request("Invalid json schema: type must be a string")
    items = body.get("input")
    if isinstance(items, list):
        return _check_items(items, thinking=thinking_of(body) and bool(body.get("tools")))
    return None


def _array_type(node: Any) -> bool:
    if isinstance(node, Mapping):
        if isinstance(node.get("type"), list):
            return True
        return any(_array_type(value) for value in node.values())
    if isinstance(node, list):
        return any(_array_type(value) for value in node)
    return False


def _check_items(items: Sequence[Any], *, thinking: bool) -> ErrorSpec | None:
    waiting: list[str] = []
    reasoned = False
    for item in items:
        if not isinstance(item, Mapping):
            continue
        kind = item.get("type", "message")
        if kind == "message" and item.get("role") == "latest_reminder":
            return bad_request("latest_reminder messages are not supported by the Responses API")
        if kind == "function_call_output":
            if not item.get("call_id"):
                return api_error(422, "input.function_call_output.call_id: field required")
            if item["call_id"] in waiting:
                waiting.remove(item["call_id"])
                reasoned = reasoned and bool(waiting)  # the next turn brings its own
            continue
        if kind == "function_call":
            if thinking and not reasoned and not waiting:
                return bad_request(
                    "The `reasoning_text` in the thinking mode must be passed back to the API."
                )
            waiting.append(str(item.get("call_id")))
            continue
        if waiting:  # calls merge into one assistant message: their outputs must follow
            return bad_request(f"No tool output found for tool call {waiting[0]}.")
        reasoned = kind == "reasoning" and _has_text(item)
    return None


def _has_text(item: Mapping[str, Any]) -> bool:
    return any(isinstance(part, Mapping) and part.get("text") for part in item.get("content") or ())


def render_response(
    reply: Reply, body: Mapping[str, Any], *, input_tokens: int, cached: int, created: int
) -> tuple[bytes, list[bytes] | None]:
    """The answer to `body`: a JSON body, or with `stream` the SSE events."""
    thinking = thinking_of(body) if reply.thinking is None else reply.thinking
    reasoning = (
        split_text(reply.reasoning or "", pieces=reply.reasoning_pieces, piece_size=None)
        if thinking
        else []
    )
    text = split_text(reply.content, pieces=reply.pieces, piece_size=reply.piece_size)
    given = body.get("max_output_tokens")
    limit = given if isinstance(given, int) else None
    incomplete = limit is not None and len(reasoning) + len(text) > limit
    if limit is not None and incomplete:
        reasoning = reasoning[:limit]
        text = text[: max(0, limit - len(reasoning))]
    calls = [] if incomplete else list(reply.calls)
    items: list[dict[str, Any]] = []
    if reasoning:
        items.append({"type": "reasoning", "id": str(uuid.uuid4()), "status": "completed",
                      "content": [{"type": "reasoning_text", "text": "".join(reasoning)}],
                      "summary": []})  # fmt: skip
    if text and "".join(text):
        items.append({"type": "message", "id": str(uuid.uuid4()), "status": "completed",
                      "content": [{"type": "output_text", "annotations": [], "logprobs": [],
                                   "text": "".join(text)}],
                      "phase": "final_answer", "role": "assistant"})  # fmt: skip
    for index, call in enumerate(calls):
        items.append({"type": "function_call", "id": str(uuid.uuid4()), "status": "completed",
                      "call_id": call.id or tool_call_id(index), "name": call.name,
                      "arguments": call.arguments})  # fmt: skip
    output_tokens = max(
        1, len(reasoning) + len(text) + sum(len(split_arguments(c.arguments)) for c in calls)
    )
    response = _envelope(body, created)
    response.update(
        status="incomplete" if incomplete else "completed",
        incomplete_details={"reason": "max_output_tokens"} if incomplete else None,
        output=items,
        usage={"input_tokens": input_tokens, "input_tokens_details": {"cached_tokens": cached},
               "output_tokens": output_tokens,
               "output_tokens_details": {"reasoning_tokens": len(reasoning)},
               "total_tokens": input_tokens + output_tokens},
    )  # fmt: skip
    if not body.get("stream"):
        return dumps(response).encode(), None
    return b"", _events(response, reasoning, text, calls)


def _envelope(body: Mapping[str, Any], created: int) -> dict[str, Any]:
    reasoning = body.get("reasoning") if isinstance(body.get("reasoning"), Mapping) else {}
    return {
        "id": str(uuid.uuid4()), "object": "response", "created_at": created,
        "status": "in_progress", "background": False, "completed_at": None, "error": None,
        "incomplete_details": None, "instructions": body.get("instructions"),
        "max_output_tokens": body.get("max_output_tokens"), "model": body.get("model"),
        "output": [], "parallel_tool_calls": True, "previous_response_id": None,
        "reasoning": {"effort": (reasoning or {}).get("effort"), "summary": None},
        "store": False, "temperature": 1.0,
        "text": body.get("text") or {"format": {"type": "text"}, "verbosity": None},
        "tool_choice": body.get("tool_choice", "auto"), "tools": body.get("tools") or [],
        "top_p": 1.0, "truncation": "disabled", "usage": None, "user": None, "metadata": {},
    }  # fmt: skip


def _events(
    response: dict[str, Any], reasoning: list[str], text: list[str], calls: list[Any]
) -> list[bytes]:
    sequence = 0
    events: list[bytes] = []

    def emit(kind: str, **fields: Any) -> None:
        nonlocal sequence
        payload = {"type": kind, **fields, "sequence_number": sequence}
        sequence += 1
        events.append(f"event: {kind}\ndata: {json.dumps(payload)}\n\n".encode())

    start = {**response, "status": "in_progress", "output": [], "usage": None}
    emit("response.created", response=start)
    emit("response.in_progress", response=start)
    for index, item in enumerate(response["output"]):
        emit(
            "response.output_item.added", item={**item, "status": "in_progress"}, output_index=index
        )
        deltas = {"reasoning": ("response.reasoning_text.delta", reasoning),
                  "message": ("response.output_text.delta", text)}.get(item["type"])  # fmt: skip
        if deltas is not None:
            kind, pieces = deltas
            for piece in pieces:
                emit(kind, delta=piece, item_id=item["id"], output_index=index, content_index=0)
        elif item["type"] == "function_call":
            for piece in split_arguments(item["arguments"]):
                emit(
                    "response.function_call_arguments.delta",
                    delta=piece,
                    item_id=item["id"],
                    output_index=index,
                )
        emit("response.output_item.done", item=item, output_index=index)
    final = "response.incomplete" if response["status"] == "incomplete" else "response.completed"
    emit(final, response=response)
    return events


def example_of(schema: Mapping[str, Any], root: Mapping[str, Any] | None = None) -> Any:
    """A small value that satisfies `schema` (what an unscripted json_schema answer holds, so
    a pipeline's parsing can be tested offline): "example" strings, zeros, empty lists, every
    required property of an object, the first choice of an `anyOf`/`oneOf`, `$ref`s followed."""
    root = schema if root is None else root
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/"):
        target: Any = root
        for part in ref[2:].split("/"):
            target = target.get(part, {}) if isinstance(target, Mapping) else {}
        return example_of(target, root)
    for key in ("anyOf", "oneOf", "allOf"):
        options = schema.get(key)
        if isinstance(options, list) and options:
            return example_of(options[0], root)
    if schema.get("enum"):
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    kind = schema.get("type", "object")
    if kind == "object":
        properties = schema.get("properties") or {}
        required = schema.get("required") or list(properties)
        return {name: example_of(properties.get(name) or {}, root) for name in required}
    return {"string": "example", "integer": 0, "number": 0, "boolean": False,
            "array": [], "null": None}.get(str(kind), "example")  # fmt: skip
