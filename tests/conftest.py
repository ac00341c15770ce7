"""Cassettes for the whole suite: replay-only by default, re-recordable with one command.

- Replay (default, `--record-mode=none`): requests never leave the machine; a placeholder key
  lets clients construct; a test fails if its cassette holds interactions it never used.
- Re-record against DeepSeek (needs a key):
  `DEEPSEEK_API_KEY=... pytest --record-mode=rewrite -m vcr`
- Re-record offline through the emulator (the replies each test scripts with
  `@pytest.mark.emulator_script(...)`), rewritten to DeepSeek's host:
  `pytest --record-mode=rewrite --cassette-source=emulator -m vcr`

Cassettes live in `cassettes/<suite>/<test module>/<test name>.yaml`, with JSON bodies as YAML
maps, SSE bodies as text, and the Authorization header replaced by `Bearer REDACTED`.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from deepseek_ext_core.integration import is_sensitive_name, mask_url

from . import json_body_serializer
from .request_bodies import with_clean_tool_descriptions

ROOT = Path(__file__).resolve().parents[1]
PLACEHOLDER_KEY = "placeholder-key-for-replay"
_LOOPBACK_URL = re.compile(r"^http://(127\.0\.0\.1|localhost|\[::1\]):\d+")
_DROPPED_RESPONSE_HEADERS = {"set-cookie", "cookie", "date", "x-request-id"}


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--cassette-source",
        choices=("live", "emulator"),
        default="live",
        help="where --record-mode=rewrite gets its answers: DeepSeek itself, or the emulator",
    )
    parser.addoption(
        "--write-figures",
        action="store_true",
        help="write the reliability figures of this run to docs/figures/reliability.md "
        "(run the whole suite: some kinds are counted outside tests/reliability)",
    )


def pytest_recording_configure(config: pytest.Config, vcr: Any) -> None:
    vcr.register_serializer("yaml", json_body_serializer)
    vcr.register_matcher("json_body", _match_json_body)


def _match_json_body(recorded: Any, sent: Any) -> None:
    def parsed(request: Any) -> Any:
        body = request.body
        if not body:
            return None
        text = body.decode("utf-8") if isinstance(body, bytes) else body
        try:
            return with_clean_tool_descriptions(json.loads(text))
        except ValueError:
            return text

    assert parsed(recorded) == parsed(sent), "request bodies differ"


def _scrub_request(request: Any) -> Any:
    # Credentials outside the Authorization header (an Azure `api-key` header, a `key` query
    # parameter, `user:pass@`) never reach a cassette either.
    for name in list(request.headers):
        if is_sensitive_name(name):
            bearer = name.lower() == "authorization"
            request.headers[name] = "Bearer REDACTED" if bearer else "REDACTED"
    request.uri = mask_url(request.uri)
    if _LOOPBACK_URL.match(request.uri):
        request.uri = _LOOPBACK_URL.sub("https://api.deepseek.com", request.uri)
        if "host" in request.headers:
            request.headers["host"] = "api.deepseek.com"
    return request


def _scrub_response(response: dict[str, Any]) -> dict[str, Any]:
    headers = response.get("headers", {})
    for name in list(headers):
        if name.lower() in _DROPPED_RESPONSE_HEADERS:
            del headers[name]
    return response


@pytest.fixture(scope="session")
def vcr_config() -> dict[str, Any]:
    return {
        "serializer": "yaml",
        "filter_headers": [("authorization", "Bearer REDACTED"), ("cookie", None)],
        "match_on": ["method", "scheme", "host", "port", "path", "query", "json_body"],
        "before_record_request": _scrub_request,
        "before_record_response": _scrub_response,
        "decode_compressed_response": True,
    }


@pytest.fixture
def vcr_cassette_dir(request: pytest.FixtureRequest) -> str:
    test_file = Path(str(request.node.fspath))
    suite = test_file.parent.name
    return str(ROOT / "cassettes" / suite / test_file.stem)


@pytest.fixture(autouse=True)
def _cassette_environment(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """Points clients at the right place for the test's cassette, and checks it was used up."""
    if request.node.get_closest_marker("vcr") is None:
        yield
        return
    record_mode = request.getfixturevalue("record_mode")
    for name in ("DEEPSEEK_BASE_URL", "DEEPSEEK_API_BASE", "DEEPSEEK_BETA_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    if record_mode == "none":
        monkeypatch.setenv("DEEPSEEK_API_KEY", PLACEHOLDER_KEY)
        cassette = request.getfixturevalue("vcr")
        yield
        unused = sum(1 for index in range(len(cassette.data)) if not cassette.play_counts[index])
        assert unused == 0, f"the cassette holds {unused} interaction(s) this test never used"
        return
    if request.config.getoption("--cassette-source") == "emulator":
        yield from _record_through_emulator(request, monkeypatch)
        return
    if not os.environ.get("DEEPSEEK_API_KEY"):
        pytest.fail("recording live needs DEEPSEEK_API_KEY (or --cassette-source=emulator)")
    request.getfixturevalue("vcr")
    yield


def _record_through_emulator(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    from deepseek_ext_emulator import Emulator

    with Emulator(api_key=PLACEHOLDER_KEY) as emulator:
        script = request.node.get_closest_marker("emulator_script")
        for reply in script.args if script else ():
            emulator.push(reply.build() if hasattr(reply, "build") else reply)
        monkeypatch.setenv("DEEPSEEK_API_KEY", PLACEHOLDER_KEY)
        monkeypatch.setenv("DEEPSEEK_BASE_URL", emulator.base_url)
        monkeypatch.setenv("DEEPSEEK_API_BASE", emulator.base_url)
        monkeypatch.setenv("DEEPSEEK_BETA_BASE_URL", emulator.beta_base_url)
        request.getfixturevalue("vcr")
        yield
