"""The sans-IO SSE decoder (docs/deepseek-api.md §4.1): tricky inputs, then properties."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deepseek_ext_core.integration import SSEDecoder


def decode(*feeds: bytes) -> tuple[list[str], bool]:
    """Payloads from feeding `feeds` one by one and closing, and whether [DONE] came."""
    decoder = SSEDecoder()
    payloads: list[str] = []
    for data in feeds:
        payloads.extend(decoder.feed(data))
    payloads.extend(decoder.close())
    return payloads, decoder.done


def bytewise(data: bytes) -> list[bytes]:
    return [data[i : i + 1] for i in range(len(data))]


CASES = {
    "keep-alive comments": (
        b': keep-alive\n\n: keep-alive\n\ndata: {"a":1}\n\n: keep-alive\n\ndata: [DONE]\n\n',
        ['{"a":1}'],
        True,
    ),
    "blank lines between events": (b"\n\n\ndata: x\n\n\n\n\ndata: y\n\n\n", ["x", "y"], False),
    "crlf": (b"data: x\r\n\r\ndata: y\r\n\r\ndata: [DONE]\r\n\r\n", ["x", "y"], True),
    "lone cr": (b"data: x\r\rdata: y\r\rdata: [DONE]\r\r", ["x", "y"], True),
    "mixed line ends": (b"data: x\r\n\ndata: y\n\r\ndata: z\r\r\n", ["x", "y", "z"], False),
    "multi-line data": (b"data: line1\ndata: line2\ndata:\n\n", ["line1\nline2\n"], False),
    "data without space": (b'data:{"a":1}\n\ndata:  two\n\n', ['{"a":1}', " two"], False),
    "comment inside an event": (b"data: a\n: keep-alive\ndata: b\n\n", ["a\nb"], False),
    "other fields ignored": (b"event: message\nid: 7\nretry: 10\ndata: x\n\n", ["x"], False),
    "comment that mentions data": (b": data: not an event\n\n", [], False),
    "done then trailing garbage": (
        b"data: a\n\ndata: [DONE]\n\ndata: b\n\n\xff\xfe garbage without end",
        ["a"],
        True,
    ),
    "done without space": (b"data: a\n\ndata:[DONE]\n\n", ["a"], True),
    "final event without blank line": (b"data: a\n\ndata: last", ["a", "last"], False),
    "final event with one newline": (b"data: last\n", ["last"], False),
    "done without blank line at the end": (b"data: a\n\ndata: [DONE]", ["a"], True),
    "ends without done": (b"data: a\n\ndata: b\n\n", ["a", "b"], False),
    "only keep-alives": (b": keep-alive\n\n: keep-alive\n\n", [], False),
    "empty input": (b"", [], False),
    "utf-8 payload": ('data: {"c":"上海 😀 ünï"}\n\n'.encode(), ['{"c":"上海 😀 ünï"}'], False),
    "invalid utf-8 replaced": (b"data: \xff\xfeok\n\n", ["\ufffd\ufffdok"], False),
}


@pytest.mark.parametrize(("data", "payloads", "done"), list(CASES.values()), ids=list(CASES))
def test_table_whole(data: bytes, payloads: list[str], done: bool) -> None:
    assert decode(data) == (payloads, done)


@pytest.mark.parametrize(("data", "payloads", "done"), list(CASES.values()), ids=list(CASES))
def test_table_byte_by_byte(data: bytes, payloads: list[str], done: bool) -> None:
    assert decode(*bytewise(data)) == (payloads, done)


def test_utf8_character_split_across_feeds() -> None:
    data = 'data: {"city":"上海","e":"😀"}\n\n'.encode()
    emoji_start = data.index("😀".encode())
    cut_points = [data.index("上".encode()) + 1, emoji_start + 1, emoji_start + 3]
    pieces = [data[a:b] for a, b in zip([0, *cut_points], [*cut_points, len(data)], strict=True)]
    decoder = SSEDecoder()
    out = [payload for piece in pieces for payload in decoder.feed(piece)]
    assert out == ['{"city":"上海","e":"😀"}']
    assert json.loads(out[0]) == {"city": "上海", "e": "😀"}


def test_events_are_returned_as_soon_as_their_blank_line_arrives() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data: a\n") == []
    assert decoder.feed(b"\n") == ["a"]
    assert decoder.feed(b"data: b\r\n\r") == []  # the CR may still be half of a CRLF
    assert decoder.feed(b"\n") == ["b"]
    assert decoder.feed(b"data: c\r\r") == []
    assert decoder.feed(b"data: d") == ["c"]  # the next byte shows the CR ended a line alone
    assert decoder.close() == ["d"]


def test_done_stops_everything_after_it() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data: a\n\ndata: [DONE]\n\ndata: b\n\n") == ["a"]
    assert decoder.done is True
    assert decoder.feed(b"data: c\n\n") == []
    assert decoder.close() == []
    assert decoder.done is True


def test_done_is_not_a_payload_and_is_false_until_seen() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data: a\n\n") == ["a"]
    assert decoder.done is False
    assert decoder.feed(b"data: [DONE]\n\n") == []
    assert decoder.done is True


def test_done_inside_a_longer_payload_does_not_end_the_stream() -> None:
    assert decode(b'data: {"text":"[DONE]"}\n\ndata: [DONE] \n\n') == (
        ['{"text":"[DONE]"}', "[DONE] "],
        False,
    )


def test_close_without_pending_event_returns_nothing() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data: a\n\n") == ["a"]
    assert decoder.close() == []
    assert decoder.done is False


# ---- properties ------------------------------------------------------------------------------

_LINE_TEXT = st.text(
    alphabet=st.characters(exclude_categories=["Cs"], exclude_characters="\r\n"),
    max_size=30,
)
_PAYLOAD_LINES = st.lists(_LINE_TEXT, min_size=1, max_size=3).filter(
    lambda lines: "\n".join(lines) != "[DONE]"
)
_EOLS = st.sampled_from(["\n", "\r\n", "\r"])


@st.composite
def valid_streams(draw: st.DrawFn) -> tuple[bytes, list[str], bool]:
    """A well-formed stream, the payloads it carries, and whether it ends with [DONE]."""
    eol = draw(_EOLS)
    events = draw(st.lists(_PAYLOAD_LINES, max_size=6))
    out: list[str] = []
    for lines in events:
        for _ in range(draw(st.integers(0, 2))):
            out.append(draw(st.sampled_from([": keep-alive", ":", ""])) + eol)
        for line in lines:
            # `data:` without a space only when the value itself does not start with one.
            spaced = line.startswith(" ") or draw(st.booleans())
            out.append(("data: " if spaced else "data:") + line + eol)
        out.append(eol)
    done = draw(st.booleans())
    if done:
        out.append("data: [DONE]" + eol + eol)
        out.append(draw(st.sampled_from(["", "data: after\n\n", "garbage\r\n"])))
    payloads = ["\n".join(lines) for lines in events]
    return "".join(out).encode("utf-8"), payloads, done


def _split(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({min(c, len(data)) for c in cuts})
    return [data[a:b] for a, b in zip([0, *points], [*points, len(data)], strict=True)]


@settings(max_examples=300, deadline=None)
@given(valid_streams(), st.lists(st.integers(0, 2000), max_size=12))
def test_any_split_of_a_valid_stream_gives_its_payloads(
    stream: tuple[bytes, list[str], bool], cuts: list[int]
) -> None:
    data, payloads, done = stream
    assert decode(data) == (payloads, done)
    assert decode(*_split(data, cuts)) == (payloads, done)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300), st.lists(st.integers(0, 300), max_size=10))
def test_arbitrary_bytes_never_raise_and_do_not_depend_on_the_split(
    data: bytes, cuts: list[int]
) -> None:
    whole = decode(data)
    assert all(isinstance(p, str) for p in whole[0])
    assert decode(*_split(data, cuts)) == whole
