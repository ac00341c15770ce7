"""The API key never appears in a repr, str, dump, pickle, log record, error or traceback.

Every test builds a fresh key at run time (`sk-` + 32 hex) and scans text for it with
`rel_scan.Scanner`: the whole key, and any 12-character run of its secret part. Each scan is
counted in the session figures. Cassettes, the CLI, `OPENAI_API_KEY` and plain http:// are in
`test_rel_security.py`.
"""

from __future__ import annotations

import asyncio
import io
import pickle
import traceback
from contextlib import redirect_stdout
from typing import Any

import pytest
from langchain_core.globals import set_debug
from langchain_core.load import dumpd, dumps

from deepseek_ext_core import (
    AsyncDeepSeekClient,
    DeepSeekClient,
)
from deepseek_ext_emulator import Emulator, Fault, Reply
from langchain_deepseek_ext import DeepSeekFIM as LangChainFIM
from llamaindex_deepseek_ext import DeepSeekFIM as LlamaIndexFIM

from .rel_scan import LogRecords, Scanner
from .rel_support import (
    DRIVERS,
    TEXT,
    Driver,
    RetrySpy,
    Target,
    fake_key,
    make_langchain,
    make_llamaindex,
)


def test_the_scanner_finds_the_key_and_pieces_of_it(key: str) -> None:
    """A scan that could never fire would prove nothing."""
    scanner = Scanner(key)
    secret = key.removeprefix("sk-")
    assert scanner.holds_key(f"Authorization: Bearer {key}")
    assert scanner.holds_key(f"...{secret[5:17]}...")  # 12 characters from the middle
    assert scanner.holds_key(repr(key.encode()))
    assert not scanner.holds_key(f"Your api key: ****{key[-4:]} is invalid")
    assert not scanner.holds_key(fake_key())


# ---------------------------------------------------------------------------------------------
# repr / str / serialisation
# ---------------------------------------------------------------------------------------------


def test_repr_and_str_of_clients_and_adapters(
    key: str, emulator: Emulator, scanner: Scanner
) -> None:
    target = Target(emulator.base_url, key)
    lc, li = make_langchain(target), make_llamaindex(target)
    lc_fim = LangChainFIM(api_key=key, base_url=emulator.base_url)
    li_fim = LlamaIndexFIM(api_key=key, api_base=emulator.base_url)
    emulator.push(Reply.text(TEXT), Reply.text(TEXT))
    lc.invoke("hi")
    li.complete("hi")  # builds the lazily created core clients
    sync_client = DeepSeekClient(api_key=key, base_url=emulator.base_url)
    async_client = AsyncDeepSeekClient(api_key=key, base_url=emulator.base_url)
    objects: dict[str, Any] = {
        "DeepSeekClient": sync_client,
        "AsyncDeepSeekClient": async_client,
        "ChatDeepSeek": lc,
        "ChatDeepSeek.client": lc.client,
        "ChatDeepSeek.async_client": lc.async_client,
        "langchain DeepSeekFIM": lc_fim,
        "llamaindex DeepSeek": li,
        "llamaindex DeepSeekFIM": li_fim,
    }
    for name, obj in objects.items():
        scanner.scan(f"repr({name})", repr(obj))
        scanner.scan(f"str({name})", str(obj))
        scanner.scan(f"vars({name})", repr(vars(obj)))
        if hasattr(obj, "model_dump_json"):
            scanner.scan(f"{name}.model_dump_json()", obj.model_dump_json())
            scanner.scan(f"{name}.model_dump()", repr(obj.model_dump()))
    sync_client.close()
    asyncio.run(async_client.aclose())
    assert not scanner.leaks


def test_langchain_dumpd_dumps_and_pickle(key: str, emulator: Emulator, scanner: Scanner) -> None:
    target = Target(emulator.base_url, key)
    chat = make_langchain(target)
    models: dict[str, Any] = {
        "ChatDeepSeek": chat,
        "DeepSeekFIM": LangChainFIM(api_key=key, base_url=emulator.base_url),
    }
    for used in (False, True):
        if used:
            emulator.push(Reply.text(TEXT))
            chat.invoke("hi")
        for name, model in models.items():
            scanner.scan(f"dumpd({name})", repr(dumpd(model)))
            scanner.scan(f"dumps({name})", dumps(model))
            scanner.scan(f"dumps({name}, pretty)", dumps(model, pretty=True))
            scanner.scan(f"pickle({name})", pickle.dumps(model))
    revived = pickle.loads(pickle.dumps(chat))
    assert revived.api_key is None and revived.model_name == chat.model_name
    # The secret is referenced by its environment variable instead.
    assert dumpd(models["ChatDeepSeek"])["kwargs"]["api_key"]["id"] == ["DEEPSEEK_API_KEY"]
    assert not scanner.leaks


