"""DeepSeek's Files API in the core (against the emulator), and image and file blocks from both
frameworks on the wire."""

from __future__ import annotations

import asyncio
import base64
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import HumanMessage
from llama_index.core.base.llms.types import ChatMessage, DocumentBlock, ImageBlock, TextBlock

from deepseek_ext_core import (
    MAX_UPLOAD_BYTES,
    APIStatusError,
    AsyncDeepSeekClient,
    DeepSeekClient,
    InvalidRequestError,
    RateLimitError,
    RetryPolicy,
    UnsupportedInputError,
)
from deepseek_ext_emulator import Emulator, Fault
from langchain_deepseek_ext import ChatDeepSeek
from llamaindex_deepseek_ext import DeepSeek, file_block

from .wire import Wire

KEY = "test-key"


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    with Emulator(api_key=KEY) as emu:
        yield emu


@pytest.fixture
def client(emulator: Emulator) -> Iterator[DeepSeekClient]:
    with DeepSeekClient(api_key=KEY, base_url=emulator.base_url, max_retries=0) as c:
        yield c


def test_upload_from_a_path_bytes_and_an_open_file(
    client: DeepSeekClient, emulator: Emulator, tmp_path: Path
) -> None:
    path = tmp_path / "report.pdf"
    path.write_bytes(b"%PDF-1.7 fake")
    from_path = client.upload_file(path)
    from_bytes = client.upload_file(b"\x89PNG....", filename="cat.png", expires_after_seconds=3600)
    with path.open("rb") as handle:
        from_handle = client.upload_file(handle)
        assert not handle.closed  # the caller's file stays theirs
    assert (from_path.filename, from_path.bytes, from_path.purpose) == (
        "report.pdf",
        13,
        "user_data",
    )
    assert from_bytes.expires_at == from_bytes.created_at + 3600
    assert from_handle.filename == "report.pdf"
    stored = {f.id: f for f in emulator.files.files}
    assert stored[from_path.id].data == b"%PDF-1.7 fake"
    assert stored[from_bytes.id].data == b"\x89PNG...."
    upload = emulator.requests[0]
    assert upload.path == "/files" and upload.headers["content-type"].startswith(
        "multipart/form-data"
    )


def test_list_pages_retrieve_and_delete(client: DeepSeekClient) -> None:
    ids = [client.upload_file(b"x", filename=f"f{i}.txt").id for i in range(5)]
    first = client.list_files(limit=2, order="asc")
    assert [f.id for f in first.data] == ids[:2] and first.has_more
    second = client.list_files(limit=2, order="asc", after=first.last_id)
    assert [f.id for f in second.data] == ids[2:4]
    assert [f.id for f in client.iter_files(limit=2)] == list(reversed(ids))
    assert client.retrieve_file(ids[0]).filename == "f0.txt"
    deleted = client.delete_file(ids[0])
    assert deleted.deleted and deleted.id == ids[0]
    with pytest.raises(APIStatusError) as info:
        client.retrieve_file(ids[0])
    assert info.value.status_code == 404


def test_async_files(emulator: Emulator) -> None:
    async def run() -> list[str]:
        async with AsyncDeepSeekClient(api_key=KEY, base_url=emulator.base_url) as aclient:
            uploaded = await aclient.upload_file(io.BytesIO(b"data"), filename="a.bin")
            assert (await aclient.retrieve_file(uploaded.id)).bytes == 4
            names = [f.filename async for f in aclient.iter_files(limit=1)]
            assert (await aclient.delete_file(uploaded.id)).deleted
            return names

    assert asyncio.run(run()) == ["a.bin"]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda c: c.upload_file(b"x"), "filename must be given"),
        (lambda c: c.upload_file(b"x", filename="n" * 513), "at most 512"),
        (lambda c: c.upload_file(b"x", filename="a", expires_after_seconds=60), "1 hour"),
        (lambda c: c.upload_file(b"x", filename="a", purpose=""), "purpose"),
        (lambda c: c.upload_file("/no/such/file"), "no file at"),
        (lambda c: c.list_files(limit=0), "limit"),
        (lambda c: c.list_files(order="up"), "order"),
        (lambda c: c.retrieve_file("../models"), "not a file id"),
        (lambda c: c.delete_file(""), "not a file id"),
    ],
)
def test_bad_input_is_refused_before_sending(
    client: DeepSeekClient, emulator: Emulator, call: Any, message: str
) -> None:
    with pytest.raises(InvalidRequestError, match=message):
        call(client)
    assert emulator.requests == []


def test_a_file_over_64_mib_is_refused_before_reading_it(
    client: DeepSeekClient, emulator: Emulator, tmp_path: Path
) -> None:
    big = tmp_path / "big.bin"
    with big.open("wb") as handle:
        handle.truncate(MAX_UPLOAD_BYTES + 1)  # sparse: no 64 MiB written
    with pytest.raises(InvalidRequestError, match="at most 67108864 bytes"):
        client.upload_file(big)
    assert emulator.requests == []


def test_a_retried_upload_sends_the_whole_file_again(emulator: Emulator) -> None:
    emulator.push(Fault.status(429, retry_after=0))
    policy = RetryPolicy(max_retries=1, initial_backoff=0.01, max_backoff=0.02)
    with DeepSeekClient(api_key=KEY, base_url=emulator.base_url, retry_policy=policy) as c:
        handle = io.BytesIO(b"0123456789")
        uploaded = c.upload_file(handle, filename="digits.txt")
    assert emulator.files.get(uploaded.id) is not None
    assert emulator.files.get(uploaded.id).data == b"0123456789"  # type: ignore[union-attr]
    emulator.push(Fault.status(429, retry_after=0), Fault.status(429, retry_after=0))
    with (
        DeepSeekClient(api_key=KEY, base_url=emulator.base_url, retry_policy=policy) as c,
        pytest.raises(RateLimitError),
    ):
        c.list_files()


