"""What a part of `deepseek-ext demo` shares with the others: the story, the output, the usage log.

A demo part is a module of this package with a function

    def run(base_url: str, api_key: str, out: TextIO, record: UsageRecorder) -> None: ...

It talks to `base_url` with `api_key` (the offline emulator, or DeepSeek itself), writes to
`out` through a `Transcript`, and calls `record(model, usage)` once per DeepSeek response so the
command can print the token, cache and cost summary. The story (prompts and tools) lives here
once, so the offline script (`_session.py`) answers exactly what the parts ask.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TextIO, TypeAlias

from deepseek_ext_cli._output import Transcript
from deepseek_ext_core import Usage

__all__ = [
    "AGENT_SYSTEM_PROMPT",
    "AGENT_TURNS",
    "DEMO_MODEL",
    "DOCS_QUESTION",
    "WEB_QUESTION",
    "DemoPart",
    "Transcript",
    "UsageRecorder",
    "convert_currency",
    "get_weather",
]

UsageRecorder: TypeAlias = Callable[[str, Usage], None]
"""`record(model, usage)`: called once per DeepSeek response (the model name it answered with)."""

DemoPart: TypeAlias = Callable[[str, str, TextIO, UsageRecorder], None]
"""`run(base_url, api_key, out, record)`: one part of the demo."""

DEMO_MODEL = "deepseek-flash"

AGENT_SYSTEM_PROMPT = (
    "You are a concise travel assistant. Use the tools for weather and money; "
    "never guess numbers. Answer in two or three sentences."
)

AGENT_TURNS: tuple[str, ...] = (
    "What's the weather like in Hangzhou and in Paris right now?",
    "I'm taking 500 EUR to Hangzhou. How much is that in CNY, and do I need an umbrella?",
)
"""The two user turns of the LangChain agent conversation."""

DOCS_QUESTION = (
    "How does deepseek-ext send reasoning_content back to DeepSeek when a conversation uses "
    "tools, and which policies can I choose?"
)
"""The question the LlamaIndex query engine answers from docs/core.md."""

WEB_QUESTION = "How do DeepSeek's off-peak hours and context cache lower what a request costs?"
"""The question the web retrieval part answers from pages DeepSeek's Search finds."""

REPORT_QUESTION = (
    "What revenue growth does the board expect next year, and on which page of the report is that?"
)
"""The question the OCR part answers from the pages of `quarterly-report.pdf`."""
REPORT_PAGES = (
    "Quarterly report, third quarter 2026\nRevenue grew 12 percent to 4.2 million yuan.\n"
    "The document tools sold 1,800 licences.",
    "Outlook\nThe board expects revenue growth of 8 percent next year.\n"
    "Hiring will focus on the speech and document teams.",
)
"""The text of `deepseek_ext_cli/quarterly-report.pdf`, page by page (a test checks the file)."""
REPORT_INSTRUCTION = "Answer from the report's pages and cite the page (page_label)."
"""The OCR part's system prompt (the offline session knows the part by it)."""

# Demo data, fixed so that the offline and the live run tell the same story.
_WEATHER = {
    "hangzhou": "27°C, humid, light rain from 15:00",
    "paris": "18°C, overcast, dry",
    "beijing": "22°C, sunny",
}
_PER_EUR = {"EUR": 1.0, "CNY": 7.82, "USD": 1.09, "GBP": 0.85}


def get_weather(city: str) -> str:
    """Get the current weather for a city.

    Args:
        city: The city name, e.g. "Hangzhou".
    """
    return _WEATHER.get(city.strip().lower(), f"no weather data for {city}")


def convert_currency(amount: float, from_currency: str, to_currency: str) -> str:
    """Convert an amount of money between currencies (EUR, CNY, USD, GBP).

    Args:
        amount: The amount to convert.
        from_currency: ISO code of the currency to convert from, e.g. "EUR".
        to_currency: ISO code of the currency to convert to, e.g. "CNY".
    """
    source, target = from_currency.strip().upper(), to_currency.strip().upper()
    if source not in _PER_EUR or target not in _PER_EUR:
        return f"no exchange rate for {source} to {target}"
    converted = amount / _PER_EUR[source] * _PER_EUR[target]
    return f"{amount:g} {source} = {converted:.2f} {target}"
