"""The Files API (``POST /files``, ``GET /files``, ``GET /files/{id}``, ``DELETE /files/{id}``)
in memory, in the documented shapes (docs/deepseek-api.md §6.8): multipart uploads with
``purpose=user_data``, optional expiry, 64 MiB per file, cursor paging with ``after``/``limit``/
``order``, and DeepSeek's 400/404 bodies for what it refuses.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any
from urllib.parse import parse_qs

from deepseek_ext_emulator._documents import PURPOSES as DOCUMENT_PURPOSES
from deepseek_ext_emulator._documents import document_pages
from deepseek_ext_emulator._wire import ErrorSpec, api_error

MAX_BYTES = 64 * 1024 * 1024
MAX_DOCUMENT_BYTES = 100 * 1024 * 1024


@dataclass(frozen=True)
class StoredFile:
    """One uploaded file, as the emulator keeps it."""

    id: str
    filename: str
    data: bytes
    purpose: str
    created_at: int
    expires_at: int | None
    parsed: tuple[str, ...] = ()
    """The pages of a document uploaded to be parsed (``text_recognition`` and
    ``rich_layout_recognition``), as OCR reads them."""

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "id": self.id,
            "object": "file",
            "bytes": len(self.data),
            "created_at": self.created_at,
            "filename": self.filename,
            "purpose": self.purpose,
        }
        if self.expires_at is not None:
            body["expires_at"] = self.expires_at
        return body


class FileStore:
    """The uploaded files of one emulator (thread-safe)."""

    def __init__(self) -> None:
        self._files: dict[str, StoredFile] = {}
        self._lock = threading.Lock()

    def get(self, file_id: str) -> StoredFile | None:
        with self._lock:
            return self._files.get(file_id)

    @property
    def files(self) -> list[StoredFile]:
        """Every stored file, oldest first."""
        with self._lock:
            return list(self._files.values())

    def upload(self, content_type: str, body: bytes) -> dict[str, Any] | ErrorSpec:
        form = parse_form(content_type, body)
        if form is None:
            return _invalid("expected a multipart/form-data body")
        fields, upload, order = form
        if upload is None:
            return _invalid("missing field `file`")
        filename, data = upload
        filename = filename or "upload"
        purpose = fields.get("purpose")
        if purpose not in ("user_data", *DOCUMENT_PURPOSES):
            return _invalid(f"purpose must be one of user_data, {', '.join(DOCUMENT_PURPOSES)}")
        parsed: tuple[str, ...] = ()
        if purpose in DOCUMENT_PURPOSES:
            # docs/deepseek-api.md §6.14: the purpose must come before the file in the body.
            if order.index("purpose") > order.index("file"):
                return _invalid("purpose must come before file in the multipart body")
            pages = document_pages(data, filename, purpose)
            if isinstance(pages, ErrorSpec):
                return pages
            parsed = tuple(pages)
        elif len(data) > MAX_BYTES:
            return _invalid("file is too large (at most 64 MiB)")
        if len(filename) > 512:
            return _invalid("filename is too long (at most 512 characters)")
        expires_at = None
        seconds = fields.get("expires_after[seconds]")
        if seconds is not None:
            if fields.get("expires_after[anchor]") != "created_at" or not seconds.isdigit():
                return _invalid("expires_after needs anchor created_at and seconds")
            if not 3600 <= int(seconds) <= 2_592_000:
                return _invalid("expires_after.seconds must be from 3600 to 2592000")
        now = int(time.time())
        if seconds is not None:
            expires_at = now + int(seconds)
        stored = StoredFile(
            id=f"file-api-{secrets.token_hex(12)}",
            filename=filename,
            data=data,
            purpose=purpose,
            created_at=now,
            expires_at=expires_at,
            parsed=parsed,
        )
        with self._lock:
            self._files[stored.id] = stored
        return stored.body()

    def listing(self, query: str) -> dict[str, Any] | ErrorSpec:
        params = {key: values[-1] for key, values in parse_qs(query).items()}
        limit_text = params.get("limit", "20")
        if not limit_text.isdigit() or not 1 <= int(limit_text) <= 1000:
            return _invalid("limit must be from 1 to 1000")
        order = params.get("order", "desc")
        if order not in ("asc", "desc"):
            return _invalid("order must be asc or desc")
        files = self.files
        if order == "desc":
            files.reverse()
        if "purpose" in params:
            files = [f for f in files if f.purpose == params["purpose"]]
        after = params.get("after")
        if after is not None:
            ids = [f.id for f in files]
            files = files[ids.index(after) + 1 :] if after in ids else []
        page = files[: int(limit_text)]
        return {
            "object": "list",
            "data": [f.body() for f in page],
            "first_id": page[0].id if page else None,
            "last_id": page[-1].id if page else None,
            "has_more": len(files) > len(page),
        }

    def delete(self, file_id: str) -> dict[str, Any] | ErrorSpec:
        with self._lock:
            stored = self._files.pop(file_id, None)
        if stored is None:
            return not_found(file_id)
        return {"id": file_id, "object": "file", "deleted": True}


def not_found(file_id: str) -> ErrorSpec:
    """DeepSeek's answer for an unknown file id."""
    return api_error(404, f"No such file: {file_id}", type_="invalid_request_error")


def _invalid(message: str) -> ErrorSpec:
    return api_error(400, message, type_="invalid_request_error")


Form = tuple[dict[str, str], tuple[str, bytes] | None, list[str]]
"""A multipart body's text fields, its file (name, bytes) and the order of its field names."""


def parse_form(content_type: str, body: bytes) -> Form | None:
    """A ``multipart/form-data`` body, or None for anything else."""
    if not content_type.startswith("multipart/form-data"):
        return None
    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body
    )
    if not message.is_multipart():
        return None
    fields: dict[str, str] = {}
    upload: tuple[str, bytes] | None = None
    order: list[str] = []
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        order.append(str(name))
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        if name == "file":
            upload = (str(part.get_filename() or ""), data)
        elif isinstance(name, str):
            fields[name] = data.decode("utf-8", "replace")
    return fields, upload, order
