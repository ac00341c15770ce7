"""Uploads that never lose bytes and never store a file twice (pipes, retries, files
that change while they are read, odd paths), against the emulator."""

from __future__ import annotations

import io
import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from deepseek_ext_core import (
    MAX_UPLOAD_BYTES,
    AsyncDeepSeekClient,
    DeepSeekClient,
    InvalidRequestError,
    RetryPolicy,
    ServiceUnavailableError,
    UploadOutcomeUnknownError,
)
from deepseek_ext_core._files import prepare_upload
from deepseek_ext_emulator import Emulator, Fault

from ..reliability._tally import TALLY

KEY = "test-key"
RETRY_ONCE = RetryPolicy(max_retries=1, initial_backoff=0.0, jitter=0.0)


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    with Emulator(api_key=KEY) as emu:
        yield emu


def _client(emulator: Emulator, **options: object) -> DeepSeekClient:
    options.setdefault("retry_policy", RETRY_ONCE)
    return DeepSeekClient(api_key=KEY, base_url=emulator.base_url, **options)  # type: ignore[arg-type]


def _pipe_with(data: bytes) -> io.BufferedReader:
    read_end, write_end = os.pipe()

    def write() -> None:
        with os.fdopen(write_end, "wb") as sink:
            sink.write(data)

    threading.Thread(target=write, daemon=True).start()
    return os.fdopen(read_end, "rb")


@pytest.mark.parametrize(
    "fault",
    [Fault.status(503), Fault.status(429, retry_after=0)],
    ids=["503", "429"],
)
def test_a_pipe_upload_retried_once_stores_every_byte(emulator: Emulator, fault: Fault) -> None:
    data = os.urandom(300_000)
    emulator.push(fault)
    with _client(emulator) as client:
        uploaded = client.upload_file(_pipe_with(data), filename="stream.bin")
    stored = emulator.files.get(uploaded.id)
    assert stored is not None and stored.data == data
    assert uploaded.bytes == len(data)
    assert len(emulator.files.files) == 1  # the error answer stored nothing
    TALLY.real_use("pipe uploads retried")


def test_a_pipe_over_the_limit_is_refused_before_sending(emulator: Emulator) -> None:
    with _client(emulator) as client, pytest.raises(InvalidRequestError, match="64 MiB"):
        client.upload_file(_pipe_with(b"\0" * (MAX_UPLOAD_BYTES + 1)), filename="big.bin")
    assert emulator.requests == []


@pytest.mark.parametrize("fault", ["broken 200 body", "reset after reading"])
def test_an_upload_that_may_have_arrived_is_not_sent_again_and_is_found(
    emulator: Emulator, fault: str
) -> None:
    emulator.push(Fault.truncated_body(at=0.5) if fault.startswith("broken") else Fault(reset=True))
    with _client(emulator) as client:
        uploaded = client.upload_file(b"0123456789", filename="digits.txt")
    assert len(emulator.files.files) == 1  # one copy, and its id reached the caller
    assert uploaded.id == emulator.files.files[0].id
    assert [r.method for r in emulator.requests] == ["POST", "GET"]  # sent once, then listed
    TALLY.fault(f"upload: {fault}", "recovered", lost_data=False)


async def test_async_uploads_follow_the_same_rules(emulator: Emulator) -> None:
    emulator.push(Fault.truncated_body(at=0.5))
    async with AsyncDeepSeekClient(
        api_key=KEY, base_url=emulator.base_url, retry_policy=RETRY_ONCE
    ) as client:
        uploaded = await client.upload_file(b"abc", filename="a.txt")
        emulator.push(Fault.status(503))
        again = await client.upload_file(_pipe_with(b"xyz" * 1000), filename="p.txt")
    assert uploaded.id == emulator.files.files[0].id
    assert emulator.files.get(again.id).data == b"xyz" * 1000  # type: ignore[union-attr]


