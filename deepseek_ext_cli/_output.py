"""Terminal output: reasoning kept apart from the answer, a progress line, secret redaction.

Nothing here talks to DeepSeek. Colour is used only on a terminal and never when `NO_COLOR` is
set (https://no-color.org); without colour, reasoning lines carry a `| ` prefix instead, so the
two are still told apart in a log file.
"""

from __future__ import annotations

import os
import re
import threading
import time
from types import TracebackType
from typing import Literal, TextIO

__all__ = ["Progress", "Transcript", "redact", "use_color"]

_DIM = "\x1b[2m"
_BOLD = "\x1b[1m"
_RESET = "\x1b[0m"
_CLEAR_LINE = "\r\x1b[K"
_REASONING_PREFIX = "  | "
_SPINNER = "|/-\\"

Block = Literal["reasoning", "answer"]


def use_color(stream: TextIO) -> bool:
    """Whether `stream` is a colour terminal the user did not ask to keep plain."""
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


_SUBSTRING_MASKING_MIN = 16
"""A secret this long or longer is masked wherever it appears, inside other text too. A
DeepSeek key (`sk-` and 32 hex digits) is 35 characters; a shorter one masked inside words
garbled messages (`DEEPSEEK_API_KEY=e` made `***rror`), so it is masked as a whole token only."""
_ECHOED_PART_MIN = 12
"""A run of this many characters of a long key, found anywhere, is masked too: a gateway that
echoes part of the key (its first or last characters around an ellipsis) gives it away."""


def redact(text: str, secret: str | None = None) -> str:
    """`text` with the API key (given, else `DEEPSEEK_API_KEY`) replaced by `***`.

    The key and its surrounding whitespace are what a user set; the key itself is masked as a
    whole token (not preceded or followed by a letter, digit, `_` or `-`). A key long enough to
    be a real one is masked anywhere, in its escaped form (`\\n` for a line ending) and where
    12 characters or more of it stand together.
    """
    raw = secret if secret is not None else os.environ.get("DEEPSEEK_API_KEY", "")
    key = raw.strip()
    if not key:
        return text
    if len(key) < _SUBSTRING_MASKING_MIN:
        return re.sub(rf"(?<![\w-]){re.escape(key)}(?![\w-])", "***", text)
    for form in (repr(raw)[1:-1], raw, key):
        text = text.replace(form, "***")
    return _without_echoed_parts(text, key)


def _without_echoed_parts(text: str, key: str) -> str:
    """`text` with every run of `_ECHOED_PART_MIN` or more characters of `key` masked."""
    pieces: list[str] = []
    start = index = 0
    while index <= len(text) - _ECHOED_PART_MIN:
        length = 0
        while index + length < len(text) and text[index : index + length + 1] in key:
            length += 1
        if length >= _ECHOED_PART_MIN:
            pieces += [text[start:index], "***"]
            index += length
            start = index
        else:
            index += 1
    pieces.append(text[start:])
    return "".join(pieces)


