"""An offline DeepSeek API server for tests and benchmarks.

Why it exists: recorded cassettes only replay what a client already did, and mocks
only check what their author believed. The emulator is an independent, server-side
reading of DeepSeek's documentation and recorded traffic: exact key orders and stream
phases, DeepSeek's own 400/401/402 bodies, and the transport faults DeepSeek really
produces (keep-alive lines, 429/5xx, streams without ``[DONE]``, dropped sockets).
It imports nothing from ``deepseek_ext_core``, so client bugs are not mirrored.

    from deepseek_ext_emulator import Emulator, Fault, Reply

    with Emulator(api_key="test-key") as emu:
        emu.push(Reply.text("Hi", reasoning="Let me think", chunks=2))
        emu.push(Fault.status(429, retry_after=1))
        ...  # point a client at emu.base_url
        assert emu.last_request.body["model"] == "deepseek-flash"
"""

from __future__ import annotations

from deepseek_ext_emulator._cli import serve
from deepseek_ext_emulator._emulator import Emulator, RecordedRequest, Responder, echo_reply
from deepseek_ext_emulator._faults import Fault
from deepseek_ext_emulator._replies import Raw, Reply, ToolCall, Usage
from deepseek_ext_emulator._web import DEFAULT_PAGES, WebPage

__all__ = [
    "DEFAULT_PAGES",
    "Emulator",
    "Fault",
    "Raw",
    "RecordedRequest",
    "Reply",
    "Responder",
    "ToolCall",
    "Usage",
    "WebPage",
    "echo_reply",
    "serve",
]