def test_llamaindex_to_dict_to_json_and_pickle(
    key: str, emulator: Emulator, scanner: Scanner
) -> None:
    target = Target(emulator.base_url, key)
    llms: dict[str, Any] = {
        "DeepSeek": make_llamaindex(target),
        "DeepSeekFIM": LlamaIndexFIM(api_key=key, api_base=emulator.base_url),
    }
    for used in (False, True):
        if used:
            emulator.push(Reply.text(TEXT))
            llms["DeepSeek"].complete("hi")
        for name, llm in llms.items():
            scanner.scan(f"{name}.to_dict()", repr(llm.to_dict()))
            scanner.scan(f"{name}.to_json()", llm.to_json())
            scanner.scan(f"pickle({name})", pickle.dumps(llm))
    revived = pickle.loads(pickle.dumps(llms["DeepSeek"]))
    assert revived.api_key is None and revived.model == llms["DeepSeek"].model
    assert not scanner.leaks


# ---------------------------------------------------------------------------------------------
# Logs at DEBUG, framework debug output
# ---------------------------------------------------------------------------------------------


def test_debug_logs_of_every_logger(
    key: str, emulator: Emulator, scanner: Scanner, all_logs: LogRecords, retry_spy: RetrySpy
) -> None:
    for driver in DRIVERS:
        for script in (
            [Reply.text(TEXT)],
            [Fault.status(429, retry_after=0), Reply.text(TEXT)],
            [Fault.reset_before_headers(), Reply.text(TEXT)],
        ):
            emulator.push(*script)
            assert driver.run(Target(emulator.base_url, key)).error is None
        refused = driver.run(Target(emulator.base_url, fake_key(), max_retries=0))  # a 401
        assert refused.error is not None
    assert {"httpx", "httpcore.connection", "httpcore.http11"} <= all_logs.names, all_logs.names
    assert len(all_logs.texts) > 100
    for index, text in enumerate(all_logs.texts):
        scanner.scan(f"log record {index}: {text[:60]!r}", text)
    assert not scanner.leaks


def test_framework_debug_output(key: str, emulator: Emulator, scanner: Scanner) -> None:
    """LangChain's `set_debug(True)` and LlamaIndex's "simple" handler print runs to stdout."""
    import llama_index.core as li_core
    from llama_index.core import set_global_handler

    previous = li_core.global_handler
    buffer = io.StringIO()
    target = Target(emulator.base_url, key)
    emulator.push(*[Reply.text(TEXT)] * 4)
    try:
        set_debug(True)
        set_global_handler("simple")
        with redirect_stdout(buffer):
            make_langchain(target).invoke("hi")
            list(make_langchain(target).stream("hi"))
            make_llamaindex(target).complete("hi")
            list(make_llamaindex(target).stream_complete("hi"))
    finally:
        set_debug(False)
        li_core.global_handler = previous
    assert "Entering LLM run" in buffer.getvalue()
    scanner.scan("framework debug output", buffer.getvalue())
    assert not scanner.leaks


# ---------------------------------------------------------------------------------------------
# Errors and tracebacks
# ---------------------------------------------------------------------------------------------


def _scan_error(scanner: Scanner, place: str, error: BaseException, *, locals_: bool) -> None:
    scanner.scan(f"str({place})", str(error))
    scanner.scan(f"repr({place})", repr(error))
    scanner.scan(f"{place}.args", repr(error.args))
    scanner.scan(f"{place}.__dict__", repr(vars(error)))
    scanner.scan(f"traceback({place})", "".join(traceback.format_exception(error)))
    if locals_:
        formatted = traceback.TracebackException.from_exception(error, capture_locals=True)
        scanner.scan(f"traceback with locals({place})", "".join(formatted.format()))


@pytest.mark.parametrize("driver", DRIVERS, ids=[d.name for d in DRIVERS])
def test_401_message_and_traceback(driver: Driver, scanner: Scanner, key: str) -> None:
    """The rejected key is the one scanned for; even captured locals do not show it."""
    with Emulator(api_key=fake_key()) as emulator:
        out = driver.run(Target(emulator.base_url, key))
    assert out.error is not None and getattr(out.error, "status_code", None) == 401
    assert f"****{key[-4:]}" in str(out.error)  # DeepSeek's echo: the last four characters
    _scan_error(scanner, f"401 via {driver.name}", out.error, locals_=True)
    assert not scanner.leaks


def _transport_failures(emulator: Emulator) -> dict[str, tuple[str, list[Fault]]]:
    return {
        "refused": ("http://127.0.0.1:9", []),
        "reset": (emulator.base_url, [Fault.reset_before_headers()]),
        "timeout": (emulator.base_url, [Fault.delay(1.0)]),
    }


