"""What DeepSeek supports, stated once for both langchain-tests suites (unit and integration)."""

from __future__ import annotations

from typing import Any

from langchain_deepseek_ext import ChatDeepSeek


class DeepSeekProfile:
    """Capability properties shared by the standard unit and integration test classes."""

    @property
    def chat_model_class(self) -> type[ChatDeepSeek]:
        return ChatDeepSeek

    @property
    def supports_json_mode(self) -> bool:
        return True

    @property
    def supports_image_inputs(self) -> bool:
        return True  # deepseek-flash takes images (docs/deepseek-api.md §6.8)

    @property
    def supports_image_urls(self) -> bool:
        return True  # http(s) image URLs are sent as they are (docs/deepseek-api.md §6.8)

    @property
    def model_override_value(self) -> str:
        return "deepseek-v4-pro"

    @property
    def supported_usage_metadata_details(self) -> dict[Any, list[Any]]:
        return {
            "invoke": ["reasoning_output", "cache_read_input"],
            "stream": ["reasoning_output", "cache_read_input"],
        }