# ---- blocks on the wire --------------------------------------------------------------------

PNG = base64.b64encode(b"\x89PNG\r\n\x1a\nfake").decode()


def _user_parts(wire: Wire) -> list[dict[str, Any]]:
    parts: list[dict[str, Any]] = wire.body["messages"][-1]["content"]
    return parts


def test_langchain_image_and_file_blocks_reach_deepseek_in_its_format() -> None:
    wire = Wire()
    chat = ChatDeepSeek(model="deepseek-flash", api_key="k", **wire.langchain())
    blocks: list[Any] = [
        {"type": "text", "text": "Compare these."},
        {"type": "image", "url": "https://example.com/cat.png"},
        {"type": "image", "base64": PNG, "mime_type": "image/png"},
        {"type": "image", "file_id": "file-api-1"},
        {"type": "file", "file_id": "file-api-2"},
        {"type": "file", "base64": "JVBERi0=", "mime_type": "application/pdf", "filename": "a.pdf"},
        {"type": "file", "file": {"file_id": "file-api-3"}},
    ]
    chat.invoke([HumanMessage(content=blocks)])
    assert _user_parts(wire) == [
        {"type": "text", "text": "Compare these."},
        {"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}},
        {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG}"}},
        {"type": "file", "file": {"file_id": "file-api-1"}},
        {"type": "file", "file": {"file_id": "file-api-2"}},
        {
            "type": "file",
            "file": {"file_data": "data:application/pdf;base64,JVBERi0=", "filename": "a.pdf"},
        },
        {"type": "file", "file": {"file_id": "file-api-3"}},
    ]


def test_langchain_refuses_what_deepseek_cannot_take_before_sending() -> None:
    wire = Wire()
    flash = ChatDeepSeek(model="deepseek-flash", api_key="k", **wire.langchain())
    with pytest.raises(UnsupportedInputError, match="not by URL"):
        flash.invoke([HumanMessage(content=[{"type": "file", "url": "https://example.com/a.pdf"}])])
    pro = ChatDeepSeek(model="deepseek-v4-pro", api_key="k", **wire.langchain())
    with pytest.raises(UnsupportedInputError, match="image input"):
        pro.invoke([HumanMessage(content=[{"type": "image", "url": "https://example.com/c.png"}])])
    assert wire.requests == []


def test_llamaindex_image_and_document_blocks_reach_deepseek_in_its_format(tmp_path: Path) -> None:
    wire = Wire()
    llm = DeepSeek(model="deepseek-flash", api_key="k", **wire.llamaindex())
    pdf = tmp_path / "brief.pdf"
    pdf.write_bytes(b"%PDF-1.7 brief")
    message = ChatMessage(
        role="user",
        blocks=[
            TextBlock(text="Read these."),
            ImageBlock(url="https://example.com/cat.png"),
            DocumentBlock(data=b"plain text", document_mimetype="text/plain", title="notes.txt"),
            DocumentBlock(path=pdf),
            file_block("file-api-9"),
        ],
    )
    llm.chat([message])
    parts = _user_parts(wire)
    assert parts[0] == {"type": "text", "text": "Read these."}
    assert parts[1] == {"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}}
    plain = base64.b64encode(b"plain text").decode()
    assert parts[2] == {
        "type": "file",
        "file": {"file_data": f"data:text/plain;base64,{plain}", "filename": "notes.txt"},
    }
    assert parts[3]["file"]["filename"] == "brief.pdf"
    assert base64.b64decode(parts[3]["file"]["file_data"].split(",", 1)[1]) == b"%PDF-1.7 brief"
    assert parts[4] == {"type": "file", "file": {"file_id": "file-api-9"}}


def test_llamaindex_reads_a_document_url_as_llamaindex_does() -> None:
    # DeepSeek takes no URL for a file: LlamaIndex's resolve_document reads it (a data: URL here,
    # so nothing goes to the network) and the bytes are sent inline.
    wire = Wire()
    llm = DeepSeek(model="deepseek-flash", api_key="k", **wire.llamaindex())
    encoded = base64.b64encode(b"%PDF-1.7").decode()
    document = DocumentBlock(url=f"data:application/pdf;base64,{encoded}")
    llm.chat([ChatMessage(role="user", blocks=[TextBlock(text="Summarise."), document])])
    sent = _user_parts(wire)[1]["file"]
    assert sent["file_data"] == f"data:application/pdf;base64,{encoded}"


def test_an_uploaded_file_is_used_in_a_chat_through_the_emulator(emulator: Emulator) -> None:
    with DeepSeekClient(api_key=KEY, base_url=emulator.base_url) as c:
        uploaded = c.upload_file(b"\x89PNG fake", filename="cat.png")
    chat = ChatDeepSeek(model="deepseek-flash", api_key=KEY, base_url=emulator.base_url)
    chat.invoke(
        [
            HumanMessage(
                content=[
                    {"type": "text", "text": "What is it?"},
                    {"type": "image", "file_id": uploaded.id},
                ]
            )
        ]
    )
    assert emulator.last_request.body["messages"][0]["content"][1] == {
        "type": "file",
        "file": {"file_id": uploaded.id},
    }
