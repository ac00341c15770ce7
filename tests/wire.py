"""A scripted HTTP peer for adapter tests that check the wire: it records every request and
answers each with the next scripted reply (a chat completion, or its stream), through
`httpx.MockTransport`, so no socket is opened.

Bodies are shaped like DeepSeek's (tests/data/reference-traffic/); `reasoning_key` lets a test
answer as a gateway that names the chain of thought `reasoning`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import httpx

__all__ = ["Answer", "Wire"]


@dataclass
class Answer:
    """One scripted reply."""

    content: str = "ok"
    reasoning: str | None = None
    reasoning_key: str = "reasoning_content"
    tool_calls: list[dict[str, Any]] | None = None
    usage: dict[str, Any] = field(
        default_factory=lambda: {
            "prompt_tokens": 12,
            "completion_tokens": 3,
            "total_tokens": 15,
            "prompt_cache_hit_tokens": 8,
            "prompt_cache_miss_tokens": 4,
        }
    )
    model: str = "deepseek-chat"
    status: int = 200
    """Anything but 200 answers with DeepSeek's error body instead."""
    extra: dict[str, Any] = field(default_factory=dict)
    """Message fields no client models (made up: server tool blocks, citations...); streamed
    on the last delta before the finish chunk."""

    def message(self) -> dict[str, Any]:
        message: dict[str, Any] = {"role": "assistant", "content": self.content}
        if self.reasoning is not None:
            message[self.reasoning_key] = self.reasoning
        if self.tool_calls:
            message["tool_calls"] = self.tool_calls
        return {**message, **self.extra}

    def finish_reason(self) -> str:
        return "tool_calls" if self.tool_calls else "stop"

    def body(self) -> dict[str, Any]:
        return {
            "id": "0ca8d4e6-5f3c-4c59-9a6c-2a4b2a3f5a01",
            "object": "chat.completion",
            "created": 1791284171,
            "model": self.model,
            "choices": [
                {"index": 0, "message": self.message(), "logprobs": None,
                 "finish_reason": self.finish_reason()}
            ],
            "usage": self.usage,
            "system_fingerprint": "fp_eaab8d114b_prod0820_fp8_kvcache",
        }  # fmt: skip

    def response_body(self) -> dict[str, Any]:
        """The same answer as DeepSeek's `/responses` gives it (text and reasoning)."""
        output: list[dict[str, Any]] = []
        if self.reasoning is not None:
            part = {"type": "reasoning_text", "text": self.reasoning}
            output.append({"type": "reasoning", "id": "r1", "content": [part], "summary": []})
        text = {"type": "output_text", "text": self.content, "annotations": []}
        output.append({"type": "message", "id": "m1", "role": "assistant", "content": [text]})
        return {"id": "0ca8d4e6", "object": "response", "created_at": 1791284171,
                "status": "completed", "model": self.model, "output": output,
                "usage": {"input_tokens": 10, "output_tokens": 5, "total_tokens": 15}}  # fmt: skip

    def events(self) -> str:
        """The same answer as DeepSeek streams it: reasoning, then content, then usage."""
        deltas: list[dict[str, Any]] = [{"role": "assistant", "content": ""}]
        if self.reasoning is not None:
            deltas += [{self.reasoning_key: piece} for piece in _halves(self.reasoning)]
        deltas += [{"content": piece} for piece in _halves(self.content)]
        if self.tool_calls:
            calls = enumerate(self.tool_calls)
            deltas += [{"tool_calls": [{**call, "index": i}]} for i, call in calls]
        if self.extra:
            deltas.append(dict(self.extra))
        chunks = [self._chunk(delta, None) for delta in deltas]
        chunks.append({**self._chunk({"content": ""}, self.finish_reason()), "usage": self.usage})
        return "".join(f"data: {json.dumps(c)}\n\n" for c in chunks) + "data: [DONE]\n\n"

    def _chunk(self, delta: dict[str, Any], finish: str | None) -> dict[str, Any]:
        return {
            "id": "0ca8d4e6-5f3c-4c59-9a6c-2a4b2a3f5a01",
            "object": "chat.completion.chunk",
            "created": 1791284171,
            "model": self.model,
            "system_fingerprint": "fp_eaab8d114b_prod0820_fp8_kvcache",
            "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
        }


def _halves(text: str) -> list[str]:
    middle = len(text) // 2
    return [part for part in (text[:middle], text[middle:]) if part]


class Wire:
    """Records requests; answers each with the next scripted `Answer` (the last one repeats)."""

    def __init__(self, *answers: Answer) -> None:
        self.answers = list(answers) or [Answer()]
        self.requests: list[httpx.Request] = []
        transport = httpx.MockTransport(self._handle)
        self.http_client = httpx.Client(transport=transport)
        self.async_http_client = httpx.AsyncClient(transport=transport)

    def _handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if answer.status != 200:
            error = {"message": "Service is too busy", "type": "service_unavailable_error"}
            return httpx.Response(answer.status, json={"error": error})
        if request.url.path.endswith("/responses"):
            return httpx.Response(200, json=answer.response_body())
        if json.loads(request.content or b"{}").get("stream"):
            return httpx.Response(
                200, text=answer.events(), headers={"content-type": "text/event-stream"}
            )
        return httpx.Response(200, json=answer.body())

    @property
    def last(self) -> httpx.Request:
        return self.requests[-1]

    @property
    def body(self) -> dict[str, Any]:
        """The JSON body of the last request."""
        body: dict[str, Any] = json.loads(self.last.content)
        return body

    @property
    def url(self) -> str:
        return str(self.last.url)

    def langchain(self) -> dict[str, Any]:
        """Constructor arguments that send a LangChain model's requests here."""
        return {"http_client": self.http_client, "http_async_client": self.async_http_client}

    def llamaindex(self) -> dict[str, Any]:
        """Constructor arguments that send a LlamaIndex LLM's requests here."""
        return {"http_client": self.http_client, "async_http_client": self.async_http_client}
