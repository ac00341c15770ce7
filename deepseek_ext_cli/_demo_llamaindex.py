"""Part 2 of `deepseek-ext demo`: a LlamaIndex query engine over the project's guide to its core.

Needs the `llamaindex` extra. The index uses `HashingEmbedding`, a deterministic bag-of-words
embedding computed locally, so nothing is ever downloaded; the answer comes from our `DeepSeek`
LLM. Its reasoning is streamed from LlamaIndex's instrumentation events (the query engine's own
stream carries only the answer text).
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import Counter
from importlib.metadata import PackageNotFoundError, metadata
from pathlib import Path
from typing import Any, TextIO

from llama_index.core import Document, VectorStoreIndex
from llama_index.core.base.base_query_engine import BaseQueryEngine
from llama_index.core.base.llms.types import ChatResponse
from llama_index.core.base.response.schema import RESPONSE_TYPE, StreamingResponse
from llama_index.core.embeddings import BaseEmbedding

# LlamaIndex's documented import; the name is re-exported without `__all__`, hence the ignore.
from llama_index.core.instrumentation import get_dispatcher  # type: ignore[attr-defined]
from llama_index.core.instrumentation.event_handlers import BaseEventHandler
from llama_index.core.instrumentation.events import BaseEvent
from llama_index.core.instrumentation.events.llm import LLMChatEndEvent, LLMChatInProgressEvent
from llama_index.core.node_parser import MarkdownNodeParser
from pydantic import ConfigDict, Field, PrivateAttr

from deepseek_ext_cli._demo_kit import DEMO_MODEL, DOCS_QUESTION, Transcript, UsageRecorder
from deepseek_ext_core import ChatCompletion, ChatCompletionChunk
from llamaindex_deepseek_ext import DeepSeek

__all__ = ["HashingEmbedding", "run", "stream_query"]

_WORD = re.compile(r"[a-z0-9_]+")
_STOPWORDS = frozenset(
    ("a", "an", "and", "are", "as", "at", "be", "by", "can", "do", "does", "for", "from", "how",
     "i", "in", "is", "it", "of", "on", "or", "the", "this", "to", "when", "which", "with", "you",
     "your")
)  # fmt: skip


class HashingEmbedding(BaseEmbedding):
    """Word counts hashed into a fixed-size, L2-normalised vector: offline and deterministic.

    Good enough to find the README section that shares a question's words; not a semantic model.
    """

    dimensions: int = Field(default=512, description="Length of the embedding vectors.")

    @classmethod
    def class_name(cls) -> str:
        return "HashingEmbedding"

    def _embed(self, text: str) -> list[float]:
        counts: Counter[str] = Counter()
        for word in _WORD.findall(text.lower()):
            if word not in _STOPWORDS:
                counts[word[:-3] + "y" if word.endswith("ies") else word.rstrip("s") or word] += 1
        vector = [0.0] * self.dimensions
        for stem, count in counts.items():
            digest = hashlib.blake2b(stem.encode(), digest_size=8).digest()
            slot = int.from_bytes(digest[:4], "little") % self.dimensions
            # Sublinear term frequency: a section that repeats one word (the project's name,
            # say) must not outrank the section that shares most of the question's words.
            weight = 1.0 + math.log(count)
            vector[slot] += weight if digest[4] & 1 else -weight
        norm = math.sqrt(sum(value * value for value in vector)) or 1.0
        return [value / norm for value in vector]

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._embed(query)

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._embed(query)

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._embed(text)


class _StreamWatcher(BaseEventHandler):
    """Shows reasoning deltas and records usage from the LLM events of one query."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    _transcript: Transcript = PrivateAttr()
    _record: UsageRecorder = PrivateAttr()

    def __init__(self, transcript: Transcript, record: UsageRecorder) -> None:
        super().__init__()
        self._transcript = transcript
        self._record = record

    @classmethod
    def class_name(cls) -> str:
        return "DeepSeekDemoStreamWatcher"

    def handle(self, event: BaseEvent, **kwargs: Any) -> None:
        if isinstance(event, LLMChatInProgressEvent):
            thinking = event.response.additional_kwargs.get("thinking_delta")
            if isinstance(thinking, str):
                self._transcript.reasoning(thinking)
        elif isinstance(event, LLMChatEndEvent) and isinstance(event.response, ChatResponse):
            raw = event.response.raw
            if isinstance(raw, ChatCompletion | ChatCompletionChunk) and raw.usage is not None:
                self._record(raw.model or DEMO_MODEL, raw.usage)


def run(base_url: str, api_key: str, out: TextIO, record: UsageRecorder) -> None:
    """Indexes docs/core.md, then answers `DOCS_QUESTION` through a streaming query engine."""
    transcript = Transcript(out, answer_label="deepseek> ")
    source, text = _readme()
    nodes = MarkdownNodeParser().get_nodes_from_documents([Document(text=text)])
    index = VectorStoreIndex(nodes, embed_model=HashingEmbedding())
    transcript.heading(
        f"Part 2: LlamaIndex query engine over {source} "
        f"({len(nodes)} sections, local hashing embedding)"
    )
    llm = DeepSeek(model=DEMO_MODEL, api_key=api_key, api_base=base_url, thinking="enabled")
    engine = index.as_query_engine(llm=llm, streaming=True, similarity_top_k=3)
    transcript.user(DOCS_QUESTION)
    response = stream_query(engine, DOCS_QUESTION, transcript, record)
    titles = [_title(node.get_content()) for node in response.source_nodes]
    transcript.note("Retrieved sections: " + "; ".join(titles))


def stream_query(
    engine: BaseQueryEngine, question: str, transcript: Transcript, record: UsageRecorder
) -> RESPONSE_TYPE:
    """Asks a streaming query engine, showing its reasoning and answer as they arrive and
    recording the usage of its LLM calls."""
    watcher = _StreamWatcher(transcript, record)
    dispatcher = get_dispatcher()  # the root: every LLM event reaches it
    dispatcher.add_event_handler(watcher)
    try:
        response = engine.query(question)
        if isinstance(response, StreamingResponse) and response.response_gen is not None:
            for piece in response.response_gen:
                transcript.answer(piece)
        else:
            transcript.answer(str(response))
    finally:
        dispatcher.event_handlers.remove(watcher)
    transcript.end_block()
    return response


def _title(section: str) -> str:
    first = section.strip().splitlines()[0] if section.strip() else ""
    return first.lstrip("#").strip() or "(untitled)"


def _readme() -> tuple[str, str]:
    """The checkout's guide to the core (docs/core.md, where pass-back is explained), else the
    installed distribution's description (the README, which links to it)."""
    path = Path(__file__).resolve().parent.parent / "docs" / "core.md"
    if path.is_file():
        return "docs/core.md", path.read_text(encoding="utf-8")
    try:
        description = metadata("deepseek-ext").get_payload()  # type: ignore[attr-defined]
    except PackageNotFoundError:
        description = None
    return "the package description", str(description or "# deepseek-ext\n")
