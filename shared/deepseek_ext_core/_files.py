"""DeepSeek's Files API (`POST /files`, `GET /files`, `GET /files/{id}`, `DELETE /files/{id}`,
docs/deepseek-api.md §6.8): uploads checked and streamed from disk, typed objects, paging.

A file's id goes into a user message as a `FilePart` (or an image block naming it), so a large
image or document is sent once and referred to in many requests.
"""

# No `from __future__ import annotations`: pydantic evaluates the annotations (see _request).

import io
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Literal

from pydantic import ConfigDict, Field

from ._errors import InvalidRequestError
from ._response import WithRequestId

FILES_PATH = "/files"
MAX_UPLOAD_BYTES = 64 * 1024 * 1024
"""64 MiB per upload (docs/deepseek-api.md §6.8)."""
MAX_FILENAME_CHARS = 512
MIN_EXPIRY_SECONDS = 3600
MAX_EXPIRY_SECONDS = 2_592_000
MAX_LIST_LIMIT = 1000

_OPEN = ConfigDict(extra="allow", defer_build=True)

FileSource = str | os.PathLike[str] | bytes | IO[bytes]
"""What `upload_file` takes: a path, the bytes, or an open binary file."""


class FileObject(WithRequestId):
    """An uploaded file."""

    model_config = _OPEN
    id: str
    object: str = "file"
    bytes: int = 0
    created_at: int = 0
    filename: str = ""
    purpose: str = "user_data"
    expires_at: int | None = None
    """Unix time when DeepSeek deletes it; None for a permanent file."""


class FileList(WithRequestId):
    """One page of `list_files`; `has_more` says whether `after=last_id` gives another."""

    model_config = _OPEN
    object: str = "list"
    data: list[FileObject] = Field(default_factory=list)
    first_id: str | None = None
    last_id: str | None = None
    has_more: bool = False


class FileDeleted(WithRequestId):
    """The answer of `delete_file`."""

    model_config = _OPEN
    id: str
    object: str = "file"
    deleted: bool = False


@dataclass(frozen=True, slots=True)
class PreparedUpload:
    """A checked upload: form fields, the file name, and how to open the bytes for one attempt
    (a retry reads the file again from its start)."""

    fields: dict[str, str]
    filename: str
    open: Callable[[], IO[bytes]]
    size: int


def prepare_upload(
    file: FileSource,
    *,
    filename: str | None = None,
    purpose: str = "user_data",
    expires_after_seconds: int | None = None,
) -> PreparedUpload:
    """Checks an upload before anything is sent: the size (at most 64 MiB), the name (at most
    512 characters), the purpose and the expiry (1 hour to 30 days)."""
    if not purpose:
        raise InvalidRequestError("purpose must be given (DeepSeek takes 'user_data')")
    opener, size, default_name = _source(file)
    name = filename or default_name
    if not name:
        raise InvalidRequestError("filename must be given for bytes or an unnamed file object")
    if len(name) > MAX_FILENAME_CHARS:
        raise InvalidRequestError(
            f"filename is {len(name)} characters; DeepSeek takes at most {MAX_FILENAME_CHARS}"
        )
    if size > MAX_UPLOAD_BYTES:
        raise InvalidRequestError(
            f"{name} is {size} bytes; DeepSeek takes files of at most {MAX_UPLOAD_BYTES} "
            "bytes (64 MiB)"
        )
    fields = {"purpose": purpose}
    if expires_after_seconds is not None:
        if not MIN_EXPIRY_SECONDS <= expires_after_seconds <= MAX_EXPIRY_SECONDS:
            raise InvalidRequestError(
                f"expires_after_seconds must be from {MIN_EXPIRY_SECONDS} (1 hour) to "
                f"{MAX_EXPIRY_SECONDS} (30 days), got {expires_after_seconds}"
            )
        fields["expires_after[anchor]"] = "created_at"
        fields["expires_after[seconds]"] = str(expires_after_seconds)
    return PreparedUpload(fields=fields, filename=name, open=opener, size=size)


def _source(file: FileSource) -> tuple[Callable[[], IO[bytes]], int, str]:
    if isinstance(file, bytes):
        data = file
        return (lambda: io.BytesIO(data)), len(data), ""
    if isinstance(file, str | os.PathLike):
        path = Path(file)
        if not path.is_file():
            raise InvalidRequestError(f"no file at {path}")
        return (lambda: path.open("rb")), path.stat().st_size, path.name
    if not hasattr(file, "read"):
        raise InvalidRequestError(
            f"upload_file takes a path, bytes or a binary file, not {type(file).__name__}"
        )
    stream = file
    start = stream.tell() if stream.seekable() else 0
    if stream.seekable():
        size = stream.seek(0, os.SEEK_END) - start
        stream.seek(start)
    else:
        size = 0  # unknown: DeepSeek enforces its limit itself

    def rewind() -> IO[bytes]:
        if stream.seekable():
            stream.seek(start)
        return io.BufferedReader(_Borrowed(stream))

    return rewind, size, os.path.basename(str(getattr(stream, "name", "") or ""))


class _Borrowed(io.RawIOBase):
    """The caller's open file, lent for one attempt: closing it here leaves theirs open."""

    def __init__(self, stream: IO[bytes]) -> None:
        super().__init__()
        self._stream = stream

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        return self._stream.read(size)

    def readinto(self, buffer: Any) -> int:
        data = self._stream.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def list_params(
    *,
    after: str | None = None,
    limit: int | None = None,
    order: Literal["asc", "desc"] | None = None,
    purpose: str | None = None,
) -> dict[str, str]:
    """The query of `GET /files`, checked: `limit` 1 to 1,000, `order` asc or desc."""
    params: dict[str, str] = {}
    if after is not None:
        params["after"] = check_file_id(after)
    if limit is not None:
        if isinstance(limit, bool) or not 1 <= limit <= MAX_LIST_LIMIT:
            raise InvalidRequestError(f"limit must be from 1 to {MAX_LIST_LIMIT}, got {limit!r}")
        params["limit"] = str(limit)
    if order is not None:
        if order not in ("asc", "desc"):
            raise InvalidRequestError(f"order must be 'asc' or 'desc', got {order!r}")
        params["order"] = order
    if purpose is not None:
        params["purpose"] = purpose
    return params


def check_file_id(file_id: str) -> str:
    """A file id that is safe in a URL path (no slash, no query)."""
    if not isinstance(file_id, str) or not file_id or any(c in file_id for c in "/?#%\\ "):
        raise InvalidRequestError(f"not a file id: {file_id!r}")
    return file_id
