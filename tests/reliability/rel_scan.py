"""Looking for a key: the scanner every secret test uses, and a capture of every log record."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from ._tally import TALLY

WINDOW = 12
"""Any run of this many characters of the key's secret part counts as a leak (DeepSeek's own
401 message echoes the last four characters, which is fine)."""


class Scanner:
    """Looks for `key` in text; every call is one counted scan."""

    def __init__(self, key: str, known_bug: bool = False) -> None:
        secret = key.removeprefix("sk-")
        self.needles = {key} | {secret[i : i + WINDOW] for i in range(len(secret) - WINDOW + 1)}
        self.known_bug = known_bug
        self.leaks: list[str] = []

    def holds_key(self, text: str) -> bool:
        return any(needle in text for needle in self.needles)

    def scan(self, place: str, text: str | bytes) -> None:
        if isinstance(text, bytes):
            text = text.decode("latin-1")
        leaked = self.holds_key(text)
        TALLY.secret_scan(place, leaked=leaked, known_bug=self.known_bug)
        if leaked:
            self.leaks.append(place)


class LogRecords(logging.Handler):
    """Keeps every record as text: name, formatted message, exception, and all attributes."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.texts: list[str] = []
        self.names: set[str] = set()

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record still gets scanned raw
            message = repr(record.msg)
        exc = logging.Formatter().formatException(record.exc_info) if record.exc_info else ""
        self.names.add(record.name)
        self.texts.append(f"{record.name}: {message}\n{exc}\n{record.__dict__!r}")


@contextmanager
def every_log_record() -> Iterator[LogRecords]:
    """Every logger at DEBUG (httpx, httpcore, ours, the frameworks'), captured at the root."""
    handler = LogRecords()
    root = logging.getLogger()
    saved = [(root, root.level, root.propagate, root.disabled)]
    for name in ("httpx", "httpcore", "deepseek_ext_core", "langchain", "llama_index"):
        logging.getLogger(name)
    for logger in logging.root.manager.loggerDict.values():
        if isinstance(logger, logging.Logger):
            saved.append((logger, logger.level, logger.propagate, logger.disabled))
            logger.setLevel(logging.DEBUG)
            logger.propagate = True
            logger.disabled = False
    root.setLevel(logging.DEBUG)
    root.addHandler(handler)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        for logger, level, propagate, disabled in saved:
            logger.setLevel(level)
            logger.propagate = propagate
            logger.disabled = disabled
