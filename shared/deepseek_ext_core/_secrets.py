"""Secrets: the API key checked where it is resolved, and credentials kept out of text.

A key read from a file or a CRLF env file carries its line ending; h11 then refuses the header
and quotes it in full in its error (`Illegal header value b'Bearer sk-...\\n'`), which became
an exception message, a log line and a span status. So the key is stripped of surrounding
whitespace and refused, without being quoted, unless it is visible ASCII. Credentials given
outside `api_key` (an Azure-style `api-key` header, a `key` query parameter, `user:pass@` in a
base URL) are secrets too: `mask_mapping` and `mask_url` hide them wherever settings are shown
or serialized.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from ._errors import InvalidRequestError

__all__ = [
    "MASK",
    "check_api_key",
    "is_sensitive_name",
    "mask_mapping",
    "mask_url",
    "scrub_transport_message",
]

MASK = "**********"
"""What stands where a secret was."""

_SENSITIVE = re.compile(
    r"auth|key|token|secret|passw|signature|credential|subscription|session|cookie", re.I
)
_VISIBLE_ASCII = re.compile(r"[\x21-\x7e]+")
_HEADER_VALUE = re.compile(r"(header (?:value|name)s?|value)\s*(b?(['\"]).*?\3)", re.I | re.S)


def is_sensitive_name(name: str) -> bool:
    """Whether a header or query parameter of this name carries a credential."""
    return bool(_SENSITIVE.search(name))


def check_api_key(value: str, *, source: str) -> str:
    """`value` without surrounding whitespace; `InvalidRequestError` (which does not quote it)
    when anything else in it could not be sent in an HTTP header as is."""
    key = value.strip()
    if key and not _VISIBLE_ASCII.fullmatch(key):
        position = next(i for i, char in enumerate(key) if not _VISIBLE_ASCII.fullmatch(char))
        what = "a non-ASCII character" if ord(key[position]) > 0x7E else "a control character"
        raise InvalidRequestError(
            f"the API key ({source}) holds {what} at position {position + 1} of {len(key)}: "
            "an API key is visible ASCII only; check how it was read (a file's line ending, "
            "a quote, a space)"
        )
    return key


def mask_mapping(values: Mapping[str, object] | None) -> dict[str, object] | None:
    """`values` with the value of every credential-like name replaced by `MASK`."""
    if values is None:
        return None
    return {name: MASK if is_sensitive_name(name) else value for name, value in values.items()}


def mask_url(url: str) -> str:
    """`url` without the password of a `user:pass@` part and with credential-like query
    parameters masked; other URLs are returned unchanged."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    netloc = parts.netloc
    if "@" in netloc:
        netloc = f"{MASK}@{netloc.rpartition('@')[2]}"
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        if any(is_sensitive_name(name) for name, _ in pairs):
            query = urlencode([(n, MASK if is_sensitive_name(n) else v) for n, v in pairs])
    if (netloc, query) == (parts.netloc, parts.query):
        return url
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def scrub_transport_message(text: str) -> str:
    """A transport error's text without the header value it may quote (h11's `Illegal header
    value b'...'` holds the whole header: the key, for the Authorization header)."""
    return _HEADER_VALUE.sub(lambda match: f"{match[1]} (not shown)", text)
