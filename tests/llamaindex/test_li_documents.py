"""DeepSeek's OCR and ASR as LlamaIndex readers and agent tools, against the emulator: the OCR
reader alone and as `SimpleDirectoryReader`'s file extractor, the audio reader, the tool spec's
file tools (kept inside a folder), a document parsed on upload in a chat, and a query engine over
an index built from an OCR'd PDF."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from llama_index.core import SimpleDirectoryReader, VectorStoreIndex
from llama_index.core.agent.workflow import FunctionAgent
from llama_index.core.base.llms.types import ChatMessage, TextBlock
from llama_index.core.readers.base import BaseReader
from llama_index.core.schema import MetadataMode

from deepseek_ext_core import InvalidRequestError
from deepseek_ext_emulator import Reply
from llamaindex_deepseek_ext import (
    DeepSeekAudioReader,
    DeepSeekOCRReader,
    DeepSeekToolSpec,
    file_block,
)

from ..media_files import DEFAULT_PAGES, make_docx, make_pdf, make_png, make_pptx, make_wav
from .li_support import API_KEY, Emu
from .test_li_rag import HashEmbedding


def _options(emu: Emu) -> dict[str, Any]:
    return {"api_key": API_KEY, "api_base": emu.base_url, "max_retries": 0}


@pytest.fixture
def report(tmp_path: Path) -> Path:
    path = tmp_path / "report.pdf"
    path.write_bytes(make_pdf())
    return path


def test_the_reader_gives_a_document_per_page(emu: Emu, report: Path) -> None:
    documents = DeepSeekOCRReader(**_options(emu)).load_data(report)
    assert [d.text for d in documents] == list(DEFAULT_PAGES)
    metadata = documents[1].metadata
    assert (metadata["page"], metadata["page_label"], metadata["total_pages"]) == (1, "2", 2)
    assert metadata["layout"][0]["text"] == "Outlook"
    # what the embedding and the LLM read: the page, its number and source, no boxes or ids
    seen = documents[1].get_content(metadata_mode=MetadataMode.LLM)
    assert "page_label: 2" in seen and "layout" not in seen and "request_id" not in seen
    assert "layout" not in documents[1].get_content(metadata_mode=MetadataMode.EMBED)


def test_simple_directory_reader_uses_it_for_every_kind(emu: Emu, tmp_path: Path) -> None:
    (tmp_path / "a.pdf").write_bytes(make_pdf())
    (tmp_path / "b.docx").write_bytes(make_docx())
    (tmp_path / "c.pptx").write_bytes(make_pptx())
    (tmp_path / "d.png").write_bytes(make_png())
    ocr = DeepSeekOCRReader(**_options(emu))
    extractor: dict[str, BaseReader] = {".pdf": ocr, ".docx": ocr, ".pptx": ocr, ".png": ocr}
    documents = SimpleDirectoryReader(str(tmp_path), file_extractor=extractor).load_data()
    assert [(d.metadata["file_name"], d.metadata["page"]) for d in documents] == [
        ("a.pdf", 0), ("a.pdf", 1), ("b.docx", 0), ("c.pptx", 0), ("c.pptx", 1), ("d.png", 0)
    ]  # fmt: skip
    assert documents[4].text == "Q1: OCR\nQ2: speech"
    assert documents[0].metadata["file_size"] == len(make_pdf())  # the reader's extra_info


async def test_async_loading_and_the_audio_reader(emu: Emu, tmp_path: Path) -> None:
    (tmp_path / "a.pdf").write_bytes(make_pdf())
    (tmp_path / "memo.wav").write_bytes(make_wav(1.5))
    extractor: dict[str, BaseReader] = {".pdf": DeepSeekOCRReader(**_options(emu)),
                 ".wav": DeepSeekAudioReader(**_options(emu))}  # fmt: skip
    reader = SimpleDirectoryReader(str(tmp_path), file_extractor=extractor)
    documents = await reader.aload_data()
    assert len(documents) == 3
    transcript = documents[-1]
    assert transcript.text == "Transcript of memo.wav: 1.5 seconds of speech."
    assert transcript.metadata["duration_ms"] == 1500
    assert "estimated_cost_usd" not in transcript.get_content(metadata_mode=MetadataMode.LLM)


def test_a_reader_refuses_before_sending(emu: Emu, tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("plain")
    with pytest.raises(InvalidRequestError, match="not a file DeepSeek's OCR reads"):
        DeepSeekOCRReader(**_options(emu)).load_data(text)
    with pytest.raises(InvalidRequestError, match="neither WAV nor Ogg"):
        DeepSeekAudioReader(**_options(emu)).load_data(text)
    with pytest.raises(TypeError, match="api_kye"):
        DeepSeekOCRReader(api_kye="x")
    assert emu.emulator.requests == []


async def test_an_agent_reads_a_scan_with_the_tool_spec(emu: Emu, report: Path) -> None:
    emu.script(
        Reply.tool_calls([("ocr", {"file_path": str(report)})], reasoning="Read the file."),
        Reply.text("Revenue grew 12 percent.", reasoning="Page 1 says so."),
    )
    spec = DeepSeekToolSpec(files_root=str(report.parent), **_options(emu))
    tools = spec.to_tool_list(spec_functions=["ocr"])
    agent = FunctionAgent(tools=tools, llm=emu.llm(thinking="enabled"))
    result = await agent.run(user_msg="What does the report say?")
    assert str(result).strip() == "Revenue grew 12 percent."
    chats = [r.body for r in emu.emulator.requests if r.path.endswith("/chat/completions")]
    tool_result = next(m for m in chats[-1]["messages"] if m["role"] == "tool")["content"]
    assert tool_result.startswith("[page 1 of 2]\nQuarterly report")
    assert "[page 2 of 2]\nOutlook" in tool_result


async def test_the_spec_transcribes_speaks_and_keeps_to_its_folder(
    emu: Emu, tmp_path: Path
) -> None:
    (tmp_path / "memo.wav").write_bytes(make_wav(1.0))
    spec = DeepSeekToolSpec(
        files_root=str(tmp_path), audio_dir=str(tmp_path / "out"), **_options(emu)
    )
    assert spec.transcribe(str(tmp_path / "memo.wav")).startswith("Transcript of memo.wav")
    assert (await spec.atranscribe(str(tmp_path / "memo.wav"))).endswith("1.0 seconds of speech.")
    spoken = Path(await spec.aspeak("All done."))
    assert spoken.parent == tmp_path / "out" and spoken.read_bytes()[:4] == b"RIFF"
    assert Path(spec.speak("Again.")).exists()
    with pytest.raises(ValueError, match="outside"):
        spec.ocr(str(tmp_path / ".." / "elsewhere.pdf"))
    emu.script(Reply.ocr(["page one", "page tw"], finish_reasons=["stop", "length"]))
    (tmp_path / "a.pdf").write_bytes(make_pdf())
    assert "[page 2 of 2 (cut: incomplete)]" in await spec.aocr(str(tmp_path / "a.pdf"))
    names = {tool.metadata.name for tool in spec.to_tool_list()}
    assert names == {"search", "fetch", "ocr", "transcribe", "speak"}


def test_a_document_parsed_on_upload_is_sent_by_id(emu: Emu) -> None:
    llm = emu.llm()
    stored = llm._get_client().upload_file(
        make_pdf(), filename="r.pdf", purpose="rich_layout_recognition"
    )
    emu.script(Reply.text("It grew 12 percent."))
    message = ChatMessage(role="user", blocks=[TextBlock(text="What grew?"), file_block(stored.id)])
    assert str(llm.chat([message]).message.content) == "It grew 12 percent."
    content = emu.bodies[-1]["messages"][0]["content"]
    assert {"type": "file", "file": {"file_id": stored.id}} in content


def test_a_query_engine_over_an_ocr_pdf_cites_the_page(emu: Emu, report: Path) -> None:
    documents = DeepSeekOCRReader(**_options(emu)).load_data(report)
    index = VectorStoreIndex.from_documents(documents, embed_model=HashEmbedding(model_name="h"))
    emu.script(Reply.text("About 8 percent (page 2).", reasoning="The outlook page says 8."))
    engine = index.as_query_engine(llm=emu.llm(), similarity_top_k=1)
    response = engine.query("What growth does the board expect next year?")
    assert str(response) == "About 8 percent (page 2)."
    source = response.source_nodes[0].node
    assert source.metadata["page_label"] == "2" and source.metadata["source"] == str(report)
    prompt = "\n".join(str(m["content"]) for m in emu.bodies[-1]["messages"])
    assert "page_label: 2" in prompt and "The board expects growth of 8 percent" in prompt
    assert "Revenue grew" not in prompt and "layout" not in prompt


async def test_a_long_recording_is_a_document_per_segment(emu: Emu, tmp_path: Path) -> None:
    path = tmp_path / "meeting.wav"
    path.write_bytes(make_wav(130, rate=8000))
    documents = await DeepSeekAudioReader(**_options(emu)).aload_data(path)
    assert [(d.metadata["start_seconds"], d.metadata["end_seconds"]) for d in documents] == [
        (0.0, 120.0), (120.0, 130.0)
    ]  # fmt: skip
    seen = documents[1].get_content(metadata_mode=MetadataMode.LLM)
    assert "start_seconds: 120.0" in seen  # to cite where it was said
    assert "start_seconds" not in documents[1].get_content(metadata_mode=MetadataMode.EMBED)
