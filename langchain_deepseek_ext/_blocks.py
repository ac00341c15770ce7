"""Standard content blocks for DeepSeek messages (`message.content_blocks`, `output_version="v1"`).

Registered with langchain-core under the provider name "deepseek" (the hook langchain-core offers to
integrations). Without it, best-effort parsing gives the reasoning block and the first tool-call
chunk of a stream the same `index`, so merged v1 chunks fuse them into one block. Here every block
kind has its own `lc_`-prefixed index, which langchain-core never concatenates. An empty reasoning
string (DeepSeek's first thinking chunk) opens no block (docs/deepseek-api.md §4.3).
"""

from __future__ import annotations

from typing import Any, cast

from langchain_core.messages import AIMessage, AIMessageChunk
from langchain_core.messages import content as types
from langchain_core.messages.block_translators import register_translator

from ._convert import PROVIDER, REASONING_KEY

__all__ = ["register_blocks", "translate_content", "translate_content_chunk"]


def _leading_blocks(message: AIMessage, *, indexed: bool) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = []
    reasoning = message.additional_kwargs.get(REASONING_KEY)
    if isinstance(reasoning, str) and reasoning:
        blocks.append({"type": "reasoning", "reasoning": reasoning})
    if isinstance(message.content, str):
        if message.content:
            blocks.append({"type": "text", "text": message.content})
    else:
        for block in message.content:
            if isinstance(block, str):
                blocks.append({"type": "text", "text": block})
            elif block.get("type") in ("text", "reasoning"):
                blocks.append({k: v for k, v in block.items() if k != "index"})
    if indexed:
        for block in blocks:
            block["index"] = f"lc_{block['type']}"
    return blocks


def _call_blocks(message: AIMessage) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = [
        {"type": "tool_call", "id": call["id"], "name": call["name"], "args": call["args"]}
        for call in message.tool_calls
    ]
    blocks += [
        {
            "type": "invalid_tool_call",
            "id": bad["id"],
            "name": bad["name"],
            "args": bad["args"],
            "error": bad["error"],
        }
        for bad in message.invalid_tool_calls
    ]
    return blocks


def translate_content(message: AIMessage) -> list[types.ContentBlock]:
    """Reasoning, text, then tool calls of a complete message."""
    blocks = _leading_blocks(message, indexed=False) + _call_blocks(message)
    return cast("list[types.ContentBlock]", blocks)


def translate_content_chunk(message: AIMessageChunk) -> list[types.ContentBlock]:
    """The same for a stream chunk; tool calls stay chunks until the stream is complete."""
    if message.chunk_position == "last":  # a merged, complete stream
        return translate_content(message)
    blocks = _leading_blocks(message, indexed=True)
    if message.tool_call_chunks:
        blocks += [
            {
                "type": "tool_call_chunk",
                "id": chunk["id"],
                "name": chunk["name"],
                "args": chunk["args"],
                "index": f"lc_tool_call_{chunk['index']}",
            }
            for chunk in message.tool_call_chunks
        ]
    else:
        blocks += _call_blocks(message)
    return cast("list[types.ContentBlock]", blocks)


def register_blocks() -> None:
    """Register the translators for `response_metadata["model_provider"] == "deepseek"`."""
    register_translator(PROVIDER, translate_content, translate_content_chunk)
