"""DeepSeek's Files API (`POST /files`, `GET /files`, `GET /files/{id}`, `DELETE /files/{id}`,
docs/deepseek-api.md §6.8): uploads checked and streamed from disk, typed objects, paging.

A file's id goes into a user message as a `FilePart` (or an image block naming it), so a large
image or document is sent once and referred to in many requests.
"""

# No `from __future__ import annotations`: pydantic evaluates the annotations (see _request).

import contextlib
import dataclasses
import io
import os
import stat
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Literal

import httpx
from httpx._client import UseClientDefault
from pydantic import ConfigDict, Field

from ._errors import (
    APIConnectionError,
    APIStatusError,
    DeepSeekError,
    InvalidRequestError,
    InvalidResponseError,
    UploadOutcomeUnknownError,
)
from ._response import WithRequestId

FILES_PATH = "/files"
MAX_UPLOAD_BYTES = 64 * 1024 * 1024
"""64 MiB per upload (docs/deepseek-api.md §6.8)."""
MAX_DOCUMENT_BYTES = 100 * 1024 * 1024
"""100 MiB for a PDF, Word or PowerPoint file uploaded to be parsed (docs/deepseek-api.md §6.14)."""
DOCUMENT_PURPOSES = ("text_recognition", "rich_layout_recognition")
"""The purposes that parse a document on upload (docs/deepseek-api.md §6.14): text only, or text
with the figures cropped in place."""
FILE_PURPOSES = ("user_data", *DOCUMENT_PURPOSES)
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
    close: Callable[[], None] = lambda: None
    """Frees what was prepared (the spool of a stream that cannot rewind)."""
    min_read_timeout: float | None = None
    """Seconds the answer may take at least (a document is parsed before the answer comes):
    a shorter configured read timeout is raised to this for this request."""


