"""The offline demo's DeepSeek: a function of the request body that answers like the real one.

It plays the story of `demo_kit`: thinking-mode tool calls with their reasoning (parallel calls for
two cities), final answers written from the tool results actually sent back, and a documentation
answer grounded in the context LlamaIndex retrieved. Usage is shaped like real traffic: prompt
tokens from the request size (DeepSeek's 0.3 token per character), and the part of the prompt an
earlier request already sent reported as cache hits in 64-token units (docs/deepseek-api.md §3.3).
Anything it does not recognise falls through to the emulator's echo.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from deepseek_ext_cli._demo_kit import REPORT_INSTRUCTION
from deepseek_ext_emulator import Fault, Reply, Responder, Usage

__all__ = ["demo_responder"]

_CITIES = ("Hangzhou", "Paris", "Beijing")
_MONEY = re.compile(r"(\d+(?:\.\d+)?)\s*(EUR|CNY|USD|GBP)\b", re.IGNORECASE)
_CACHE_UNIT = 64
_DOCS_MARKERS = ("Context information is below", "context information")
_WEB_MARKER = "Answer from these web pages only"
_URL = re.compile(r"https://[^\s)]+")
_PAGE_LABEL = re.compile(r"page_label: (\d+)")


def demo_responder(*, pace: float = 0.0) -> Responder:
    """The scripted session; `pace` seconds between streamed pieces (0 for tests)."""

    def respond(body: dict[str, Any]) -> Reply | Fault | None:
        reply = answer(body)
        if reply is None or pace <= 0:
            return reply
        return Fault.slow_chunks(pace, reply=reply)

    return respond


def answer(body: Mapping[str, Any]) -> Reply | None:
    """The reply to one chat request of the demo, or None for anything else."""
    messages = [m for m in body.get("messages") or () if isinstance(m, Mapping)]
    if not messages:
        return None
    names = {
        str(tool.get("function", {}).get("name"))
        for tool in body.get("tools") or ()
        if isinstance(tool, Mapping)
    }
    if {"get_weather", "convert_currency"} & names:
        reasoning, reply = _agent_step(messages)
    elif any(REPORT_INSTRUCTION in _text(m) for m in messages):
        reasoning, reply = _report_answer(messages)
    elif any(marker in _text(m) for m in messages for marker in _DOCS_MARKERS):
        reasoning, reply = _docs_answer(messages)
    elif any(_WEB_MARKER in _text(m) for m in messages):
        reasoning, reply = _web_answer(messages)
    else:
        return None
    usage = _usage(messages, body.get("tools"), reasoning, reply)
    if reply.calls:
        calls = [(c.name, c.arguments) for c in reply.calls]
        return Reply.tool_calls(calls, reasoning=reasoning, usage=usage)
    return Reply.text(reply.content, reasoning=reasoning, usage=usage)


# -- the agent conversation ------------------------------------------------------------------


def _agent_step(messages: Sequence[Mapping[str, Any]]) -> tuple[str, Reply]:
    last = messages[-1]
    if last.get("role") == "tool":
        return _after_tools(messages)
    question = _text(last)
    lowered = question.lower()
    known = _weather_seen(messages)
    money = _MONEY.search(question)
    if money is not None:
        amount, source = float(money.group(1)), money.group(2).upper()
        target = next((c for c in ("CNY", "USD", "GBP", "EUR") if c in question.upper()), "USD")
        target = target if target != source else "CNY"
        args = {"amount": amount, "from_currency": source, "to_currency": target}
        calls: list[tuple[str, Mapping[str, Any]]] = [("convert_currency", args)]
        reasoning = (
            f"The user will bring {amount:g} {source} and wants it in {target}. I shouldn't "
            "guess an exchange rate, so I'll call convert_currency. "
        )
        city = next((c for c in _CITIES if c.lower() in lowered), None)
        if "umbrella" in lowered and city is not None:
            if city in known:
                reasoning += (
                    f"For the umbrella, the weather I looked up earlier says {city} has "
                    f"{known[city]}, so I can answer that from the conversation."
                )
            else:
                calls.append(("get_weather", {"city": city}))
                reasoning += f"I also need the weather in {city} for the umbrella question."
        return reasoning, Reply.tool_calls(calls)
    cities = [c for c in _CITIES if c.lower() in lowered] or ["Hangzhou"]
    reasoning = (
        f"The user wants the current weather in {' and '.join(cities)}. The get_weather tool "
        "takes one city, so I'll call it once per city, in parallel, and then compare them."
    )
    return reasoning, Reply.tool_calls([("get_weather", {"city": c}) for c in cities])


def _after_tools(messages: Sequence[Mapping[str, Any]]) -> tuple[str, Reply]:
    results = _results_of_last_calls(messages)
    weather = [
        (str(args.get("city", "?")).title(), out)
        for name, args, out in results
        if name == "get_weather"
    ]
    money = [out for name, _args, out in results if name == "convert_currency"]
    sentences: list[str] = []
    if money:
        sentences.append(f"At today's rate, {money[0]}.")
    known = {**_weather_seen(messages), **dict(weather)}
    if money and "Hangzhou" in known:
        rainy = "rain" in known["Hangzhou"]
        verdict = "Yes, pack an umbrella" if rainy else "You can leave the umbrella at home"
        sentences.append(f"{verdict}: Hangzhou has {known['Hangzhou']}.")
    elif weather:
        listed = " and ".join(f"{out} in {city}" for city, out in weather)
        sentences.append(f"Right now it's {listed}.")
        wet = [city for city, out in weather if "rain" in out]
        if wet:
            sentences.append(f"Take an umbrella in {' and '.join(wet)} this afternoon.")
    reasoning = (
        f"The tools returned: {'; '.join(out for _n, _a, out in results)}. "
        "That's everything I need, so I'll answer briefly with the numbers from the tools."
    )
    return reasoning, Reply.text(" ".join(sentences) or "The tools returned nothing useful.")


def _results_of_last_calls(
    messages: Sequence[Mapping[str, Any]],
) -> list[tuple[str, dict[str, Any], str]]:
    """(tool name, arguments, result) for the calls of the last assistant tool-call turn."""
    calls = _calls_by_id(messages)
    results: list[tuple[str, dict[str, Any], str]] = []
    for message in reversed(messages):
        if message.get("role") != "tool":
            break
        name, args = calls.get(str(message.get("tool_call_id")), ("?", {}))
        results.append((name, args, _text(message)))
    return results[::-1]


def _weather_seen(messages: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """City -> weather, from get_weather calls earlier in the conversation."""
    calls = _calls_by_id(messages)
    seen: dict[str, str] = {}
    for message in messages:
        if message.get("role") == "tool":
            name, args = calls.get(str(message.get("tool_call_id")), ("?", {}))
            if name == "get_weather":
                seen[str(args.get("city", "?")).title()] = _text(message)
    return seen


def _calls_by_id(messages: Sequence[Mapping[str, Any]]) -> dict[str, tuple[str, dict[str, Any]]]:
    calls: dict[str, tuple[str, dict[str, Any]]] = {}
    for message in messages:
        for call in message.get("tool_calls") or ():
            function = call.get("function", {})
            try:
                args = json.loads(function.get("arguments") or "{}")
            except ValueError:
                args = {}
            calls[str(call.get("id"))] = (str(function.get("name")), dict(args))
    return calls


# -- the documentation question ---------------------------------------------------------------


def _docs_answer(messages: Sequence[Mapping[str, Any]]) -> tuple[str, Reply]:
    context = "\n".join(_text(m) for m in messages)
    if "reasoning_passback" not in context and "pass-back" not in context.lower():
        reasoning = "The excerpts don't mention how reasoning is sent back, so I can't answer."
        return reasoning, Reply.text("The documentation excerpts I was given do not cover this.")
    reasoning = (
        "The question is about the reasoning pass-back. The context has a 'Reasoning pass-back' "
        "section with a table of policies: auto, always and never. I'll explain the default "
        "first, then list the other two with when to use them."
    )
    text = (
        "`to_wire_messages`, which every request goes through, applies the `reasoning_passback` "
        "policy. The default, `auto`, sends `reasoning_content` on every assistant message that "
        "has it whenever the request carries tools or the message made tool calls, and sends "
        '`""` for a tool-call turn whose reasoning was lost, which satisfies every version of '
        "DeepSeek's rule. You can choose `always` (send it on every assistant message that has "
        "it) or `never` (strip it; only for R1-era proxies that reject it)."
    )
    return reasoning, Reply.text(text)


def _web_answer(messages: Sequence[Mapping[str, Any]]) -> tuple[str, Reply]:
    context = "\n".join(_text(m) for m in messages)
    urls = [url for url in _URL.findall(context) if "off-peak" in url or "cach" in url]
    if "off-peak" not in context.lower() or "cache" not in context.lower():
        reasoning = "The pages don't cover both prices and caching, so I can't answer fully."
        return reasoning, Reply.text("The pages I was given do not cover this.")
    reasoning = (
        "Two pages: one on off-peak prices, one on the context cache. Combine them: half price "
        "off-peak, and cache hits at a fiftieth of a miss. Cite both URLs."
    )
    sources = " and ".join(dict.fromkeys(urls)) or "the pages"
    text = (
        "Two ways, and they add up. Outside peak hours (01:00-04:00 and 06:00-10:00 UTC on "
        "weekdays are peak) every token costs half, and a request is billed by when it "
        "completes. And a prompt that starts like an earlier one reads that prefix from "
        "DeepSeek's context cache, where a hit costs a fiftieth of a miss; nothing needs to be "
        f"turned on. Sources: {sources}."
    )
    return reasoning, Reply.text(text)


def _report_answer(messages: Sequence[Mapping[str, Any]]) -> tuple[str, Reply]:
    context = "\n".join(_text(m) for m in messages)
    page = _PAGE_LABEL.search(context)
    if page is None or "8 percent" not in context:
        reasoning = "The retrieved page doesn't give next year's outlook, so I can't answer."
        return reasoning, Reply.text("The pages I was given do not say.")
    reasoning = (
        "The retrieved page is the outlook: the board expects 8 percent revenue growth next "
        f"year. Its page_label is {page.group(1)}; cite it."
    )
    text = (
        "The board expects revenue growth of 8 percent next year "
        f"(quarterly-report.pdf, page {page.group(1)})."
    )
    return reasoning, Reply.text(text)


# -- shared ----------------------------------------------------------------------------------


def _text(message: Mapping[str, Any]) -> str:
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(str(p.get("text", "")) for p in content if isinstance(p, Mapping))
    return ""


def _tokens(value: Any) -> int:
    return (len(json.dumps(value, ensure_ascii=False)) * 3) // 10 if value else 0


def _usage(
    messages: Sequence[Mapping[str, Any]], tools: Any, reasoning: str, reply: Reply
) -> Usage:
    prompt = max(1, _tokens(list(messages)) + _tokens(tools))
    # The previous request ended where the last assistant message starts: that prefix is cached.
    last_assistant = max(
        (i for i, m in enumerate(messages) if m.get("role") == "assistant"), default=None
    )
    cached = 0
    if last_assistant is not None:
        prefix = _tokens(list(messages[:last_assistant])) + _tokens(tools)
        cached = prefix // _CACHE_UNIT * _CACHE_UNIT
    thought = max(1, len(reasoning) * 3 // 10)
    said = len(reply.content) * 3 // 10 + sum(len(c.arguments) for c in reply.calls) * 3 // 10
    return Usage(
        prompt_tokens=prompt,
        completion_tokens=thought + max(1, said),
        cached_tokens=min(cached, prompt),
        reasoning_tokens=thought,
    )
