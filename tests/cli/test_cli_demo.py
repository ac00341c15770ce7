"""`deepseek-ext demo`: both parts offline, the summary, missing extras, and a real subprocess."""

from __future__ import annotations

import pathlib
import re
import subprocess
from decimal import Decimal

import pytest

from deepseek_ext_cli import _demo
from deepseek_ext_cli import _demo_langchain as lc_demo
from deepseek_ext_cli import _demo_llamaindex as li_demo
from deepseek_ext_cli import _demo_ocr as ocr_demo
from deepseek_ext_cli import _demo_web as web_demo
from deepseek_ext_cli._demo_kit import AGENT_TURNS, DOCS_QUESTION, REPORT_PAGES
from deepseek_ext_core import PRICES_AS_OF, Usage, estimate_cost

from ..media_files import make_pdf
from .cli_support import KEY, Run

_SUMMARY = re.compile(
    r"^Summary: (\d+) requests, ([\d,]+) input tokens \(([\d,]+) cache hits\), ([\d,]+) output "
    r"tokens \(([\d,]+) reasoning\), estimated cost \$(\d+\.\d{6}) \(DeepSeek prices as of ",
    re.MULTILINE,
)


def _numbers(output: str) -> list[int]:
    match = _SUMMARY.search(output)
    assert match is not None, output
    return [int(group.replace(",", "")) for group in match.groups()[:5]]


def test_the_parts_run_in_the_readme_order() -> None:
    parts = _demo.demo_parts()
    assert [(p.extra, p.module) for p in parts] == [
        ("langchain", "deepseek_ext_cli._demo_langchain"),
        ("llamaindex", "deepseek_ext_cli._demo_llamaindex"),
        ("langchain", "deepseek_ext_cli._demo_web"),
        ("llamaindex", "deepseek_ext_cli._demo_ocr"),
    ]
    assert [p.load() for p in parts] == [lc_demo.run, li_demo.run, web_demo.run, ocr_demo.run]


def test_the_shipped_report_is_the_pdf_its_pages_describe() -> None:
    assert ocr_demo.REPORT.read_bytes() == make_pdf(REPORT_PAGES)


