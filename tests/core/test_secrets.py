"""The key checked where it is resolved; transport errors that never quote a header value."""

from __future__ import annotations

import pytest

from deepseek_ext_core import InvalidRequestError
from deepseek_ext_core._secrets import check_api_key, mask_mapping, scrub_transport_message


def test_check_api_key_strips_and_refuses_without_quoting() -> None:
    assert check_api_key("  sk-abc\r\n", source="api_key") == "sk-abc"
    assert check_api_key("", source="api_key") == ""
    for bad in ("sk-a\nbc", "sk-abc\x00", "sk-abcé", "sk-a bc"):
        with pytest.raises(InvalidRequestError) as caught:
            check_api_key(bad, source="DEEPSEEK_API_KEY")
        assert "sk-a" not in str(caught.value)
        assert "DEEPSEEK_API_KEY" in str(caught.value)


def test_transport_messages_lose_quoted_header_values() -> None:
    text = "Illegal header value b'Bearer sk-0123456789abcdef\\n'"
    assert scrub_transport_message(text) == "Illegal header value (not shown)"
    assert scrub_transport_message("[Errno 111] Connection refused") == (
        "[Errno 111] Connection refused"
    )


def test_mask_mapping_masks_credential_names_only() -> None:
    masked = mask_mapping({"api-key": "s", "X-Goog-Api-Key": "s", "x-trace": "t", "token": "s"})
    assert masked == {
        "api-key": "**********",
        "X-Goog-Api-Key": "**********",
        "x-trace": "t",
        "token": "**********",
    }
