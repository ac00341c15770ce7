"""DeepSeek's speech endpoints as LangChain parts (docs/deepseek-api.md §6.12-6.13): a blob
parser that transcribes audio into `Document`s, as LangChain's Whisper parsers do, and a text
to speech tool for agents.

ASR takes 16-bit PCM WAV or Ogg Opus (at most 8 MiB and 120 s, checked from the header before
sending); TTS streams the audio to a file as it is synthesized. Connection settings are keyword
arguments, as for `ChatDeepSeek`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any, Literal

from langchain_core.callbacks import AsyncCallbackManagerForToolRun, CallbackManagerForToolRun
from langchain_core.document_loaders import BaseBlobParser, Blob
from langchain_core.documents import Document
from langchain_core.tools import BaseTool
from pydantic import BaseModel, Field

from deepseek_ext_core import SpeechResult, Transcription
from deepseek_ext_core.integration import new_speech_path, transcript_metadata

from ._arguments import StrictArguments
from ._blobs import blob_name, blob_source
from ._connection import DeepSeekConnection, PartConnection
from ._errors import translate_errors

__all__ = ["DeepSeekAudioParser", "DeepSeekTextToSpeech"]


def _document(result: Transcription, source: str, chunk: int) -> Document:
    metadata = {**transcript_metadata(result, source), "chunk": chunk}
    return Document(page_content=result.text, metadata=metadata)


class DeepSeekAudioParser(BaseBlobParser):
    """Audio transcribed by DeepSeek's ASR: a `Document` per file (21 languages, detected).

    ```python
    from langchain_core.document_loaders import Blob
    from langchain_deepseek_ext import DeepSeekAudioParser

    docs = DeepSeekAudioParser().parse(Blob.from_path("meeting.wav"))
    ```

    A WAV recording longer than DeepSeek's ASR takes (120 s, 8 MiB) is split between frames and
    transcribed a segment at a time, a `Document` per segment (`chunk`, `start_seconds`,
    `end_seconds`), as LangChain's Whisper parsers split long audio; Ogg Opus over the limits
    is refused before sending, naming them.
    """

    def __init__(self, **connection: Any) -> None:
        self._connection = PartConnection(**connection)

    def lazy_parse(self, blob: Blob) -> Iterator[Document]:
        """The blob's transcript: one `Document`, or one per segment of a long WAV recording
        (`chunk`, `start_seconds`, `end_seconds` in metadata), each yielded as it is heard."""
        source, filename = blob_source(blob)
        with translate_errors():
            parts = self._connection.client.transcribe_long(source, filename=filename)
            for chunk, result in enumerate(parts):
                yield _document(result, blob_name(blob), chunk)

    async def alazy_parse(self, blob: Blob) -> AsyncIterator[Document]:
        """The blob's transcript, with the async client."""
        source, filename = blob_source(blob)
        with translate_errors():
            parts = self._connection.async_client.transcribe_long(source, filename=filename)
            chunk = 0
            async for result in parts:
                yield _document(result, blob_name(blob), chunk)
                chunk += 1


class SpeakInput(BaseModel):
    """Arguments of `DeepSeekTextToSpeech`."""

    text: str = Field(min_length=1, max_length=10_000, description="The text to read aloud.")


class DeepSeekTextToSpeech(StrictArguments, BaseTool, DeepSeekConnection):
    """Text read aloud by DeepSeek's TTS: a tool for agents that saves the audio to a file and
    returns its path (the `SpeechResult`, with size and cost, is the tool message's artifact).

    ```python
    from langchain_deepseek_ext import DeepSeekTextToSpeech

    tts = DeepSeekTextToSpeech(output_dir="audio/")
    path = tts.invoke({"text": "Your report is ready."})
    ```

    The audio is streamed to disk as it is synthesized; a cut stream raises and leaves no file.
    """

    name: str = "deepseek_text_to_speech"
    description: str = (
        "Read text aloud. Input: the text (at most 10,000 characters). Returns the path of the "
        "audio file."
    )
    args_schema: type[BaseModel] = SpeakInput
    response_format: Literal["content", "content_and_artifact"] = "content_and_artifact"
    voice_id: Literal["stella", "tide"] = "stella"
    """DeepSeek's voice."""
    format: Literal["wav", "pcm"] = "wav"
    """`wav`, or `pcm` (raw 24 kHz 16-bit mono)."""
    filter_markdown: bool = True
    """Leave Markdown syntax unread."""
    output_dir: str | None = None
    """Where audio files are written (created if missing); None: the system's temporary folder."""

    def _target(self) -> Path:
        return new_speech_path(self.output_dir, self.format)

    def _run(
        self, text: str, run_manager: CallbackManagerForToolRun | None = None
    ) -> tuple[str, SpeechResult]:
        with translate_errors():
            result = self.client.speak_to_file(
                text,
                self._target(),
                voice_id=self.voice_id,
                format=self.format,
                filter_markdown=self.filter_markdown,
            )
        return str(result.path), result

    async def _arun(
        self, text: str, run_manager: AsyncCallbackManagerForToolRun | None = None
    ) -> tuple[str, SpeechResult]:
        with translate_errors():
            result = await self.async_client.speak_to_file(
                text,
                self._target(),
                voice_id=self.voice_id,
                format=self.format,
                filter_markdown=self.filter_markdown,
            )
        return str(result.path), result
