"""DeepSeek's OCR, ASR and TTS as LangChain parts, against the emulator: the OCR loader and blob
parser (in `GenericLoader` too), the audio parser, the speech tool in an agent, documents parsed
through the Files API in a chat message, and the retrieval chain a user would write."""

from __future__ import annotations

import hashlib
import logging
import math
import re
from pathlib import Path
from typing import Any

import pytest
from langchain.agents import create_agent
from langchain_community.document_loaders.generic import GenericLoader
from langchain_core.document_loaders import Blob
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from langchain_core.messages import HumanMessage, ToolMessage
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.runnables import RunnablePassthrough
from langchain_core.vectorstores import InMemoryVectorStore
from langchain_text_splitters import RecursiveCharacterTextSplitter

from deepseek_ext_core import InvalidRequestError, SpeechResult
from deepseek_ext_emulator import Emulator, Reply
from langchain_deepseek_ext import (
    ChatDeepSeek,
    DeepSeekAudioParser,
    DeepSeekOCRLoader,
    DeepSeekOCRParser,
    DeepSeekTextToSpeech,
)

from ..media_files import (
    DEFAULT_PAGES,
    make_docx,
    make_ogg_opus,
    make_pdf,
    make_png,
    make_pptx,
    make_wav,
)
from .conftest import KEY


def _options(emulator: Emulator) -> dict[str, Any]:
    return {"api_key": KEY, "base_url": emulator.base_url, "max_retries": 0}


@pytest.fixture
def report(tmp_path: Path) -> Path:
    path = tmp_path / "report.pdf"
    path.write_bytes(make_pdf())
    return path


def test_the_loader_gives_a_document_per_page(emulator: Emulator, report: Path) -> None:
    pages = DeepSeekOCRLoader(report, **_options(emulator)).load()
    assert [page.page_content for page in pages] == list(DEFAULT_PAGES)
    first = pages[0].metadata
    assert (first["source"], first["page"], first["total_pages"]) == (str(report), 0, 2)
    assert (first["finish_reason"], first["truncated"]) == ("stop", False)
    assert first["layout"][0] == {
        "text": "Quarterly report", "label": None, "boxes": [[60.0, 40.0, 940.0, 70.0]]
    }  # fmt: skip
    assert pages[1].metadata["page"] == 1 and first["estimated_cost_usd"] == 0.000225
    request = emulator.last_request
    assert request.path == "/v1/tools/ocr" and b'filename="report.pdf"' in request.raw_body


async def test_the_loader_async_in_one_document_with_markup(
    emulator: Emulator, report: Path
) -> None:
    loader = DeepSeekOCRLoader(
        report, mode="single", keep_markup=True, purpose="rich_layout_recognition",
        **_options(emulator),
    )  # fmt: skip
    documents = [document async for document in loader.alazy_load()]
    assert len(documents) == 1
    text = documents[0].page_content
    assert text.count("<|ref|>") == 4 and "\n\n" in text
    assert documents[0].metadata["truncated_pages"] == []
    assert b"rich_layout_recognition" in emulator.last_request.raw_body


def test_a_cut_page_is_flagged_and_logged(
    emulator: Emulator, report: Path, caplog: pytest.LogCaptureFixture
) -> None:
    emulator.push(Reply.ocr(["whole page", "half a pa"], finish_reasons=["stop", "length"]))
    with caplog.at_level(logging.WARNING, logger="deepseek_ext_core.ocr"):
        pages = DeepSeekOCRLoader(report, **_options(emulator)).load()
    assert [page.metadata["truncated"] for page in pages] == [False, True]
    assert pages[1].metadata["finish_reason"] == "length"
    assert "cut page 1 of" in caplog.text and str(report) in caplog.text