class Transcript:
    """Writes a streamed conversation: reasoning dimmed (or prefixed), the answer plain.

    Reasoning may go to its own stream (the `chat` command sends it to stderr so stdout holds
    only answers); when it does, switching to the answer ends the reasoning line first so both
    read well on one terminal.
    """

    def __init__(
        self,
        out: TextIO,
        *,
        reasoning_out: TextIO | None = None,
        color: bool | None = None,
        answer_label: str = "",
    ) -> None:
        self.out = out
        self.reasoning_out = reasoning_out or out
        self.color = use_color(out) if color is None else color
        self.reasoning_color = use_color(self.reasoning_out) if color is None else color
        self.answer_label = answer_label
        """Written before each answer (`"deepseek> "` in the demo)."""
        self._block: Block | None = None
        self._line_start = True

    # -- streamed pieces -------------------------------------------------------------------

    def reasoning(self, piece: str) -> None:
        """One streamed piece of reasoning."""
        if not piece:
            return
        if self._block != "reasoning":
            self.end_block()
            self._block = "reasoning"
            self._line_start = True
        stream = self.reasoning_out
        for line in piece.splitlines(keepends=True):
            if self._line_start:
                stream.write(self._styled(_REASONING_PREFIX, _DIM, reasoning=True))
            stream.write(self._styled(line.rstrip("\n"), _DIM, reasoning=True))
            if line.endswith("\n"):
                stream.write("\n")
            self._line_start = line.endswith("\n")
        stream.flush()

    def answer(self, piece: str) -> None:
        """One streamed piece of the answer."""
        if not piece:
            return
        if self._block != "answer":
            self.end_block()
            self._block = "answer"
            if self.answer_label:
                self.out.write(self._styled(self.answer_label, _BOLD))
        self.out.write(piece)
        self._line_start = piece.endswith("\n")
        self.out.flush()

    def end_block(self) -> None:
        """Ends the current reasoning or answer block with a newline (if it needs one)."""
        if self._block is not None and not self._line_start:
            stream = self.reasoning_out if self._block == "reasoning" else self.out
            stream.write("\n")
            stream.flush()
        self._block = None
        self._line_start = True

    # -- whole lines -----------------------------------------------------------------------

    def heading(self, text: str) -> None:
        """A section title."""
        self.end_block()
        self.out.write("\n" + self._styled(f"== {text} ==", _BOLD) + "\n")
        self.out.flush()

    def user(self, text: str) -> None:
        """What the user asked."""
        self.line(self._styled("you> ", _BOLD) + text)

    def tool_call(self, name: str, arguments: str) -> None:
        """A tool call the model made (arguments as JSON text)."""
        self.line(f"  -> {name}({arguments})")

    def tool_result(self, name: str, result: str) -> None:
        """What a tool returned to the model."""
        self.line(f"  <- {name}: {result}")

    def note(self, text: str) -> None:
        """A dimmed remark from the program itself."""
        self.line(self._styled(text, _DIM))

    def line(self, text: str) -> None:
        """A whole line on the main stream."""
        self.end_block()
        self.out.write(text + "\n")
        self.out.flush()

    def _styled(self, text: str, style: str, *, reasoning: bool = False) -> str:
        colored = self.reasoning_color if reasoning else self.color
        return f"{style}{text}{_RESET}" if colored and text else text


class Progress:
    """Shows that a request is in flight until `stop()` (first output) or the `with` ends.

    On a terminal: a spinner with the seconds waited, erased when output starts. Elsewhere: one
    line after `delay` seconds, so logs show why nothing happened for a while.
    """

    def __init__(self, stream: TextIO, label: str, *, delay: float = 0.4) -> None:
        self.stream = stream
        self.label = label
        self.delay = delay
        self.shown = False
        """Whether anything was written (for tests)."""
        self._tty = use_color(stream)
        self._stopped = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="deepseek-ext-progress", daemon=True)

    def __enter__(self) -> Progress:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def stop(self) -> None:
        """Stops and erases the spinner; cheap to call on every piece of output."""
        if self._stopped.is_set():
            return
        with self._lock:
            self._stopped.set()
            if self.shown and self._tty:
                self.stream.write(_CLEAR_LINE)
                self.stream.flush()
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(timeout=1)

    def _run(self) -> None:
        started = time.monotonic()
        if self._stopped.wait(self.delay):
            return
        frame = 0
        while True:
            with self._lock:
                if self._stopped.is_set():
                    return
                waited = int(time.monotonic() - started)
                if self._tty:
                    spin = _SPINNER[frame % len(_SPINNER)]
                    self.stream.write(f"{_CLEAR_LINE}{spin} {self.label} {waited}s")
                elif not self.shown:
                    self.stream.write(f"({self.label}...)\n")
                self.stream.flush()
                self.shown = True
            if not self._tty or self._stopped.wait(0.1):
                return
            frame += 1
