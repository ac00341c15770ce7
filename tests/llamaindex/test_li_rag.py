"""RAG through our LLM: a VectorStoreIndex with an offline embedding, plain and streaming."""

from __future__ import annotations

import hashlib
import math
import re

import pytest
from llama_index.core import Document, VectorStoreIndex
from llama_index.core.base.embeddings.base import BaseEmbedding, Embedding
from llama_index.core.base.response.schema import StreamingResponse

from deepseek_ext_emulator import Reply

from .li_support import Emu

CORPUS = [
    "Mars has a thin atmosphere and its sky looks butterscotch during the day.",
    "The Pacific is the largest and deepest ocean on Earth.",
    "Honeybees communicate the location of flowers with a waggle dance.",
]
QUESTION = "What colour is the sky on Mars?"
ANSWER = "It looks butterscotch."


STOP_WORDS = frozenset(
    ["a", "an", "and", "are", "during", "has", "is", "its", "of", "on", "the", "what", "with"]
)


class HashEmbedding(BaseEmbedding):
    """A deterministic bag-of-words embedding: content words hashed into 256 buckets."""

    def _embed(self, text: str) -> Embedding:
        vector = [0.0] * 256
        for word in re.findall(r"[a-z]+", text.lower()):
            if word not in STOP_WORDS:
                vector[hashlib.sha256(word.encode()).digest()[0]] += 1.0
        norm = math.sqrt(sum(v * v for v in vector)) or 1.0
        return [v / norm for v in vector]

    def _get_query_embedding(self, query: str) -> Embedding:
        return self._embed(query)

    async def _aget_query_embedding(self, query: str) -> Embedding:
        return self._embed(query)

    def _get_text_embedding(self, text: str) -> Embedding:
        return self._embed(text)


def _index() -> VectorStoreIndex:
    return VectorStoreIndex.from_documents(
        [Document(text=t) for t in CORPUS], embed_model=HashEmbedding(model_name="hash")
    )


def _prompt_text(emu: Emu) -> str:
    return "\n".join(str(m["content"]) for m in emu.bodies[0]["messages"])


def test_query_engine(emu: Emu) -> None:
    emu.script(Reply.text(ANSWER, reasoning="The context says butterscotch."))
    engine = _index().as_query_engine(llm=emu.llm(), similarity_top_k=1)
    response = engine.query(QUESTION)
    assert str(response) == ANSWER
    assert "butterscotch" in response.source_nodes[0].node.get_content()
    prompt = _prompt_text(emu)
    assert CORPUS[0] in prompt and QUESTION in prompt
    assert CORPUS[1] not in prompt  # only the retrieved node is sent


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_streaming_query_engine(emu: Emu, mode: str) -> None:
    emu.script(Reply.text(ANSWER, reasoning="Check the context."))
    engine = _index().as_query_engine(llm=emu.llm(), similarity_top_k=1, streaming=True)
    if mode == "sync":
        response = engine.query(QUESTION)
        assert isinstance(response, StreamingResponse)
        tokens = list(response.response_gen)
    else:
        response = await engine.aquery(QUESTION)
        tokens = [t async for t in response.async_response_gen()]  # type: ignore[union-attr]
    assert "".join(tokens) == ANSWER
    assert len(tokens) > 1  # really streamed
    assert emu.bodies[0]["stream"] is True
    assert CORPUS[0] in _prompt_text(emu)
