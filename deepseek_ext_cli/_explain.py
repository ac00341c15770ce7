"""Exit codes and what the user reads for each error: the one mapping, used by every command."""

from __future__ import annotations

import os
from enum import IntEnum

from deepseek_ext_core import (
    APIConnectionError,
    APIStatusError,
    AuthenticationError,
    DeepSeekError,
    InsufficientBalanceError,
    InvalidRequestError,
    MissingAPIKeyError,
)

__all__ = ["KEYS_URL", "TOP_UP_URL", "ExitCode", "explain"]

KEYS_URL = "https://platform.deepseek.com/api_keys"
TOP_UP_URL = "https://platform.deepseek.com/top_up"


class ExitCode(IntEnum):
    """What `deepseek-ext` returns; scripts can rely on these."""

    OK = 0
    API_ERROR = 1
    """DeepSeek answered with an error, could not be reached, or sent something unreadable."""
    USAGE = 2
    """Bad arguments or a request rejected before sending (argparse also exits with 2)."""
    AUTH = 3
    """No API key, or DeepSeek rejected it (401)."""
    BALANCE = 4
    """Insufficient balance (402), or `balance` found the account unable to pay."""
    INTERRUPTED = 130
    """Ctrl-C."""


def explain(exc: DeepSeekError) -> tuple[ExitCode, str]:
    """The exit code and the message for an error (the key is redacted by the caller)."""
    request_id = getattr(exc, "request_id", None)
    rid = f", request id {request_id}" if request_id else ""
    if isinstance(exc, MissingAPIKeyError):
        return ExitCode.AUTH, (
            "error: no DeepSeek API key. Set DEEPSEEK_API_KEY (create a key at "
            f"{KEYS_URL}), or try it without one: deepseek-ext demo --offline"
        )
    if isinstance(exc, AuthenticationError):
        sent = (
            "DeepSeek rejected the API key"
            if os.environ.get("DEEPSEEK_API_KEY")
            else "no API key was sent (DEEPSEEK_API_KEY is not set) and the server refused"
        )
        return ExitCode.AUTH, (
            f"error: {sent} (401 Authentication Fails{rid}). "
            f"Check DEEPSEEK_API_KEY; keys are managed at {KEYS_URL}"
        )
    if isinstance(exc, InsufficientBalanceError):
        return ExitCode.BALANCE, (
            f"error: the DeepSeek account has run out of credit (402 Insufficient Balance{rid}). "
            f"Top up at {TOP_UP_URL}"
        )
    if isinstance(exc, InvalidRequestError):
        return ExitCode.USAGE, f"error: {exc}"
    if isinstance(exc, APIConnectionError):
        return ExitCode.API_ERROR, (
            f"error: {exc}. Check the network, or the --base-url option / DEEPSEEK_BASE_URL"
        )
    if isinstance(exc, APIStatusError):
        return ExitCode.API_ERROR, f"error: {exc}"
    return ExitCode.API_ERROR, f"error: {type(exc).__name__}: {exc}"