def test_the_parser_in_generic_loader_reads_every_kind(emulator: Emulator, tmp_path: Path) -> None:
    folder = tmp_path / "inbox"
    folder.mkdir()
    (folder / "a-report.pdf").write_bytes(make_pdf())
    (folder / "b-notes.docx").write_bytes(make_docx())
    (folder / "c-deck.pptx").write_bytes(make_pptx())
    (folder / "d-scan.png").write_bytes(make_png())
    (folder / "e-ignored.txt").write_text("not a suffix the loader asks for")
    loader = GenericLoader.from_filesystem(
        folder, suffixes=[".pdf", ".docx", ".pptx", ".png"],
        parser=DeepSeekOCRParser(**_options(emulator)),
    )  # fmt: skip
    documents = sorted(loader.load(), key=lambda d: (d.metadata["source"], d.metadata["page"]))
    assert [(Path(d.metadata["source"]).name, d.metadata["page"]) for d in documents] == [
        ("a-report.pdf", 0), ("a-report.pdf", 1), ("b-notes.docx", 0),
        ("c-deck.pptx", 0), ("c-deck.pptx", 1), ("d-scan.png", 0),
    ]  # fmt: skip
    assert documents[2].page_content == "Meeting notes\nShip the OCR loader on Friday."
    assert len(emulator.requests) == 4


async def test_a_blob_in_memory_is_sent_under_its_name(emulator: Emulator) -> None:
    parser = DeepSeekOCRParser(**_options(emulator))
    blob = Blob.from_data(make_png(), path="photos/receipt.png")
    documents = [d async for d in parser.alazy_parse(blob)]
    assert documents[0].page_content == "receipt.png: a PNG image"
    assert b'filename="receipt.png"' in emulator.last_request.raw_body


def test_refusals_come_before_sending(emulator: Emulator, tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("plain text")
    with pytest.raises(InvalidRequestError, match="not a file DeepSeek's OCR reads"):
        DeepSeekOCRLoader(text, **_options(emulator)).load()
    with pytest.raises(InvalidRequestError, match="mode must be 'page' or 'single'"):
        DeepSeekOCRLoader(text, mode="pages", **_options(emulator))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="api_kye"):
        DeepSeekOCRParser(api_kye="x")
    assert emulator.requests == []


def test_the_audio_parser_transcribes_wav_and_ogg(emulator: Emulator, tmp_path: Path) -> None:
    (tmp_path / "memo.wav").write_bytes(make_wav(2.0))
    (tmp_path / "call.ogg").write_bytes(make_ogg_opus(3.0))
    loader = GenericLoader.from_filesystem(
        tmp_path, suffixes=[".wav", ".ogg"], parser=DeepSeekAudioParser(**_options(emulator))
    )
    documents = sorted(loader.load(), key=lambda d: d.metadata["source"])
    assert [d.page_content for d in documents] == [
        "Transcript of call.ogg: 3.0 seconds of speech.",
        "Transcript of memo.wav: 2.0 seconds of speech.",
    ]
    assert documents[1].metadata["duration_ms"] == 2000


async def test_the_audio_parser_async(emulator: Emulator) -> None:
    emulator.push(Reply.transcript("Meet at noon."))
    parser = DeepSeekAudioParser(**_options(emulator))
    documents = [d async for d in parser.alazy_parse(Blob.from_data(make_wav(), path="m.wav"))]
    assert documents[0].page_content == "Meet at noon."


def test_an_agent_reads_its_answer_aloud(emulator: Emulator, tmp_path: Path) -> None:
    emulator.push(
        Reply.tool_calls([("deepseek_text_to_speech", {"text": "Your report is ready."})]),
        Reply.text("I read it aloud."),
    )
    tts = DeepSeekTextToSpeech(output_dir=str(tmp_path / "audio"), **_options(emulator))
    model = ChatDeepSeek(model="deepseek-flash", **_options(emulator))
    result = create_agent(model, [tts]).invoke({"messages": [("user", "Read it to me")]})
    tool_message = next(m for m in result["messages"] if isinstance(m, ToolMessage))
    path = Path(str(tool_message.content))
    assert path.parent == tmp_path / "audio" and path.read_bytes()[:4] == b"RIFF"
    assert isinstance(tool_message.artifact, SpeechResult)
    assert tool_message.artifact.characters == len("Your report is ready.")
    tts_request = next(r for r in emulator.requests if r.path == "/v1/tools/tts")
    assert tts_request.body["text"] == "Your report is ready."