@pytest.mark.parametrize("driver", DRIVERS, ids=[d.name for d in DRIVERS])
def test_transport_error_message_and_traceback(
    driver: Driver, scanner: Scanner, key: str, emulator: Emulator
) -> None:
    for name, (url, script) in _transport_failures(emulator).items():
        emulator.reset()
        emulator.push(*script)
        out = driver.run(Target(url, key, max_retries=0, timeout=0.2))
        assert out.error is not None
        _scan_error(scanner, f"{name} via {driver.name}", out.error, locals_=False)
    assert not scanner.leaks


@pytest.mark.parametrize(
    "driver",
    [
        pytest.param(
            d,
            id=d.name,
            marks=[],
        )
        for d in DRIVERS
    ],
)
def test_transport_error_traceback_with_captured_locals(
    driver: Driver, scanner: Scanner, key: str, emulator: Emulator
) -> None:
    emulator.push(Fault.reset_before_headers())
    out = driver.run(Target(emulator.base_url, key, max_retries=0))
    assert out.error is not None
    _scan_error(scanner, f"reset via {driver.name}", out.error, locals_=True)
    assert not scanner.leaks


def test_the_document_and_speech_parts_never_show_the_key(
    key: str, emulator: Emulator, scanner: Scanner, all_logs: LogRecords, tmp_path: Any
) -> None:
    """OCR, ASR and TTS parts: their reprs, pickles and dumps, their logs, and the errors of a
    refused key and of a cut speech stream."""
    from langchain_deepseek_ext import (
        DeepSeekAudioParser,
        DeepSeekOCRLoader,
        DeepSeekOCRParser,
        DeepSeekTextToSpeech,
    )
    from llamaindex_deepseek_ext import DeepSeekAudioReader, DeepSeekOCRReader, DeepSeekToolSpec

    from ..media_files import make_pdf, make_wav

    pdf = tmp_path / "r.pdf"
    pdf.write_bytes(make_pdf())
    lc: dict[str, Any] = {"api_key": key, "base_url": emulator.base_url, "max_retries": 0}
    li: dict[str, Any] = {"api_key": key, "api_base": emulator.base_url, "max_retries": 0}
    parts: dict[str, Any] = {
        "DeepSeekOCRLoader": DeepSeekOCRLoader(pdf, **lc),
        "DeepSeekOCRParser": DeepSeekOCRParser(**lc),
        "DeepSeekAudioParser": DeepSeekAudioParser(**lc),
        "DeepSeekTextToSpeech": DeepSeekTextToSpeech(output_dir=str(tmp_path), **lc),
        "DeepSeekOCRReader": DeepSeekOCRReader(**li),
        "DeepSeekAudioReader": DeepSeekAudioReader(**li),
        "DeepSeekToolSpec": DeepSeekToolSpec(audio_dir=str(tmp_path), **li),
    }
    parts["DeepSeekOCRLoader"].load()
    parts["DeepSeekOCRReader"].load_data(pdf)
    parts["DeepSeekTextToSpeech"].invoke({"text": "Hello"})
    for name, part in parts.items():
        scanner.scan(f"repr({name})", repr(part))
        scanner.scan(f"vars({name})", repr(vars(part)))
        scanner.scan(f"pickle({name})", pickle.dumps(part))
    scanner.scan("dumps(DeepSeekTextToSpeech)", dumps(parts["DeepSeekTextToSpeech"]))
    wrong = fake_key()
    wrong_scanner = Scanner(wrong)
    with DeepSeekClient(api_key=wrong, base_url=emulator.base_url, max_retries=0) as client:
        for call in (
            lambda: client.ocr(make_pdf(), filename="r.pdf"),
            lambda: client.transcribe(make_wav(), filename="m.wav"),
            lambda: client.speak_to_file("Hi", tmp_path / "x.wav"),
        ):
            with pytest.raises(Exception) as refused:
                call()
            text = "".join(traceback.format_exception(refused.value))
            wrong_scanner.scan("401 traceback", text)
            scanner.scan("401 traceback", text)
    emulator.push(Fault.drop_after_chunks(1, reply=Reply.speech(make_wav(), chunk_size=1000)))
    with (
        DeepSeekClient(api_key=key, base_url=emulator.base_url) as client,
        pytest.raises(Exception) as cut,
    ):
        client.speak_to_file("Hi", tmp_path / "y.wav")
    scanner.scan("cut speech traceback", "".join(traceback.format_exception(cut.value)))
    for index, text in enumerate(all_logs.texts):
        scanner.scan(f"log record {index}", text)
    assert not scanner.leaks and not wrong_scanner.leaks
