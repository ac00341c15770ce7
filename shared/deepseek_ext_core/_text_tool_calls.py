"""Tool calls a model wrote into its text, recovered as real tool calls.

DeepSeek V4 models sometimes write their tool calls into `content` as DSML markup instead of
`tool_calls`, with `finish_reason: "stop"` (deepseek-ai/DeepSeek-V3#1244; also behind gateways
and on vLLM/SGLang, sgl-project/sglang#40236)::

    <|DSML|tool_calls>
    <|DSML|invoke name="get_weather">
    <|DSML|parameter name="city" string="true">Paris</|DSML|parameter>
    <|DSML|parameter name="days" string="false">3</|DSML|parameter>
    </|DSML|invoke>
    </|DSML|tool_calls>

(shown here with ASCII bars). The block is also named `function_calls` (V3.2); the bar is the
fullwidth vertical line U+FF5C, as DeepSeek writes it, or an ASCII `|`; `string="true"` values
are text and `string="false"` values JSON; several invokes are parallel calls; prose may stand
around it. An older form is
`<tool_call id="call_00_..." name="...">{json}</tool_call>`. Users saw the markup as the answer
and believed work was done that never ran. Recovered only when the request offered tools.

`recover_calls` reads a whole answer; `TextCallFilter` reads a stream, holding back what may be
markup (never shown as text) until it is a block, or is not markup after all.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass, field

__all__ = ["RecoveredCall", "TextCallFilter", "recover_calls"]

_FULLWIDTH_BAR = "\uff5c"
_BAR = f"[{_FULLWIDTH_BAR}|]"
_TAG = rf"{_BAR}DSML{_BAR}"
_BLOCK = re.compile(
    rf"<{_TAG}(?P<kind>tool_calls|function_calls)\s*>(?P<body>.*?)</{_TAG}(?P=kind)\s*>", re.S
)
_INVOKE = re.compile(
    rf"<{_TAG}invoke\s+name=\"(?P<name>[^\"]*)\"\s*>(?P<body>.*?)</{_TAG}invoke\s*>", re.S
)
_PARAMETER = re.compile(
    rf"<{_TAG}parameter\s+name=\"(?P<name>[^\"]*)\"(?:\s+string=\"(?P<string>true|false)\")?\s*>"
    rf"(?P<value>.*?)</{_TAG}parameter\s*>",
    re.S,
)
_OLD_CALL = re.compile(
    r"<tool_call(?:\s+id=\"(?P<id>[^\"]*)\")?\s+name=\"(?P<name>[^\"]*)\"\s*>(?P<body>.*?)</tool_call\s*>",
    re.S,
)
_STARTS = (
    *(
        f"<{bar}DSML{bar}{kind}"
        for bar in (_FULLWIDTH_BAR, "|")
        for kind in ("tool_calls", "function_calls")
    ),
    "<tool_call ",
)
_START_ANY = re.compile(rf"<(?:{_BAR}DSML{_BAR}(?:tool_calls|function_calls)|tool_call\s)")
_LONGEST_START = max(len(start) for start in _STARTS)


@dataclass(frozen=True, slots=True)
class RecoveredCall:
    """A tool call read from text: DeepSeek-style id, name, JSON arguments."""

    id: str
    name: str
    arguments: str


def new_call_id(index: int) -> str:
    """An id in DeepSeek's `call_00_...` style."""
    return f"call_{index:02d}_{secrets.token_urlsafe(18)}"


def recover_calls(content: str, *, first_index: int = 0) -> tuple[str, list[RecoveredCall]]:
    """`content` without its complete tool-call blocks, and the calls they held. An
    unterminated block (an answer cut by `max_tokens`) is left as text: no call is made up."""
    if "DSML" not in content and "<tool_call" not in content:
        return content, []
    calls: list[RecoveredCall] = []

    def block(match: re.Match[str]) -> str:
        for invoke in _INVOKE.finditer(match["body"]):
            arguments = {
                p["name"]: _value(p["value"], p["string"])
                for p in _PARAMETER.finditer(invoke["body"])
            }
            calls.append(
                RecoveredCall(
                    new_call_id(first_index + len(calls)),
                    invoke["name"],
                    json.dumps(arguments, ensure_ascii=False),
                )
            )
        return ""

    def old(match: re.Match[str]) -> str:
        body = match["body"].strip()
        calls.append(
            RecoveredCall(
                match["id"] or new_call_id(first_index + len(calls)),
                match["name"],
                _json_arguments(body),
            )
        )
        return ""

    cleaned = _OLD_CALL.sub(old, _BLOCK.sub(block, content))
    return (cleaned.strip() if calls else content), calls


def _value(text: str, string: str | None) -> object:
    if string == "true":
        return text
    try:
        return json.loads(text)
    except ValueError:
        return text  # not JSON after all: the text, not a made-up value


def _json_arguments(body: str) -> str:
    try:
        json.loads(body or "{}")
    except ValueError:
        return json.dumps({"input": body}, ensure_ascii=False)
    return body or "{}"


@dataclass
class TextCallFilter:
    """The content of one streamed answer, with tool-call markup held back and recovered.

    `feed(text)` returns the text that is certainly not markup; `finish()` what is left at the
    end and the calls recovered. Markup split across chunks at any position is handled."""

    first_index: int = 0
    """The index the first recovered call takes (after the answer's native calls)."""
    _held: str = ""
    _in_block: bool = False
    calls: list[RecoveredCall] = field(default_factory=list)

    def feed(self, text: str) -> tuple[str, list[RecoveredCall]]:
        """Text safe to show now, and the calls of blocks completed by `text`."""
        if not self._held and "<" not in text:
            return text, []  # the common chunk: nothing held, nothing that could start markup
        self._held += text
        shown: list[str] = []
        found: list[RecoveredCall] = []
        while self._held:
            if self._in_block:
                end = self._block_end()
                if end is None:
                    break  # the block goes on: keep holding
                block, self._held = self._held[:end], self._held[end:]
                rest, calls = recover_calls(block, first_index=self.first_index + len(self.calls))
                self.calls += calls
                found += calls
                shown.append(rest)
                self._in_block = False
                continue
            start = _START_ANY.search(self._held)
            if start is not None:
                shown.append(self._held[: start.start()])
                self._held = self._held[start.start() :]
                self._in_block = True
                continue
            # No start yet: hold back only a tail that could still become one.
            keep = self._possible_start_tail()
            shown.append(self._held[: len(self._held) - keep])
            self._held = self._held[len(self._held) - keep :]
            break
        return "".join(shown), found

    def finish(self) -> str:
        """What is still held at the end: an unterminated block, or a tail that never became
        markup. Shown as text: no call is made up, nothing is dropped."""
        held, self._held = self._held, ""
        self._in_block = False
        return held

    def _block_end(self) -> int | None:
        closing = re.search(
            rf"</{_TAG}(?:tool_calls|function_calls)\s*>|</tool_call\s*>", self._held
        )
        return None if closing is None else closing.end()

    def _possible_start_tail(self) -> int:
        at = self._held.rfind("<", max(0, len(self._held) - _LONGEST_START))
        if at < 0:
            return 0
        tail = self._held[at:]
        return len(tail) if any(start.startswith(tail) for start in _STARTS) else 0