def prepare_upload(
    file: FileSource,
    *,
    filename: str | None = None,
    purpose: str = "user_data",
    expires_after_seconds: int | None = None,
) -> PreparedUpload:
    """Checks an upload before anything is sent: the purpose (`user_data`, or a document
    parsed on upload: `text_recognition`, `rich_layout_recognition`), the size (64 MiB; 100 MiB
    for a document to parse), the name (at most 512 characters) and the expiry (1 hour to 30
    days). The purpose goes before the file in the body, as document parsing requires.

    A path is followed as the operating system resolves it (a symbolic link included: pass an
    open file, or resolve and check the path yourself, where it comes from an agent or a user).
    A source that cannot rewind (a pipe, a socket, a FIFO path) is read once into a spool
    (memory, then a temporary file), so that the size limit holds and a retry sends the same
    bytes.
    """
    if not purpose:
        raise InvalidRequestError("purpose must be given (DeepSeek takes 'user_data')")
    if purpose not in FILE_PURPOSES:
        raise InvalidRequestError(
            f"purpose must be one of {', '.join(FILE_PURPOSES)}, got {purpose!r}"
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
    if purpose in DOCUMENT_PURPOSES:
        prepared = prepare_file(
            file, filename=filename, max_bytes=MAX_DOCUMENT_BYTES, what="upload_file"
        )
        return dataclasses.replace(prepared, fields=fields, min_read_timeout=PARSE_READ_TIMEOUT)
    prepared = prepare_file(file, filename=filename, max_bytes=MAX_UPLOAD_BYTES, what="upload_file")
    return dataclasses.replace(prepared, fields=fields)


PARSE_READ_TIMEOUT = 180.0
"""Seconds an upload that is parsed (OCR, document parsing) may wait for its answer: DeepSeek
gives the whole request 180 s (docs/deepseek-api.md §6.11, §6.14)."""


def upload_timeout(
    upload: PreparedUpload,
    configured: httpx.Timeout | UseClientDefault,
    client_default: httpx.Timeout,
) -> httpx.Timeout | UseClientDefault:
    """The timeout of one upload: the configured one, its read part raised to the upload's
    `min_read_timeout` when it is shorter."""
    least = upload.min_read_timeout
    if least is None:
        return configured
    timeout = configured if isinstance(configured, httpx.Timeout) else client_default
    if timeout.read is not None and timeout.read >= least:
        return configured
    return httpx.Timeout(
        connect=timeout.connect, read=least, write=timeout.write, pool=timeout.pool
    )


def prepare_file(
    file: FileSource,
    *,
    filename: str | None,
    max_bytes: int,
    what: str,
    check: Callable[[bytes, str], None] | None = None,
    head_bytes: int = 64 * 1024,
) -> PreparedUpload:
    """A file source checked for a multipart upload with no other field (`what` names the
    call in errors): its name (given, or the path's, at most 512 characters), its size (at
    most `max_bytes`), and `check(head, name)` on its first `head_bytes` (a format check)."""
    if filename is not None and len(filename) > MAX_FILENAME_CHARS:
        raise InvalidRequestError(
            f"filename is {len(filename)} characters; DeepSeek takes at most {MAX_FILENAME_CHARS}"
        )
    opener, size, default_name, close = _source(file, filename, max_bytes, what)
    name = filename or default_name
    try:
        if not name:
            raise InvalidRequestError("filename must be given for bytes or an unnamed file object")
        if len(name) > MAX_FILENAME_CHARS:
            raise InvalidRequestError(
                f"filename is {len(name)} characters; DeepSeek takes at most {MAX_FILENAME_CHARS}"
            )
        if size > max_bytes:
            raise too_large(name, f"is {size} bytes", max_bytes)
        if check is not None:
            with opener() as stream:
                head = stream.read(head_bytes)
            check(head, name)
    except BaseException:
        close()
        raise
    exact = _exact_opener(opener, size, name)
    return PreparedUpload(fields={}, filename=name, open=exact, size=size, close=close)


def too_large(name: str, what: str, limit: int) -> InvalidRequestError:
    """The error for a file over `limit` bytes, naming the limit in MiB."""
    return InvalidRequestError(
        f"{name} {what}; DeepSeek takes files of at most {limit} bytes "
        f"({limit // (1024 * 1024)} MiB) here"
    )


_Source = tuple[Callable[[], IO[bytes]], int, str, Callable[[], None]]


def _no_close() -> None:
    return None


def _source(file: FileSource, filename: str | None, limit: int, what: str) -> _Source:
    if isinstance(file, bytes):
        data = file
        return (lambda: io.BytesIO(data)), len(data), "", _no_close
    if isinstance(file, str | os.PathLike):
        return _path_source(Path(file), filename, limit, what)
    if isinstance(file, io.TextIOBase) or not hasattr(file, "read"):
        kind = "a text-mode file" if isinstance(file, io.TextIOBase) else type(file).__name__
        raise InvalidRequestError(
            f"{what} takes a path, bytes or a binary file (opened with 'rb'), not {kind}"
        )
    stream = file
    name = os.path.basename(str(getattr(stream, "name", "") or ""))
    if not _seekable(stream):
        return _spooled(stream, filename or name or "the stream", limit, what)
    start = stream.tell()
    size = stream.seek(0, os.SEEK_END) - start
    stream.seek(start)

    def rewind() -> IO[bytes]:
        stream.seek(start)
        return io.BufferedReader(_Borrowed(stream))

    return rewind, size, name, _no_close


def _path_source(path: Path, filename: str | None, limit: int, what: str) -> _Source:
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise InvalidRequestError(f"no file at {path}") from None
    except OSError as exc:
        raise InvalidRequestError(f"cannot read {path}: {exc.strerror or exc}") from None
    if stat.S_ISDIR(mode):
        raise InvalidRequestError(f"{path} is a directory, not a file")
    if stat.S_ISFIFO(mode) or stat.S_ISCHR(mode) or stat.S_ISSOCK(mode):
        with path.open("rb") as stream:  # a pipe can be read only once: spool it
            opener, size, _, close = _spooled(stream, filename or path.name, limit, what)
        return opener, size, path.name, close
    if not stat.S_ISREG(mode):
        raise InvalidRequestError(f"{path} is not a regular file")
    try:
        path.open("rb").close()
    except OSError as exc:
        raise InvalidRequestError(f"cannot read {path}: {exc.strerror or exc}") from None
    return (lambda: path.open("rb")), path.stat().st_size, path.name, _no_close


def _seekable(stream: IO[bytes]) -> bool:
    try:
        if not stream.seekable():
            return False
        stream.tell()
    except (OSError, ValueError):
        return False
    return True


_SPOOL_IN_MEMORY = 8 * 1024 * 1024
"""A stream is spooled in memory up to this size, then in a temporary file."""
_COPY_CHUNK = 1024 * 1024


def _spooled(stream: IO[Any], name: str, limit: int, what: str) -> _Source:
    """`stream` read once, up to the size limit, into a spool a retry can read again."""
    spool = tempfile.SpooledTemporaryFile(max_size=_SPOOL_IN_MEMORY)  # noqa: SIM115 (kept open)
    size = 0
    try:
        while chunk := stream.read(_COPY_CHUNK):
            if not isinstance(chunk, bytes):
                raise InvalidRequestError(
                    f"{what} takes a binary stream (opened with 'rb'); {name} gave text"
                )
            size += len(chunk)
            if size > limit:
                raise too_large(name, f"gave more than {limit} bytes", limit)
            spool.write(chunk)
    except BaseException:
        spool.close()
        raise

    def rewind() -> IO[bytes]:
        spool.seek(0)
        return io.BufferedReader(_Borrowed(spool))

    return rewind, size, "", spool.close


def _exact_opener(opener: Callable[[], IO[bytes]], size: int, name: str) -> Callable[[], IO[bytes]]:
    """Each attempt reads exactly the `size` bytes checked before sending, and fails clearly
    if the file grew or shrank meanwhile (h11 refused the request with its own words, or the
    server stored something else)."""

    def open_exact() -> IO[bytes]:
        return _Exact(opener(), size, name)  # type: ignore[return-value]

    return open_exact


class _Exact(io.RawIOBase):
    """A file read as exactly `size` bytes; a change of size during the read is an error.

    It tells its length the way httpx asks a file for it (`tell`, `seek(0, SEEK_END)`, `seek`
    back), so the upload is sent with a `Content-Length`, not chunked; it cannot move."""

    def __init__(self, stream: IO[bytes], size: int, name: str) -> None:
        super().__init__()
        self._stream = stream
        self._left = size
        self._size = size
        self._name = name

    def readable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._size - self._left

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_END and offset == 0:
            return self._size  # the length, asked for; the position does not move
        if (whence, offset) in ((io.SEEK_SET, self.tell()), (io.SEEK_CUR, 0)):
            return self.tell()
        raise io.UnsupportedOperation("an upload is read once, from its start")

    def readinto(self, buffer: Any) -> int:
        if self._left == 0:
            if self._stream.read(1):
                raise InvalidRequestError(
                    f"{self._name} grew while it was uploaded (past the {self._size} bytes "
                    "checked before sending); upload it again once it is complete"
                )
            return 0
        data = self._stream.read(min(len(buffer), self._left))
        if not data:
            raise InvalidRequestError(
                f"{self._name} shrank while it was uploaded ({self._size - self._left} of the "
                f"{self._size} bytes checked before sending were there)"
            )
        buffer[: len(data)] = data
        self._left -= len(data)
        return len(data)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._stream.close()
        super().close()


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


_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
"""Transport failures that happen before a request leaves: an upload is safe to send again."""
_FOUND_WITHIN_SECONDS = 120
"""How far before the upload started a listed file's `created_at` may be (clock skew)."""


def upload_may_have_arrived(error: DeepSeekError) -> bool:
    """Whether a failed upload may have been stored: it was sent, and no error answer says it
    was not (DeepSeek answers an error before storing anything)."""
    if isinstance(error, APIStatusError):
        return False
    if isinstance(error, APIConnectionError) and isinstance(error.__cause__, _NOT_SENT):
        return False
    return isinstance(error, APIConnectionError | InvalidResponseError)


def outcome_unknown(upload: "PreparedUpload", error: DeepSeekError) -> UploadOutcomeUnknownError:
    """The error for an upload that may have been stored and was not found in the list."""
    return UploadOutcomeUnknownError(
        f"the upload of {upload.filename} ({upload.size} bytes) failed after it was sent "
        f"({type(error).__name__}: {error}); DeepSeek may have stored it, so it was not sent "
        "again, and no file of that name and size is listed yet: check list_files() before "
        "uploading it again",
        filename=upload.filename,
        size=upload.size,
    )


def find_upload(page: FileList, upload: "PreparedUpload", started: float) -> FileObject | None:
    """The earliest listed file that is this upload (same name and size, created since it
    started), or None."""
    matches = [
        item
        for item in page.data
        if item.filename == upload.filename
        and item.bytes == upload.size
        and item.created_at >= started - _FOUND_WITHIN_SECONDS
    ]
    return min(matches, key=lambda item: item.created_at) if matches else None


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