async def test_the_speech_tool_async_as_pcm(emulator: Emulator, tmp_path: Path) -> None:
    tts = DeepSeekTextToSpeech(
        output_dir=str(tmp_path), format="pcm", voice_id="tide", **_options(emulator)
    )
    path = await tts.ainvoke({"text": "Hello"})
    assert Path(path).suffix == ".pcm" and Path(path).stat().st_size % 2 == 0
    assert emulator.last_request.body["voice_id"] == "tide"


def test_a_document_parsed_on_upload_is_cited_in_a_chat(emulator: Emulator) -> None:
    model = ChatDeepSeek(model="deepseek-flash", **_options(emulator))
    stored = model.client.upload_file(make_pdf(), filename="r.pdf", purpose="text_recognition")
    message = HumanMessage(
        content=[
            {"type": "text", "text": "What grew?"},
            {"type": "file", "file_id": stored.id},
        ]
    )
    model.invoke([message])
    content = emulator.last_request.body["messages"][0]["content"]
    assert {"type": "file", "file": {"file_id": stored.id}} in content


class _WordEmbeddings(Embeddings):
    """A deterministic bag-of-words embedding (content words hashed into 256 buckets)."""

    def _embed(self, text: str) -> list[float]:
        vector = [0.0] * 256
        for word in re.findall(r"[a-z]{4,}", text.lower()):
            vector[hashlib.sha256(word.encode()).digest()[0]] += 1.0
        norm = math.sqrt(sum(v * v for v in vector)) or 1.0
        return [v / norm for v in vector]

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [self._embed(text) for text in texts]

    def embed_query(self, text: str) -> list[float]:
        return self._embed(text)


def test_a_retrieval_chain_over_an_ocr_pdf_answers_with_its_page(
    emulator: Emulator, report: Path
) -> None:
    pages = DeepSeekOCRLoader(report, **_options(emulator)).load()
    chunks = RecursiveCharacterTextSplitter(chunk_size=60, chunk_overlap=0).split_documents(pages)
    assert all("page" in chunk.metadata for chunk in chunks)
    store = InMemoryVectorStore.from_documents(chunks, _WordEmbeddings())
    retriever = store.as_retriever(search_kwargs={"k": 1})

    def cite(documents: list[Document]) -> str:
        return "\n".join(
            f"[{Path(d.metadata['source']).name}, page {d.metadata['page'] + 1}] {d.page_content}"
            for d in documents
        )

    prompt = ChatPromptTemplate.from_messages(
        [("system", "Answer from these pages and cite them:\n{context}"), ("user", "{question}")]
    )
    model = ChatDeepSeek(model="deepseek-flash", **_options(emulator))
    chain = (
        {"context": retriever | cite, "question": RunnablePassthrough()}
        | prompt
        | model
        | StrOutputParser()
    )
    emulator.push(Reply.text("About 8 percent [report.pdf, page 2]."))
    answer = chain.invoke("What growth does the board expect next year?")
    assert answer == "About 8 percent [report.pdf, page 2]."
    system = emulator.last_request.body["messages"][0]["content"]
    assert "[report.pdf, page 2] Outlook\nThe board expects growth of 8 percent" in system
    assert "Revenue grew" not in system  # only the retrieved page's chunk


def test_a_long_recording_is_a_document_per_segment(emulator: Emulator, tmp_path: Path) -> None:
    path = tmp_path / "meeting.wav"
    path.write_bytes(make_wav(250, rate=8000))
    parser = DeepSeekAudioParser(**_options(emulator))
    documents = list(parser.lazy_parse(Blob.from_path(path)))
    assert [d.metadata["chunk"] for d in documents] == [0, 1, 2]
    assert [(d.metadata["start_seconds"], d.metadata["end_seconds"]) for d in documents] == [
        (0.0, 120.0), (120.0, 240.0), (240.0, 250.0)
    ]  # fmt: skip
    assert documents[2].page_content == "Transcript of meeting.wav: 10.0 seconds of speech."
