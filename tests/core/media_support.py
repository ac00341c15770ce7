"""Clients over an emulator for the OCR and speech tests, sync or async through one call."""

from __future__ import annotations

from typing import Any

from deepseek_ext_core import AsyncDeepSeekClient, DeepSeekClient
from deepseek_ext_emulator import Emulator

KEY = "test-key"


def media_client(
    mode: str, emulator: Emulator, **kwargs: Any
) -> DeepSeekClient | AsyncDeepSeekClient:
    options = {"api_key": KEY, "base_url": emulator.base_url, **kwargs}
    return DeepSeekClient(**options) if mode == "sync" else AsyncDeepSeekClient(**options)


async def run(
    client: DeepSeekClient | AsyncDeepSeekClient, method: str, *args: Any, **kwargs: Any
) -> Any:
    """`client.<method>(*args, **kwargs)`, awaited when the client is async."""
    result = getattr(client, method)(*args, **kwargs)
    if isinstance(client, AsyncDeepSeekClient):
        result = await result
    return result
