"""langchain-tests' standard unit suite for ChatDeepSeek (no network)."""

from __future__ import annotations

from typing import Any

from langchain_tests.unit_tests import ChatModelUnitTests
from lc_standard_profile import DeepSeekProfile


class TestChatDeepSeekUnit(DeepSeekProfile, ChatModelUnitTests):
    @property
    def chat_model_params(self) -> dict[str, Any]:
        return {"model": "deepseek-flash", "api_key": "sk-test"}

    @property
    def init_from_env_params(self) -> tuple[dict[str, str], dict[str, Any], dict[str, Any]]:
        return (
            {"DEEPSEEK_API_KEY": "sk-from-env", "DEEPSEEK_API_BASE": "http://127.0.0.1:9/x"},
            {"model": "deepseek-flash"},
            {"api_key": "sk-from-env", "api_base": "http://127.0.0.1:9/x"},
        )

    @property
    def has_tool_choice(self) -> bool:
        return True