def test_offline_demo_with_the_explicit_tool_loop(
    run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    # What a fresh `pip install -e '.[langchain,llamaindex]'` runs: langgraph is not there.
    monkeypatch.setattr(lc_demo, "_prebuilt_agent", lambda llm, tools: (None, "explicit loop"))
    monkeypatch.setenv("DEEPSEEK_API_KEY", KEY)  # --offline wins over a key
    result = run("demo", "--offline")

    assert result.code == 0, result.err
    out = result.out
    assert "Offline: a DeepSeek emulator on http://127.0.0.1:" in out
    assert "Part 1: LangChain agent with two tools, thinking mode (explicit loop)" in out
    for turn in AGENT_TURNS:
        assert f"you> {turn}" in out
    # Parallel tool calls, their results, then answers written from those results. The second
    # turn only succeeds if the reasoning of the first turn's tool calls was sent back: the
    # emulator answers DeepSeek's 400 otherwise.
    assert '  -> get_weather({"city": "Hangzhou"})\n  -> get_weather({"city": "Paris"})' in out
    assert "  <- convert_currency: 500 EUR = 3910.00 CNY" in out
    assert "deepseek> At today's rate, 500 EUR = 3910.00 CNY. Yes, pack an umbrella" in out
    assert "  | The user wants the current weather in Hangzhou and Paris." in out
    assert "Part 2: LlamaIndex query engine over docs/core.md" in out
    assert f"you> {DOCS_QUESTION}" in out
    assert "The default, `auto`, sends `reasoning_content`" in out
    assert "Retrieved sections:" in out
    assert "Reasoning pass-back" in out.split("Retrieved sections:")[1].splitlines()[0]
    assert "Part 3: LangChain retrieval from the web (DeepSeek Search and Fetch)" in out
    assert "  <- search: DeepSeek off-peak prices (https://example.com/deepseek/off-peak)" in out
    assert "  <- fetch: https://example.com/deepseek/" in out
    assert "a hit costs a fiftieth of a miss" in out
    assert "2 web requests (search and fetch use no tokens): $0.00150" in out
    assert "Part 4: a PDF read by OCR, indexed, and answered with its page" in out
    assert "  <- ocr: quarterly-report.pdf page 2 of 2: Outlook" in out
    assert "(quarterly-report.pdf, page 2)." in out
    assert "Retrieved page 2; OCR of 2 pages: $0.000450" in out
    requests, input_tokens, cache_hits, output_tokens, reasoning = _numbers(out)
    # Two model calls per agent turn, one for each query engine, one for the web answer.
    assert requests == 7
    assert 0 < cache_hits < input_tokens
    assert cache_hits % 64 == 0
    assert 0 < reasoning < output_tokens
    assert KEY not in out + result.err


def test_missing_extra_is_named(run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    missing = _demo.PartSpec("llamaindex", "deepseek_ext_no_such_framework._demo")
    monkeypatch.setattr(_demo, "demo_parts", lambda: [missing])
    result = run("demo", "--offline")

    assert result.code == 2
    assert "needs the 'llamaindex' extra: pip install 'deepseek-ext[llamaindex]'" in result.out
    assert "Summary:" not in result.out


def test_usage_log_summary() -> None:
    log = _demo.UsageLog()
    first = Usage(prompt_tokens=1000, completion_tokens=200, total_tokens=1200,
                  prompt_cache_hit_tokens=0, prompt_cache_miss_tokens=1000)  # fmt: skip
    second = Usage.model_validate({
        "prompt_tokens": 1500, "completion_tokens": 100, "total_tokens": 1600,
        "prompt_cache_hit_tokens": 896, "prompt_cache_miss_tokens": 604,
        "completion_tokens_details": {"reasoning_tokens": 60},
    })  # fmt: skip
    log("deepseek-v4-flash", first)
    log("deepseek-v4-flash", second)

    expected = sum(
        (estimate_cost("deepseek-v4-flash", u, at=at) or Decimal(0)) for (_m, u, at) in log.entries
    )
    assert log.summary() == (
        "Summary: 2 requests, 2,500 input tokens (896 cache hits), 300 output tokens "
        f"(60 reasoning), estimated cost ${expected:.6f} (DeepSeek prices as of {PRICES_AS_OF})"
    )


def test_hashing_embedding_is_deterministic_and_finds_shared_words() -> None:
    embedding = li_demo.HashingEmbedding()
    query = embedding.get_query_embedding("Which policies send reasoning back?")
    near = embedding.get_text_embedding("The reasoning pass-back policy sends reasoning")
    far = embedding.get_text_embedding("Backoff is exponential from 0.5 s")

    assert len(query) == 512
    assert abs(sum(v * v for v in query) - 1.0) < 1e-9
    assert query == embedding.get_query_embedding("Which policies send reasoning back?")

    def cosine(other: list[float]) -> float:
        return sum(a * b for a, b in zip(query, other, strict=True))

    assert cosine(near) > cosine(far) + 0.3


def test_readme_falls_back_to_the_package_description(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pathlib.Path, "is_file", lambda self: False)  # an installed wheel
    source, text = li_demo._readme()

    assert source == "the package description"
    assert text.startswith("# deepseek-ext")
    assert "Reasoning pass-back" in text


def test_demo_command_in_a_real_process(demo_process: subprocess.Popen[str] | None) -> None:
    assert demo_process is not None
    out, err = demo_process.communicate(timeout=60)

    assert demo_process.returncode == 0, err
    assert "(create_agent)" in out  # the dev and demo extras bring langchain's create_agent
    assert _numbers(out)[0] == 7
    assert "Nothing was sent to DeepSeek and nothing was billed." in out