def test_an_upload_not_found_after_a_lost_answer_says_so(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    emulator.push(Fault.truncated_body(at=0.5))
    with _client(emulator) as client:
        monkeypatch.setattr(
            client,
            "list_files",
            lambda **_: (_ for _ in ()).throw(ServiceUnavailableError("down", status_code=503)),
        )
        with pytest.raises(UploadOutcomeUnknownError) as caught:
            client.upload_file(b"0123456789", filename="digits.txt")
    assert "check list_files()" in str(caught.value)
    assert (caught.value.filename, caught.value.size) == ("digits.txt", 10)
    assert [r.method for r in emulator.requests] == ["POST"]


def test_a_file_that_grows_or_shrinks_while_read_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "log.txt"
    path.write_bytes(b"x" * 100)
    upload = prepare_upload(path)
    path.write_bytes(b"x" * 150)
    with upload.open() as stream, pytest.raises(InvalidRequestError, match="grew"):
        stream.read()
    path.write_bytes(b"x" * 40)
    with upload.open() as stream, pytest.raises(InvalidRequestError, match="shrank"):
        stream.read()


def test_a_growing_file_uploaded_fails_clearly(emulator: Emulator, tmp_path: Path) -> None:
    class Growing(io.BytesIO):
        """Reports 10 bytes, then gives 20: a log file written while it is read."""

        def seek(self, offset: int, whence: int = 0) -> int:
            return min(super().seek(offset, whence), 10)

    with _client(emulator) as client, pytest.raises(InvalidRequestError, match="grew"):
        client.upload_file(Growing(b"y" * 20), filename="growing.txt")
    assert emulator.files.files == []


def test_odd_sources_are_refused_clearly_before_sending(emulator: Emulator, tmp_path: Path) -> None:
    text_file = (tmp_path / "t.txt").open("w+")
    cases = [
        (text_file, "opened with 'rb'"),
        (tmp_path, "is a directory"),
        (tmp_path / "missing.txt", "no file at"),
    ]
    with _client(emulator) as client:
        for source, words in cases:
            with pytest.raises(InvalidRequestError, match=words):
                client.upload_file(source, filename="x.txt")  # type: ignore[arg-type]
    text_file.close()
    assert emulator.requests == []


def test_a_fifo_path_is_read_once_and_uploaded_whole(emulator: Emulator, tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)

    def write() -> None:
        with fifo.open("wb") as sink:
            sink.write(b"through a named pipe")

    threading.Thread(target=write, daemon=True).start()
    with _client(emulator) as client:
        uploaded = client.upload_file(fifo)
    assert uploaded.filename == "fifo"
    assert emulator.files.get(uploaded.id).data == b"through a named pipe"  # type: ignore[union-attr]
    TALLY.real_use("pipe uploads retried")


def test_the_emulator_fails_before_the_side_effect_as_deepseek_does(emulator: Emulator) -> None:
    with _client(emulator, retry_policy=RetryPolicy(max_retries=0)) as client:
        kept = client.upload_file(b"keep", filename="keep.txt")
        emulator.push(Fault.status(503))
        with pytest.raises(ServiceUnavailableError):
            client.delete_file(kept.id)
        assert client.retrieve_file(kept.id).id == kept.id  # not deleted by the 503
        emulator.push(Fault.status(503))
        with pytest.raises(ServiceUnavailableError):
            client.upload_file(b"lost", filename="lost.txt")
    assert [f.filename for f in emulator.files.files] == ["keep.txt"]


def test_a_client_that_disconnects_prints_no_traceback(
    emulator: Emulator, capfd: pytest.CaptureFixture[str]
) -> None:
    host, port = emulator.base_url.removeprefix("http://").split(":")
    for _ in range(3):
        with socket.create_connection((host, int(port))) as sock:
            sock.sendall(b"POST /files HTTP/1.1\r\nContent-Length: 100\r\n\r\npartial")
            sock.setsockopt(
                socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00"
            )
    time.sleep(0.2)
    assert "Traceback" not in capfd.readouterr().err
