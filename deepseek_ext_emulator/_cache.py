"""DeepSeek's context cache, modelled: what a request's input shares with earlier inputs is a hit.

DeepSeek stores prefixes in units of 64 tokens, once a request has been processed
(https://api-docs.deepseek.com/guides/kv_cache), and bills the part of a later input that repeats
a stored prefix at the cache-hit price (docs/deepseek-api.md §6.4). Here a unit is 256 characters
(64 tokens at the emulator's four characters a token), each unit is known by the hash of itself
and everything before it (so only a true prefix matches), and a stored prefix becomes usable when
the request that brought it has been answered.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from typing import Any

__all__ = ["CACHE_UNIT_CHARS", "CACHE_UNIT_TOKENS", "PrefixCache", "prompt_text"]

CACHE_UNIT_TOKENS = 64
CACHE_UNIT_CHARS = 256


def prompt_text(body: Mapping[str, Any], *, fim: bool) -> str:
    """The input as the cache sees it: model, tools, then each message in order (FIM: the
    prompt), so two requests share a text prefix exactly when they share leading messages."""
    head = f"{body.get('model')}\n{json.dumps(body.get('tools'), sort_keys=True)}\n"
    if fim:
        return head + str(body.get("prompt", ""))
    messages = body.get("messages")
    if not isinstance(messages, list):
        return head
    return head + "".join(json.dumps(message, sort_keys=True) for message in messages)


class PrefixCache:
    """Stored prefixes, thread-safe (the emulator answers from several threads)."""

    def __init__(self) -> None:
        self._usable_from: dict[int, float] = {}
        self._lock = threading.Lock()

    def hit_tokens(self, text: str, *, now: float, stored_at: float) -> int:
        """Tokens of `text` served from the cache at `now`; stores `text`'s prefixes as usable
        from `stored_at` (when the request that brings them will have been answered)."""
        hits = 0
        matching = True
        chain = 0
        whole_units = len(text) - len(text) % CACHE_UNIT_CHARS
        with self._lock:
            for start in range(0, whole_units, CACHE_UNIT_CHARS):
                chain = hash((chain, text[start : start + CACHE_UNIT_CHARS]))
                usable_from = self._usable_from.get(chain)
                if matching and usable_from is not None and usable_from <= now:
                    hits += 1
                else:
                    matching = False
                if usable_from is None or usable_from > stored_at:
                    self._usable_from[chain] = stored_at
        return hits * CACHE_UNIT_TOKENS

    def clear(self) -> None:
        with self._lock:
            self._usable_from.clear()
