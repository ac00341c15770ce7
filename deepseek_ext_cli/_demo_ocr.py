"""Part 4 of `deepseek-ext demo`: a PDF read by DeepSeek's OCR, indexed, and a question answered
with the page it comes from.

Needs the `llamaindex` extra. `DeepSeekOCRReader` turns `quarterly-report.pdf` (shipped with the
command line) into a `Document` per page, with its page number in the metadata; a
`VectorStoreIndex` over them (the local hashing embedding of part 2) finds the page that answers,
and the answer cites it. Offline the emulator reads the PDF's own text; live, DeepSeek's OCR does.
"""

from __future__ import annotations

from pathlib import Path
from typing import TextIO

from llama_index.core import VectorStoreIndex

from deepseek_ext_cli._demo_kit import (
    DEMO_MODEL,
    REPORT_INSTRUCTION,
    REPORT_QUESTION,
    Transcript,
    UsageRecorder,
)
from deepseek_ext_cli._demo_llamaindex import HashingEmbedding, stream_query
from deepseek_ext_core import OCR_PAGE_PRICE_USD
from llamaindex_deepseek_ext import DeepSeek, DeepSeekOCRReader

__all__ = ["REPORT", "run"]

REPORT = Path(__file__).resolve().parent / "quarterly-report.pdf"


def run(base_url: str, api_key: str, out: TextIO, record: UsageRecorder) -> None:
    """Reads the report by OCR, indexes its pages, and answers `REPORT_QUESTION` with a page."""
    transcript = Transcript(out, answer_label="deepseek> ")
    transcript.heading(
        "Part 4: a PDF read by OCR, indexed, and answered with its page (LlamaIndex)"
    )
    pages = DeepSeekOCRReader(api_key=api_key, api_base=base_url).load_data(REPORT)
    for page in pages:
        first_line = page.text.splitlines()[0] if page.text else "(no text)"
        transcript.tool_result(
            "ocr", f"{REPORT.name} page {page.metadata['page_label']} of "
            f"{page.metadata['total_pages']}: {first_line}"
        )  # fmt: skip
    index = VectorStoreIndex.from_documents(pages, embed_model=HashingEmbedding())
    llm = DeepSeek(
        model=DEMO_MODEL, api_key=api_key, api_base=base_url, thinking="enabled",
        system_prompt=REPORT_INSTRUCTION,
    )  # fmt: skip
    engine = index.as_query_engine(llm=llm, streaming=True, similarity_top_k=1)
    transcript.user(REPORT_QUESTION)
    response = stream_query(engine, REPORT_QUESTION, transcript, record)
    cited = [str(node.metadata.get("page_label")) for node in response.source_nodes]
    transcript.note(
        f"Retrieved page {', '.join(cited)}; OCR of {len(pages)} pages: "
        f"${OCR_PAGE_PRICE_USD * len(pages):.6f} (CNY 1.5 per 1,000 pages)."
    )
