"""The batch output file: JSONL in the OpenAI Batch output format, one line per finished request,
appended and flushed as each finishes, so a crash, Ctrl-C or kill loses at most what was in
flight, and the next run sends only the `custom_id`s without a line.

    {"id": "batch_req_...", "custom_id": "...",
     "response": {"status_code": 200, "request_id": "...", "body": {...}}, "error": null}

An HTTP error DeepSeek answered is a line too (its status and error body in `response`), as in
OpenAI's format; it would be answered the same way again. A request that failed for a passing
reason (connection lost, 5xx or 429 after every retry) gets no line, so the next run retries it.
"""

from __future__ import annotations

import contextlib
import json
import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from .._errors import APIStatusError
from .._response import Usage

__all__ = ["BatchOutput", "EarlierAnswer", "error_line", "success_line"]


@dataclass(frozen=True, slots=True)
class EarlierAnswer:
    """What an answer already in the output cost, in tokens: a budget covers earlier runs."""

    model: str
    usage: Usage
    created: int | None


def success_line(custom_id: str, request_id: str | None, body: dict[str, Any]) -> dict[str, Any]:
    """The output line of an answered request."""
    return _line(custom_id, {"status_code": 200, "request_id": request_id, "body": body})


def error_line(custom_id: str, error: APIStatusError) -> dict[str, Any]:
    """The output line of a request DeepSeek refused (its status and error body)."""
    body = error.body
    if not isinstance(body, dict):
        body = {"error": {"message": error.message, "type": error.error_type, "code": error.code}}
    return _line(
        custom_id,
        {"status_code": error.status_code, "request_id": error.request_id, "body": body},
    )


def _line(custom_id: str, response: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": f"batch_req_{uuid.uuid4().hex}",
        "custom_id": custom_id,
        "response": response,
        "error": None,
    }


class BatchOutput:
    """An output file opened for appending, knowing which `custom_id`s it holds already.

    A torn last line (a process killed mid-write) is cut off when the file is opened: its request
    has no answer on record and is sent again. Any other line that is not an output line is
    refused (`ValueError`): the file is not ours to cut.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.done: set[str] = set()
        """`custom_id`s with a line (from earlier runs and this one)."""
        self.earlier: list[EarlierAnswer] = []
        """The answers earlier runs wrote, with their usage (what they were billed for)."""
        if self.path.exists() and not self.path.is_file():
            raise ValueError(
                f"{self.path} is not a regular file: the output is read again on a rerun to "
                "resume, so it must be a file (not a directory, a pipe or a device)"
            )
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file: IO[bytes] = self._open()

    def _open(self) -> IO[bytes]:
        file = self.path.open("a+b")
        try:
            _lock(file, self.path)
            self._read_earlier(file)
        except BaseException:
            file.close()
            raise
        return file

    def _read_earlier(self, file: IO[bytes]) -> None:
        file.seek(0)
        keep = 0
        ends_with_newline = True
        for number, raw in enumerate(file, start=1):
            try:
                line = json.loads(raw)
                custom_id = line["custom_id"]
            except (ValueError, KeyError, TypeError):
                if not raw.endswith(b"\n"):
                    break  # torn: the last line, cut while it was written
                # Not ours to cut: only a torn last line is repaired.
                raise ValueError(
                    f"{self.path}: line {number} is not a batch output line; "
                    "choose another output file"
                ) from None
            # A whole last line without its newline (an editor, a copy) is an answer all
            # the same: kept, not cut and paid for again.
            ends_with_newline = raw.endswith(b"\n")
            self.done.add(custom_id)
            self._note_usage(line)
            keep += len(raw)
        file.truncate(keep)
        file.seek(keep)
        if not ends_with_newline:
            file.write(b"\n")
            file.flush()

    def _note_usage(self, line: Any) -> None:
        response = line.get("response") if isinstance(line, dict) else None
        body = response.get("body") if isinstance(response, dict) else None
        if not isinstance(body, dict) or not isinstance(body.get("usage"), dict):
            return
        try:
            usage = Usage.model_validate(body["usage"])
        except ValueError:
            return  # not ours to judge: the line is kept, its cost is unknown
        created = body.get("created")
        self.earlier.append(
            EarlierAnswer(
                str(body.get("model") or ""),
                usage,
                created if isinstance(created, int) else None,
            )
        )

    def write(self, line: dict[str, Any]) -> None:
        """Appends one line and flushes it to the operating system (so a killed process keeps
        it; `os.fsync` is left to the end, as one per line would cost a disk round trip each)."""
        data = json.dumps(line, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"
        self._file.write(data)
        self._file.flush()
        self.done.add(line["custom_id"])

    def close(self) -> None:
        if not self._file.closed:
            try:
                self._file.flush()
                os.fsync(self._file.fileno())
            finally:
                self._file.close()  # releases the lock too

    def __enter__(self) -> BatchOutput:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *rest: object) -> None:
        if exc_type is None:
            self.close()
            return
        # Already failing (a full disk, say): closing must not replace that error with its own.
        with contextlib.suppress(OSError):
            self.close()


def _lock(file: IO[bytes], path: Path) -> None:
    """One run at a time per output file: a second run would send and bill every line again,
    and two writers tear each other's lines. (No lock where `fcntl` is missing: Windows.)"""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not on the platforms CI runs
        return
    try:
        fcntl.flock(file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        raise ValueError(
            f"another batch run is writing {path}: wait for it to finish (or stop it), then "
            "run again to send what it left"
        ) from None
