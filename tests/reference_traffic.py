"""Real DeepSeek responses from `tests/data/reference-traffic/`, for tests and for cassettes.

The recordings come from other projects' test suites (where each file comes from, at which
commit and under which license: `tests/data/reference-traffic/PROVENANCE.md`).
`recorded_reply` turns one recorded response into an emulator reply that sends the same bytes,
so a cassette recorded offline through the emulator holds DeepSeek's real body, not one we wrote.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

REFERENCE_DIR = Path(__file__).resolve().parent / "data" / "reference-traffic"


def reference_path(relative: str) -> Path:
    """The path of one recording; a missing one fails the test (it is part of the repository)."""
    path = REFERENCE_DIR / relative
    if not path.is_file():
        raise FileNotFoundError(
            f"recorded traffic {relative!r} is missing from {REFERENCE_DIR}: the tests read it "
            "from the repository (see PROVENANCE.md there)"
        )
    return path


class _Loader(yaml.SafeLoader):
    """YAML loader that understands Ruby VCR's `!binary` (base64) bodies."""


def _binary(loader: yaml.SafeLoader, node: yaml.Node) -> str:
    value = loader.construct_scalar(node)  # type: ignore[arg-type]
    return base64.b64decode(str(value)).decode("utf-8")


_Loader.add_constructor("!binary", _binary)


@dataclass(frozen=True)
class RecordedResponse:
    status: int
    body: str
    content_type: str
    trace_id: str | None


def _ruby_header(headers: dict[str, Any], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name:
            return str(value[0] if isinstance(value, list) else value)
    return None


def load_interactions(relative: str) -> list[dict[str, Any]]:
    """The interactions of a VCR cassette (Ruby VCR or Python vcrpy layout)."""
    data = yaml.load(reference_path(relative).read_text(encoding="utf-8"), Loader=_Loader)
    interactions = data.get("http_interactions") or data.get("interactions") or []
    return list(interactions)


def recorded_response(relative: str, index: int = 0) -> RecordedResponse:
    """One recorded response of a Ruby VCR cassette (ruby_llm)."""
    response = load_interactions(relative)[index]["response"]
    headers = response.get("headers", {})
    body = response["body"]["string"]
    return RecordedResponse(
        status=int(response["status"]["code"]),
        body=body,
        content_type=_ruby_header(headers, "content-type") or "application/json",
        trace_id=_ruby_header(headers, "x-ds-trace-id"),
    )


@dataclass(frozen=True)
class RecordedReply:
    """An emulator reply sending recorded bytes, built only when recording (`emulator_script`).

    Not callable on purpose: pytest would take a lone callable marker argument for the test.
    """

    relative: str
    index: int = 0

    def build(self) -> Any:
        from deepseek_ext_emulator import Reply

        recorded = recorded_response(self.relative, self.index)
        headers = [("x-ds-trace-id", recorded.trace_id)] if recorded.trace_id else []
        return Reply.raw_response(
            recorded.status, recorded.body, content_type=recorded.content_type, headers=headers
        )


def recorded_reply(relative: str, index: int = 0) -> RecordedReply:
    """The recorded response `index` of `relative`, as a lazy emulator reply."""
    return RecordedReply(relative, index)


RUBY_WEB_SEARCH = (
    "ruby_llm/chat_web_search_with_deepseek_deepseek-v4-flash_searches_server-side_and_"
    "records_the_search_turns.yml"
)


def web_search_answer(*, stream: bool) -> Any:
    """DeepSeek's recorded `/responses` answer with server-side web searches (ruby_llm), as an
    emulator reply: the JSON answer, or (`stream=True`) the same answer as a Responses stream,
    its reasoning and text as deltas, ending with `response.completed`."""
    from deepseek_ext_emulator import Reply

    body = recorded_response(RUBY_WEB_SEARCH).body
    if not stream:
        return Reply.raw_response(200, body)
    answer = json.loads(body)
    events: list[dict[str, Any]] = []
    for item in answer["output"]:
        kind = {"reasoning": "response.reasoning_text.delta",
                "message": "response.output_text.delta"}.get(item["type"])  # fmt: skip
        for part in item.get("content") or () if kind else ():
            events.append({"type": kind, "delta": part["text"]})
    events.append({"type": "response.completed", "response": answer})
    sse = "".join(
        f"event: {e['type']}\ndata: {json.dumps({**e, 'sequence_number': n})}\n\n"
        for n, e in enumerate(events)
    )
    return Reply.raw_response(200, sse, content_type="text/event-stream")
