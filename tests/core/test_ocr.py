"""OCR in the core (docs/deepseek-api.md §6.11): what is sent, what is refused before sending,
pages in order, cut pages flagged, grounding markup parsed, keep-alives, retries, cost."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from deepseek_ext_core import (
    OCR_PAGE_PRICE_USD,
    InvalidRequestError,
    InvalidResponseError,
    OCRResult,
    PayloadTooLargeError,
    RetryPolicy,
    UploadTimeoutError,
)
from deepseek_ext_core.ocr import checked_result, parse_grounding
from deepseek_ext_emulator import Emulator, Fault, Reply

from ..media_files import DEFAULT_PAGES, make_docx, make_pdf, make_png, make_pptx
from .media_support import media_client, run


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    with Emulator(api_key="test-key") as emu:
        yield emu


async def test_a_pdf_comes_back_page_by_page_in_order(
    mode: str, emulator: Emulator, tmp_path: Path
) -> None:
    path = tmp_path / "report.pdf"
    path.write_bytes(make_pdf())
    result = await run(media_client(mode, emulator), "ocr", path)
    assert isinstance(result, OCRResult)
    assert [page.index for page in result.pages] == [0, 1] and result.page_count == 2
    assert [page.plain_text for page in result.pages] == list(DEFAULT_PAGES)
    assert "<|ref|>" in result.pages[0].text  # the raw text keeps DeepSeek's markup
    assert result.pages[0].layout[1].text == "Revenue grew 12 percent to 4.2 million."
    assert result.pages[0].layout[1].boxes == ((60.0, 80.0, 940.0, 110.0),)
    assert result.filename == "report.pdf" and result.request_id
    assert result.estimated_cost == 2 * OCR_PAGE_PRICE_USD == Decimal("0.00045")
    assert result.text == "\n\n".join(DEFAULT_PAGES)


async def test_the_form_holds_purpose_then_file_and_nothing_else(
    mode: str, emulator: Emulator
) -> None:
    await run(media_client(mode, emulator), "ocr", make_png(), filename="scan.png",
              purpose="rich_layout_recognition")  # fmt: skip
    request = emulator.last_request
    assert request.path == "/v1/tools/ocr"
    body = request.raw_body
    assert body.count(b"Content-Disposition") == 2
    purpose_at = body.index(b'name="purpose"')
    file_at = body.index(b'name="file"; filename="scan.png"')
    assert purpose_at < file_at and b"rich_layout_recognition" in body[purpose_at:file_at]
    assert request.headers["content-length"] == str(len(body))  # streamed with a length


@pytest.mark.parametrize(
    ("make", "name", "expected"),
    [
        (make_docx, "notes.docx", ["Meeting notes\nShip the OCR loader on Friday."]),
        (make_pptx, "deck.pptx", ["Roadmap", "Q1: OCR\nQ2: speech"]),
    ],
)
async def test_word_and_powerpoint_files_are_read(
    mode: str, emulator: Emulator, make: object, name: str, expected: list[str]
) -> None:
    assert callable(make)
    result = await run(media_client(mode, emulator), "ocr", make(), filename=name)
    assert [page.plain_text for page in result.pages] == expected


async def test_a_page_cut_by_length_is_flagged(mode: str, emulator: Emulator) -> None:
    emulator.push(Reply.ocr(["whole", "cut mid-sent"], finish_reasons=["stop", "length"]))
    result = await run(media_client(mode, emulator), "ocr", make_pdf(), filename="a.pdf")
    assert [page.truncated for page in result.pages] == [False, True]
    assert result.truncated_pages == [1] and result.pages[1].finish_reason == "length"


async def test_keep_alive_newlines_are_read_through(mode: str, emulator: Emulator) -> None:
    emulator.push(Fault.keep_alive(20, over=0.4))
    client = media_client(mode, emulator, timeout=5.0)
    result = await run(client, "ocr", make_pdf(), filename="a.pdf")
    assert result.page_count == 2


async def test_a_busy_server_is_retried_with_the_whole_file_again(
    mode: str, emulator: Emulator
) -> None:
    emulator.push(Fault.status(503))
    client = media_client(
        mode, emulator, retry_policy=RetryPolicy(max_retries=2, initial_backoff=0.01)
    )
    result = await run(client, "ocr", make_pdf(), filename="a.pdf")
    assert result.page_count == 2
    first, second = emulator.requests
    assert len(first.raw_body) == len(second.raw_body) and make_pdf() in second.raw_body


def _refused(emulator: Emulator) -> None:
    assert emulator.requests == [], "nothing may be sent for a refused file"


@pytest.mark.parametrize(
    ("content", "purpose", "message"),
    [
        (b"just some text", "text_recognition", "not a file DeepSeek's OCR reads"),
        (b"", "text_recognition", "is empty"),
        (b"PK\x03\x04" + b"\x00" * 40 + b"xl/workbook.xml", "text_recognition", "ZIP archive"),
        (make_pdf(), "ocr_everything", "purpose must be one of"),
    ],
)
async def test_what_ocr_refuses_is_refused_before_sending(
    mode: str, emulator: Emulator, content: bytes, purpose: str, message: str
) -> None:
    client = media_client(mode, emulator)
    with pytest.raises(InvalidRequestError, match=message):
        await run(client, "ocr", content, filename="x.bin", purpose=purpose)
    _refused(emulator)


async def test_a_file_over_100_mib_is_refused_naming_the_limit(
    mode: str, emulator: Emulator, tmp_path: Path
) -> None:
    path = tmp_path / "huge.pdf"
    with path.open("wb") as out:  # sparse: no 100 MiB written
        out.write(make_pdf())
        out.truncate(100 * 1024 * 1024 + 1)
    with pytest.raises(InvalidRequestError, match=r"104857601 bytes.*100 MiB"):
        await run(media_client(mode, emulator), "ocr", path)
    _refused(emulator)


async def test_bytes_need_a_name(mode: str, emulator: Emulator) -> None:
    with pytest.raises(InvalidRequestError, match="filename must be given"):
        await run(media_client(mode, emulator), "ocr", make_pdf())
    _refused(emulator)


async def test_the_emulator_refuses_an_extra_field_as_deepseek_does(emulator: Emulator) -> None:
    files = {"file": ("a.pdf", make_pdf())}
    answer = httpx.post(
        f"{emulator.base_url}/v1/tools/ocr",
        data={"purpose": "text_recognition", "dpi": "300"},
        files=files,
        headers={"Authorization": "Bearer test-key"},
    )
    assert answer.status_code == 400 and "dpi" in answer.json()["error"]["message"]


@pytest.mark.parametrize(
    ("status", "error"), [(408, UploadTimeoutError), (413, PayloadTooLargeError)]
)
async def test_deepseeks_upload_errors_are_typed_and_not_retried(
    mode: str, emulator: Emulator, status: int, error: type[Exception]
) -> None:
    emulator.push(Fault.status(status, body='{"error": {"message": "Upload refused"}}'))
    with pytest.raises(error, match="Upload refused"):
        await run(media_client(mode, emulator), "ocr", make_pdf(), filename="a.pdf")
    assert len(emulator.requests) == 1


def test_pages_are_sorted_and_gaps_or_a_wrong_count_raise() -> None:
    shuffled = OCRResult.model_validate(
        {"page_count": 2, "pages": [{"index": 1, "text": "b"}, {"index": 0, "text": "a"}]}
    )
    assert [page.text for page in checked_result(shuffled).pages] == ["a", "b"]
    gap = OCRResult.model_validate({"pages": [{"index": 0}, {"index": 2}]})
    with pytest.raises(InvalidResponseError, match=r"pages \[0, 2\]"):
        checked_result(gap)
    short = OCRResult.model_validate({"page_count": 3, "pages": [{"index": 0}]})
    with pytest.raises(InvalidResponseError, match="says 3 pages and holds 1"):
        checked_result(short)
    error = OCRResult.model_validate({"error": {"message": "recognition failed"}})
    with pytest.raises(InvalidResponseError, match="recognition failed"):
        checked_result(error)


def test_grounding_with_text_in_the_ref() -> None:
    raw = (
        "<|ref|>Total: 42<|/ref|><|box|>[[10, 20, 30, 40]]<|/box|>\n"
        "see <|ref|>x<|/ref|><|box|>[[1,2,3,4],[5,6,7,8]]<|/box|>"
    )
    text, regions = parse_grounding(raw)
    assert text == "Total: 42\nsee x"
    assert [(r.text, r.label, r.boxes) for r in regions] == [
        ("Total: 42", None, ((10.0, 20.0, 30.0, 40.0),)),
        ("x", None, ((1.0, 2.0, 3.0, 4.0), (5.0, 6.0, 7.0, 8.0))),
    ]


def test_grounding_with_layout_labels_as_deepseek_ocr_writes_them() -> None:
    raw = (
        "<|ref|>title<|/ref|><|det|>[[62, 49, 937, 87]]<|/det|>\n# Annual report\n\n"
        "<|ref|>text<|/ref|><|det|>[[62, 100, 937, 300]]<|/det|>\nSales rose.\n"
    )
    text, regions = parse_grounding(raw)
    assert text == "# Annual report\n\nSales rose.\n"
    assert [(r.label, r.text) for r in regions] == [
        ("title", "# Annual report"),
        ("text", "Sales rose."),
    ]
    assert regions[0].as_dict() == {
        "text": "# Annual report", "label": "title", "boxes": [[62.0, 49.0, 937.0, 87.0]]
    }  # fmt: skip


def test_grounding_that_does_not_parse_keeps_the_text_and_no_box() -> None:
    text, regions = parse_grounding("<|ref|>a<|/ref|><|box|>[[oops]]<|/box|> <|grounding|>b")
    assert text == "a b" and regions[0].boxes == ()


def test_an_ocr_answer_keeps_fields_deepseek_adds_later() -> None:
    result = OCRResult.model_validate(
        {"pages": [{"index": 0, "text": "a", "confidence": 0.9}], "model": "ocr-2"}
    )
    assert result.model_extra == {"model": "ocr-2"}
    assert result.pages[0].model_extra == {"confidence": 0.9}


def test_a_parsed_upload_waits_as_long_as_deepseek_allows_and_others_keep_theirs() -> None:
    from deepseek_ext_core import DeepSeekClient

    seen: list[dict[str, float]] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request.extensions["timeout"])
        if request.url.path.endswith("/ocr"):
            return httpx.Response(200, content=b'\n\n{"pages": [{"index": 0, "text": "a"}]}')
        return httpx.Response(200, json={"id": "file-api-1", "bytes": 1, "filename": "a"})

    http = httpx.Client(transport=httpx.MockTransport(record))
    client = DeepSeekClient(api_key="k", http_client=http, timeout=10.0)
    assert client.ocr(make_pdf(), filename="a.pdf").pages[0].text == "a"
    client.upload_file(make_pdf(), filename="a.pdf", purpose="text_recognition")
    client.upload_file(b"x", filename="a.txt")
    assert [t["read"] for t in seen] == [180.0, 180.0, 10.0]
    assert seen[0]["connect"] == 10.0


# -- document parsing through the Files API (docs/deepseek-api.md §6.14) ------------------------


async def test_a_document_uploaded_to_be_parsed_sends_purpose_first(
    mode: str, emulator: Emulator
) -> None:
    stored = await run(
        media_client(mode, emulator), "upload_file", make_pdf(), filename="report.pdf",
        purpose="rich_layout_recognition",
    )  # fmt: skip
    assert stored.purpose == "rich_layout_recognition" and stored.filename == "report.pdf"
    body = emulator.last_request.raw_body
    assert body.index(b'name="purpose"') < body.index(b'name="file"')
    parsed = emulator.files.get(stored.id)
    assert parsed is not None and "Revenue grew 12 percent" in parsed.parsed[0]


def test_the_emulator_refuses_a_document_whose_file_comes_first(emulator: Emulator) -> None:
    boundary = "b0undary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n\r\n'
        ).encode()
        + make_pdf()
        + (
            f'\r\n--{boundary}\r\nContent-Disposition: form-data; name="purpose"\r\n\r\n'
            f"text_recognition\r\n--{boundary}--\r\n"
        ).encode()
    )
    answer = httpx.post(
        f"{emulator.base_url}/files",
        content=body,
        headers={
            "Authorization": "Bearer test-key",
            "Content-Type": f"multipart/form-data; boundary={boundary}",
        },
    )
    assert answer.status_code == 400 and "before file" in answer.json()["error"]["message"]


async def test_a_document_to_parse_may_be_100_mib_and_no_more(
    mode: str, emulator: Emulator, tmp_path: Path
) -> None:
    path = tmp_path / "big.pdf"
    with path.open("wb") as out:
        out.write(make_pdf())
        out.truncate(100 * 1024 * 1024 + 1)
    with pytest.raises(InvalidRequestError, match="100 MiB"):
        await run(media_client(mode, emulator), "upload_file", path, purpose="text_recognition")
    with pytest.raises(InvalidRequestError, match="64 MiB"):
        await run(media_client(mode, emulator), "upload_file", path)
    with pytest.raises(InvalidRequestError, match="purpose must be one of user_data"):
        await run(media_client(mode, emulator), "upload_file", make_pdf(), filename="a.pdf",
                  purpose="assistants")  # fmt: skip
    assert emulator.requests == []


def test_the_docs_example_files_are_the_ones_the_tests_make() -> None:
    from ..media_files import make_wav

    examples = Path(__file__).resolve().parents[2] / "examples"
    assert (examples / "report.pdf").read_bytes() == make_pdf()
    assert (examples / "memo.wav").read_bytes() == make_wav(1.0)
