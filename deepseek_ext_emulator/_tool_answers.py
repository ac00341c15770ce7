"""The answers of the OCR, ASR and TTS endpoints (docs/deepseek-api.md §6.11-6.13): checked as
DeepSeek checks them, then scripted (a :class:`Reply` built by ``Reply.ocr``, ``.transcript`` or
``.speech``, or a :class:`Fault`) or derived from the upload."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from deepseek_ext_emulator._documents import KEEP_ALIVE_NEWLINES, check_ocr_form, document_pages
from deepseek_ext_emulator._documents import ocr_body as build_ocr_body
from deepseek_ext_emulator._faults import Fault
from deepseek_ext_emulator._files import parse_form
from deepseek_ext_emulator._render import JSON_TYPE, Rendered
from deepseek_ext_emulator._replies import Reply
from deepseek_ext_emulator._server import Plan
from deepseek_ext_emulator._speech import asr_body, audio_seconds, check_tts, speech_audio
from deepseek_ext_emulator._wire import ErrorSpec, api_error, dumps

TOOLS = ("ocr", "asr", "tts")
Take = Callable[[], "Reply | Fault | None"]
"""Takes the scripted answer for this endpoint, called once the request passed its checks (a
refused request leaves the script as it was)."""


def _error(error: ErrorSpec) -> Plan:
    return Plan(Rendered(error.status, error.content_type, body=error.body))


def _unpack(item: Reply | Fault | None) -> tuple[Reply | None, Fault, Plan | None]:
    """The scripted reply, the fault, and the plan when the fault answers by itself."""
    if isinstance(item, Fault):
        if item.error is not None or item.reset or item.empty:
            return None, item, Plan(Rendered(200, JSON_TYPE, body=b"{}"), item)
        return item.reply, item, None
    return item, Fault(), None


def ocr_plan(take: Take, content_type: str, body: bytes, created: int) -> Plan:
    """`POST /v1/tools/ocr`: newline keep-alives, then one ``ocr.result`` object."""
    form = parse_form(content_type, body)
    if form is None:
        return _error(_invalid("expected a multipart/form-data body"))
    fields, upload, order = form
    problem = check_ocr_form(fields, order)
    if problem is not None:
        return _error(problem)
    assert upload is not None  # check_ocr_form saw the file field
    filename, data = upload
    if not filename:
        return _error(_invalid("the file field must carry a file name"))
    purpose = fields["purpose"]
    pages = document_pages(data, filename, purpose)
    if isinstance(pages, ErrorSpec):
        return _error(pages)
    reply, fault, answered = _unpack(take())
    if answered is not None:
        return answered
    reasons: list[str] = []
    if reply is not None and reply.tool_answer is not None:
        pages = list(reply.tool_answer["pages"])
        reasons = list(reply.tool_answer.get("finish_reasons", ()))
    answer = build_ocr_body(pages, purpose, finish_reasons=reasons, created=created)
    text = b"\n" * KEEP_ALIVE_NEWLINES + dumps(answer).encode()
    return Plan(Rendered(200, JSON_TYPE, body=text), fault)


def asr_plan(take: Take, content_type: str, body: bytes) -> Plan:
    """`POST /v1/tools/asr`: the transcript of a checked WAV or Ogg Opus upload."""
    form = parse_form(content_type, body)
    if form is None:
        return _error(_invalid("expected a multipart/form-data body"))
    _, upload, order = form
    if upload is None:
        return _error(_invalid("missing field `file`"))
    extra = sorted(set(order) - {"file"})
    if extra:
        return _error(_invalid(f"unknown field(s) {', '.join(extra)}: ASR takes only file"))
    filename, data = upload
    seconds = audio_seconds(data)
    if isinstance(seconds, ErrorSpec):
        return _error(seconds)
    reply, fault, answered = _unpack(take())
    if answered is not None:
        return answered
    text = f"Transcript of {filename or 'the audio'}: {seconds:.1f} seconds of speech."
    if reply is not None and reply.tool_answer is not None:
        text = str(reply.tool_answer["text"])
        given = reply.tool_answer.get("duration_ms")
        seconds = given / 1000 if isinstance(given, int) else seconds
    return Plan(Rendered(200, JSON_TYPE, body=dumps(asr_body(text, seconds)).encode()), fault)


def tts_plan(take: Take, parsed: Any, size: int) -> Plan:
    """`POST /v1/tools/tts`: audio streamed in pieces (chunked), as it is synthesized."""
    problem = check_tts(parsed, size)
    if problem is not None:
        return _error(problem)
    assert isinstance(parsed, Mapping)
    reply, fault, answered = _unpack(take())
    if answered is not None:
        return answered
    content_type, pieces = speech_audio(parsed)
    if reply is not None and reply.audio is not None:
        step = reply.piece_size or len(reply.audio) or 1
        audio = reply.audio
        pieces = tuple(audio[i : i + step] for i in range(0, len(audio), step))
    return Plan(Rendered(200, content_type, events=pieces), fault)


def _invalid(message: str) -> ErrorSpec:
    return api_error(400, message, type_="invalid_request_error")
